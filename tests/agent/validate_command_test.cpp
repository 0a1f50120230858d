// relais-agent validate (agent/validate_command.h): exit codes and output on
// the example files, with the streams given as arguments.
#include <catch2/catch.hpp>

#include <sstream>

#include "agent/validate_command.h"

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(const std::string& type, const std::string& file, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int code = relais::run_validate(type, file, in, out, err);
  return {code, out.str(), err.str()};
}

std::string example(const std::string& name) {
  return std::string(RELAIS_SOURCE_DIR) + "/schemas/examples/" + name;
}

}  // namespace

TEST_CASE("validate prints valid and exits 0 for a valid document", "[agent][validate]") {
  const Run r = run("referral", example("referral.valid.json"));
  CHECK(r.code == 0);
  CHECK(r.out == "valid: referral\n");
  CHECK(r.err.empty());
}

TEST_CASE("validate lists every error and exits 1 for an invalid document", "[agent][validate]") {
  const Run r = run("referral", example("referral.invalid-fields.json"));
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "/services_requested: must not be empty\n"
        "/consent/date: must be a date (YYYY-MM-DD, RFC 3339)\n"
        "/citizenship: must match pattern ^[A-Z]{2}$\n");
}

TEST_CASE("validate reads the input stream for a dash", "[agent][validate]") {
  Run r = run("case-update", "-", R"({"case_ref":"x1","update_kind":"legal","case_status":"closed"})");
  CHECK(r.code == 0);
  CHECK(r.out == "valid: case-update\n");
  r = run("case-update", "-", R"({"case_ref":"x1","case_ref":"x2"})");
  CHECK(r.code == 1);
  CHECK(r.err.find("(root): json: duplicate key \"case_ref\"") == 0);
  r = run("case-update", "-", "{not json");
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("(root): json: ") == 0);
}

TEST_CASE("validate refuses more than 16 MiB on the input stream with exit 1", "[agent][validate]") {
  const std::string big = "{\"case_ref\":\"" + std::string((16u << 20) + 1, 'x') + "\"}";
  const Run r = run("case-update", "-", big);
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("larger than 16.0 MiB, the most one message carries"));
}

TEST_CASE("validate exits 2 for an unknown type or an unreadable file", "[agent][validate]") {
  Run r = run("alert/3", example("alert.valid.json"));  // alert has two versions
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("unknown document type") != std::string::npos);
  CHECK(run("alert/1", example("alert.valid.json")).code == 0);  // a versioned name selects that version
  r = run("alert", example("no-such-file.json"));
  CHECK(r.code == 2);
  CHECK(r.err.find("cannot read") != std::string::npos);
}

TEST_CASE("validate refuses places that do not exist and periods that are not real", "[agent][validate]") {
  const std::string alert = R"({"kind":"missing_child","observed_at":"2026-01-02T10:00:00Z",
    "location":{"region":"kara","prefecture":"lome","detail":"market"},"description":"a child",
    "subject_count":1,"age_band":"9-17","minor_involved":true,"reliability":"B","accuracy":2})";
  Run r = run("alert", "-", alert);
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("lome"));
  CHECK(r.out.empty());

  std::string mixed = alert;
  mixed.replace(mixed.find("\"lome\""), 6, "\"golfe\"");
  r = run("alert", "-", mixed);
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("is not a prefecture of region kara"));
}
