#include <catch2/catch.hpp>

#include "agent/location_rules.h"

using namespace relais;
using nlohmann::json;

namespace {

const Locations& togo() {
  static const Locations l = [] {
    auto r = Locations::parse(Locations::builtin_csv(), "builtin");
    REQUIRE(r.ok());
    return *r;
  }();
  return l;
}

constexpr int64_t k2026_06_15 = 1781481600000;  // 2026-06-15T00:00:00Z

json alert(const std::string& region, const std::string& prefecture) {
  return json{{"kind", "trafficking"}, {"location", {{"region", region}, {"prefecture", prefecture}, {"detail", "x"}}}};
}

json stats(const std::string& region, const std::string& prefecture, const std::string& start, const std::string& end) {
  return json{{"region", region}, {"prefecture", prefecture}, {"period", {{"start", start}, {"end", end}}}};
}

}  // namespace

TEST_CASE("A known region and one of its prefectures pass", "[location_rules]") {
  CHECK(check_document_locations(DocType::kAlert, alert("kara", "kozah"), togo(), k2026_06_15).ok());
  CHECK(check_document_locations(DocType::kStatisticsReport, stats("maritime", "golfe", "2026-01-01", "2026-03-31"),
                                 togo(), k2026_06_15)
            .ok());
}

TEST_CASE("An unknown prefecture or one outside its region is refused in plain words", "[location_rules]") {
  Status st = check_document_locations(DocType::kAlert, alert("kara", "golfe"), togo(), k2026_06_15);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::kInvalid);
  CHECK_THAT(st.message(), Catch::Contains("'kara.golfe' is not a prefecture of region kara: golfe is in region maritime"));
  st = check_document_locations(DocType::kAlert, alert("kara", "atlantis"), togo(), k2026_06_15);
  CHECK_THAT(st.message(), Catch::Contains("no prefecture 'atlantis'"));
  CHECK_THAT(st.message(), Catch::Contains("like 'kozah'"));
  st = check_document_locations(DocType::kAlert, alert("Kara", "kozah"), togo(), k2026_06_15);
  CHECK_THAT(st.message(), Catch::Contains("lowercase"));
  CHECK_THAT(st.message(), Catch::Contains("like 'kara'"));
  st = check_document_locations(DocType::kStatisticsReport, stats("kara", "golfe", "2026-01-01", "2026-01-31"), togo(),
                                k2026_06_15);
  CHECK_THAT(st.message(), Catch::Contains("golfe is in region maritime"));
  // No message ever shows a pattern.
  CHECK(st.message().find('[') == std::string::npos);
  CHECK(st.message().find('^') == std::string::npos);
}

TEST_CASE("A statistics period must be real dates, in order, and over", "[location_rules]") {
  auto check = [](const std::string& s, const std::string& e) {
    return check_document_locations(DocType::kStatisticsReport, stats("maritime", "golfe", s, e), togo(), k2026_06_15);
  };
  CHECK(check("2026-06-15", "2026-06-15").ok());  // today may end a period
  CHECK(check("2024-02-01", "2024-02-29").ok());  // a leap day
  CHECK_THAT(check("2026-03-31", "2026-03-01").message(), Catch::Contains("ends (2026-03-01) before it starts (2026-03-31)"));
  CHECK_THAT(check("2026-06-01", "2026-06-16").message(), Catch::Contains("in the future"));
  CHECK_THAT(check("2025-02-29", "2025-03-01").message(), Catch::Contains("not a date"));
  CHECK_THAT(check("2026-1-01", "2026-03-01").message(), Catch::Contains("like 2026-01-31"));
}

TEST_CASE("Types without locations pass", "[location_rules]") {
  CHECK(check_document_locations(DocType::kReferral, json{{"to_org", "x"}}, togo(), k2026_06_15).ok());
  CHECK(check_document_locations(DocType::kCaseUpdate, json::object(), togo(), k2026_06_15).ok());
}
