// Bad statistics are refused before sending: the checks `publish` and `send`
// make, as `relais-agent validate` runs them (schema, places, period), on
// version 2 reports; and statistics-report/1 still selects version 1.
#include <catch2/catch.hpp>

#include <sstream>

#include "agent/validate_command.h"
#include "report/fixture.h"
#include "util/files.h"

using namespace relais;

namespace {

struct Outcome {
  int code;
  std::string err;
};

Outcome validate(const std::string& type, const nlohmann::json& doc) {
  std::istringstream in(doc.dump());
  std::ostringstream out, err;
  const int code = run_validate(type, "-", in, out, err);
  return {code, err.str()};
}

nlohmann::json good() { return test::report_v2("kara", "kozah", "2026-01-01", "2026-01-31", "kozah-2026-01"); }

}  // namespace

TEST_CASE("A good version 2 report passes", "[report][bad-input]") {
  auto o = validate("statistics-report", good());
  INFO(o.err);
  CHECK(o.code == 0);
}

TEST_CASE("An inverted period is refused", "[report][bad-input]") {
  auto d = good();
  d["period"] = {{"start", "2026-01-31"}, {"end", "2026-01-01"}};
  auto o = validate("statistics-report", d);
  CHECK(o.code == 1);
  CHECK_THAT(o.err, Catch::Contains("ends (2026-01-01) before it starts (2026-01-31)"));
}

TEST_CASE("An unknown prefecture is refused", "[report][bad-input]") {
  auto d = good();
  d["prefecture"] = "atlantis";
  auto o = validate("statistics-report", d);
  CHECK(o.code == 1);
  CHECK_THAT(o.err, Catch::Contains("atlantis"));
}

TEST_CASE("A region that is not the prefecture's is refused", "[report][bad-input]") {
  auto d = good();
  d["region"] = "maritime";
  auto o = validate("statistics-report", d);
  CHECK(o.code == 1);
  CHECK_THAT(o.err, Catch::Contains("is not a prefecture of region maritime"));
}

TEST_CASE("A count of 3 is refused wherever it is", "[report][bad-input]") {
  for (const char* where : {"/justice/convictions", "/victims_assisted/legal", "/awareness/sessions",
                            "/repatriations/0/count", "/victims/0/count", "/victims_identified"}) {
    INFO(where);
    auto d = good();
    d[nlohmann::json::json_pointer(where)] = 3;
    auto o = validate("statistics-report", d);
    CHECK(o.code == 1);
    CHECK_THAT(o.err, Catch::Contains(std::string(where) + ": small cell"));
  }
}

TEST_CASE("statistics-report means version 2 and statistics-report/1 selects version 1", "[report][bad-input]") {
  const auto v1 = nlohmann::json::parse(
      *read_text_file(std::string(RELAIS_SOURCE_DIR) + "/schemas/examples/statistics-report.valid.json"));
  CHECK(validate("statistics-report/1", v1).code == 0);
  auto o = validate("statistics-report", v1);
  CHECK(o.code == 1);
  CHECK_THAT(o.err, Catch::Contains("missing required property \"report_id\""));
  CHECK(validate("statistics-report/1", good()).code == 1);  // v2 fields are unknown to v1
  CHECK(validate("statistics-report/2", good()).code == 0);
  CHECK(validate("statistics-report/7", good()).code == 2);
}
