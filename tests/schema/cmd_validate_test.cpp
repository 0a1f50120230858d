// relais-agent validate: exit codes and output on the example files.
// The command lives in agents/; it is compiled into this test directly.
#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>

#include "../../agents/cmd_validate.cpp"

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(const std::string& type, const std::string& file, const std::string& stdin_text = "") {
  std::ostringstream out, err;
  std::istringstream in(stdin_text);
  auto* o = std::cout.rdbuf(out.rdbuf());
  auto* e = std::cerr.rdbuf(err.rdbuf());
  auto* i = std::cin.rdbuf(in.rdbuf());
  const int code = relais::run_validate(type, file);
  std::cout.rdbuf(o);
  std::cerr.rdbuf(e);
  std::cin.rdbuf(i);
  return {code, out.str(), err.str()};
}

std::string example(const std::string& name) {
  return std::string(RELAIS_SOURCE_DIR) + "/schemas/examples/" + name;
}

}  // namespace

TEST_CASE("validate prints valid and exits 0 for a valid document", "[schema][cli]") {
  const Run r = run("referral", example("referral.valid.json"));
  CHECK(r.code == 0);
  CHECK(r.out == "valid: referral\n");
  CHECK(r.err.empty());
}

TEST_CASE("validate lists every error and exits 1 for an invalid document", "[schema][cli]") {
  const Run r = run("referral", example("referral.invalid-fields.json"));
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "/services_requested: must not be empty\n"
        "/consent/date: must be a date (YYYY-MM-DD, RFC 3339)\n"
        "/citizenship: must match pattern ^[A-Z]{2}$\n");
}

TEST_CASE("validate reads stdin for a dash", "[schema][cli]") {
  Run r = run("case-update", "-", R"({"case_ref":"x1","update_kind":"legal","case_status":"closed"})");
  CHECK(r.code == 0);
  CHECK(r.out == "valid: case-update\n");
  r = run("case-update", "-", R"({"case_ref":"x1","case_ref":"x2"})");
  CHECK(r.code == 1);
  CHECK(r.err.find("(root): json: duplicate key \"case_ref\"") == 0);
  r = run("case-update", "-", "{not json");
  CHECK(r.code == 1);
  CHECK(r.err.find("(root): json: ") == 0);
}

TEST_CASE("validate exits 2 for an unknown type or an unreadable file", "[schema][cli]") {
  Run r = run("alert/1", example("alert.valid.json"));
  CHECK(r.code == 2);
  CHECK(r.err.find("unknown document type") != std::string::npos);
  r = run("alert", example("no-such-file.json"));
  CHECK(r.code == 2);
  CHECK(r.err.find("cannot read") != std::string::npos);
}
