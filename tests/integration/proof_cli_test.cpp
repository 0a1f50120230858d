// relais-audit check-proof and show-receipt on a real broker's log: every
// line check-proof prints is authenticated or marked so, an edited topic is
// INVALID, and show-receipt prints a receipt saved by relais-agent publish
// --receipt, field by field, checking its signature when given the bundle.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>

#include "deployment.h"

using namespace relais;
using namespace relais::test;

namespace {

ProcResult audit(Deployment& d, const std::vector<std::string>& args, bool with_bundle = true) {
  std::vector<std::string> argv = {bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub", "--data",
                                   d.dir() + "/data"};
  if (with_bundle) argv.insert(argv.end(), {"--bundle", d.dir() + "/trust.bundle"});
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, 60000);
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("check-proof refuses an edited topic and show-receipt prints the receipt it was given",
          "[integration][audit][proof]") {
  Deployment d;
  d.start_broker();
  const std::string doc = d.dir() + "/alert.json";
  write_text(doc, alert_with("proof"));
  const std::string receipt = d.dir() + "/r.bin";
  ProcResult pub = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert", "--file", doc,
                                            "--receipt", receipt});
  INFO(pub.out << pub.err);
  REQUIRE(pub.exit_code == 0);
  const auto published = nlohmann::json::parse(pub.out);
  const std::string id = published["id"].get<std::string>();
  const uint64_t seq = published["seq"].get<uint64_t>();
  REQUIRE(d.stop_broker() == 0);

  ProcResult p = audit(d, {"prove", "--id", id});
  INFO(p.out << p.err);
  REQUIRE(p.exit_code == 0);
  const std::string proof = d.dir() + "/proof.json";
  write_text(proof, p.out);
  ProcResult ok = audit(d, {"check-proof", "--proof", proof, "--receipt", receipt});
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::StartsWith("VALID"));
  CHECK_THAT(ok.out, Catch::Contains(id + " from police.golfe on " + kAlertTopic));
  CHECK_THAT(ok.out, !Catch::Contains("NOT AUTHENTICATED"));

  // The topic a reader of the proof file sees, edited: no longer VALID.
  auto edited = nlohmann::json::parse(p.out);
  edited["message"]["topic"] = "alert.missing_child.maritime.golfe";
  const std::string bad = d.dir() + "/edited.json";
  write_text(bad, edited.dump());
  ProcResult no = audit(d, {"check-proof", "--proof", bad});
  INFO(no.out << no.err);
  CHECK(no.exit_code == 1);
  CHECK_THAT(no.out, Catch::StartsWith("INVALID"));
  CHECK_THAT(no.err, Catch::Contains("message.topic"));

  // Without the core, what is left is marked as not authenticated.
  auto bare = nlohmann::json::parse(p.out);
  bare["message"].erase("core");
  const std::string bare_path = d.dir() + "/bare.json";
  write_text(bare_path, bare.dump());
  ProcResult marked = audit(d, {"check-proof", "--proof", bare_path});
  INFO(marked.out << marked.err);
  CHECK(marked.exit_code == 0);
  CHECK_THAT(marked.out, Catch::Contains("NOT AUTHENTICATED"));

  // show-receipt: every field; the signature checked only against a bundle.
  ProcResult shown = audit(d, {"show-receipt", receipt}, false);
  INFO(shown.out << shown.err);
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("message:    " + id));
  CHECK_THAT(shown.out, Catch::Contains("seq:        " + std::to_string(seq)));
  for (const char* field : {"version:", "leaf hash:", "logged at:", "batch:", "path:", "signature:"})
    CHECK_THAT(shown.out, Catch::Contains(field));
  CHECK_THAT(shown.out, Catch::Contains("NOT CHECKED"));
  ProcResult checked = audit(d, {"show-receipt", receipt});
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
  CHECK_THAT(checked.out, Catch::Contains("VALID: signed by the bundle's broker key"));

  // A receipt with one byte of its signature changed does not verify.
  std::string bytes = read_all(receipt);
  REQUIRE(bytes.size() > 10);
  bytes[bytes.size() - 3] = static_cast<char>(bytes[bytes.size() - 3] ^ 1);
  const std::string forged = d.dir() + "/forged.bin";
  write_text(forged, bytes);
  ProcResult f = audit(d, {"show-receipt", forged});
  INFO(f.out << f.err);
  CHECK(f.exit_code == 1);
  CHECK_THAT(f.out, Catch::Contains("INVALID"));
  // Not a receipt at all.
  const std::string junk_path = d.dir() + "/junk.bin";
  write_text(junk_path, "{\"not\":\"a receipt\"}");
  ProcResult junk = audit(d, {"show-receipt", junk_path}, false);
  CHECK(junk.exit_code == 1);
  CHECK_THAT(junk.err, Catch::Contains("not a receipt"));
}
