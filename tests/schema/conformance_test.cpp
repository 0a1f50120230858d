// Runs the official JSON-Schema-Test-Suite (Debian json-schema-test-suite,
// tests/draft7) against the validator. Schemas and instances go through
// json_to_msgpack, as real documents do. Prints the pass count per file and
// lists every skipped file or case by name with the reason.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "schema/validator.h"
#include "util/json_msgpack.h"

namespace fs = std::filesystem;
using relais::Schema;
using relais::SchemaMode;

namespace {

struct FileResult {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

FileResult run_file(const fs::path& file, std::vector<std::string>* failures) {
  FileResult res;
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto groups = nlohmann::json::parse(ss.str());
  const std::string fname = file.filename().string();
  for (const auto& g : groups) {
    const std::string gdesc = g["description"].get<std::string>();
    const std::string schema_text = g["schema"].dump();
    auto schema = Schema::compile_json(schema_text, SchemaMode::kLenient);
    if (!schema.ok()) {
      const bool remote = schema.status().code() == relais::Code::kNotFound &&
                          (schema_text.find("http://json-schema.org/draft-07/schema") != std::string::npos ||
                           schema_text.find("localhost:1234") != std::string::npos);
      if (remote) {
        std::cout << "  SKIP " << fname << " / \"" << gdesc
                  << "\": needs a remote ref or the draft-07 metaschema (" << schema.status().message()
                  << ")\n";
        res.skipped += static_cast<int>(g["tests"].size());
        continue;
      }
      failures->push_back(fname + " / " + gdesc + ": schema failed to load: " + schema.status().message());
      res.failed += static_cast<int>(g["tests"].size());
      continue;
    }
    for (const auto& t : g["tests"]) {
      const std::string tdesc = t["description"].get<std::string>();
      auto bytes = relais::json_to_msgpack(t["data"].dump());
      if (!bytes.ok()) {
        failures->push_back(fname + " / " + gdesc + " / " + tdesc + ": " + bytes.status().message());
        ++res.failed;
        continue;
      }
      auto oh = relais::unpack_document(*bytes);
      REQUIRE(oh.ok());
      const bool expected = t["valid"].get<bool>();
      const auto errors = schema->validate(oh->get());
      const bool quick = schema->is_valid(oh->get());
      if (errors.empty() == expected && quick == expected) {
        ++res.passed;
      } else {
        std::string why = errors.empty() ? "no errors" : errors.front().to_string();
        failures->push_back(fname + " / " + gdesc + " / " + tdesc + ": expected " +
                            (expected ? "valid" : "invalid") + ", got " + why +
                            (quick != errors.empty() ? " (is_valid disagrees)" : ""));
        ++res.failed;
      }
    }
  }
  return res;
}

}  // namespace

TEST_CASE("The validator passes the draft7 JSON-Schema-Test-Suite", "[schema][conformance]") {
  const fs::path dir = RELAIS_TEST_SUITE_DIR;
  if (!fs::exists(dir)) {
    WARN("JSON-Schema-Test-Suite not installed at " << dir << " (apt install json-schema-test-suite)");
    return;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const char* opt : {"optional/format/date.json", "optional/format/date-time.json",
                          "optional/format/time.json"}) {
    if (fs::exists(dir / opt)) files.push_back(dir / opt);
  }
  std::vector<std::string> failures;
  int total_pass = 0, total_skip = 0;
  std::cout << "JSON-Schema-Test-Suite draft7 (" << dir.string() << ")\n";
  for (const auto& f : files) {
    const std::string rel = fs::relative(f, dir).string();
    if (f.filename() == "refRemote.json") {
      std::cout << "  SKIP " << rel << ": every case needs remote references\n";
      continue;
    }
    const FileResult r = run_file(f, &failures);
    total_pass += r.passed;
    total_skip += r.skipped;
    std::cout << "  " << rel << ": " << r.passed << "/" << (r.passed + r.failed) << " passed";
    if (r.skipped) std::cout << ", " << r.skipped << " skipped";
    std::cout << "\n";
  }
  std::cout << "  total: " << total_pass << " passed, " << total_skip << " skipped, " << failures.size()
            << " failed\n";
  for (const auto& f : failures) {
    UNSCOPED_INFO(f);
    std::cout << "  FAIL " << f << "\n";
  }
  REQUIRE(failures.empty());
}
