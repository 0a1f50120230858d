// Replays every file of tests/fuzz/corpus/<harness>/ and
// tests/fuzz/regressions/<harness>/ through its harness (a crash fails the
// whole test program, naming nothing; run it with -s to see the file).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "crypto/envelope.h"
#include "fuzz/harnesses.h"
#include "policy/bundle.h"

namespace fs = std::filesystem;
using namespace relais::fuzz;

namespace {

const fs::path kFuzzDir = fs::path(RELAIS_SOURCE_DIR) / "tests" / "fuzz";

std::vector<uint8_t> slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

size_t replay(const std::string& kind, const HarnessEntry& h) {
  const fs::path dir = kFuzzDir / kind / h.name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    INFO("replaying " << f.string());
    const auto data = slurp(f);
    CHECK(h.fn(data.data(), data.size()) == 0);
  }
  return files.size();
}

}  // namespace

TEST_CASE("Every fuzz seed and regression input runs through its harness without a crash", "[fuzz]") {
  size_t seeds = 0;
  for (const auto& h : all_harnesses()) {
    const size_t n = replay("corpus", h);
    INFO("harness " << h.name << " has no seed corpus");
    CHECK(n > 0);
    seeds += n;
    replay("regressions", h);
  }
  CHECK(seeds >= all_harnesses().size());
}

TEST_CASE("The harnesses accept empty and tiny inputs", "[fuzz]") {
  const uint8_t bytes[] = {0, 1, 0xff, '\n', '.', '>', '{', '['};
  for (const auto& h : all_harnesses()) {
    INFO("harness " << h.name);
    CHECK(h.fn(bytes, 0) == 0);
    for (size_t i = 0; i < sizeof bytes; ++i) CHECK(h.fn(bytes + i, 1) == 0);
    CHECK(h.fn(bytes, sizeof bytes) == 0);
  }
}

TEST_CASE("The seed envelopes and bundle reach the verify, open and parse paths", "[fuzz]") {
  const auto env_bytes = slurp(kFuzzDir / "corpus" / "envelope" / "sealed-0");
  auto env = relais::decode_envelope(env_bytes);
  REQUIRE(env.ok());
  CHECK(relais::verify_envelope(*env, fixed_identity(0).card.sign_pk).ok());
  const auto& reader = fixed_identity(1);
  CHECK(relais::open_envelope(*env, reader.card.name, reader.card.seal_pk, reader.seal_sk).ok());
  const auto bundle_bytes = slurp(kFuzzDir / "corpus" / "bundle" / "signed.bundle");
  auto bundle = relais::parse_bundle(bundle_bytes, fixed_identity(2).card.sign_pk, "signed.bundle");
  REQUIRE(bundle.ok());
  CHECK(bundle->participants.size() == 3);
}
