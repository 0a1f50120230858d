#include <catch2/catch.hpp>

#include "policy/topic_locations.h"

using namespace relais;

namespace {

const Locations& togo() {
  static const Locations l = [] {
    auto r = Locations::parse(Locations::builtin_csv(), "builtin");
    REQUIRE(r.ok());
    return *r;
  }();
  return l;
}

}  // namespace

TEST_CASE("Topics naming a known region and one of its prefectures pass", "[topic_locations]") {
  CHECK(check_topic_locations("alert.trafficking.kara.kozah", togo()).ok());
  CHECK(check_topic_locations("stats.golfe", togo()).ok());
  // Topics that name no place are not checked.
  CHECK(check_topic_locations("referral.commission", togo()).ok());
  CHECK(check_topic_locations("alert.trafficking.kara", togo()).ok());
}

TEST_CASE("A topic naming an unknown place, or a prefecture outside its region, is refused in plain words",
          "[topic_locations]") {
  Status st = check_topic_locations("alert.trafficking.kara.golfe", togo());
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::kInvalid);
  CHECK_THAT(st.message(), Catch::Contains("topic alert.trafficking.kara.golfe: 'kara.golfe' is not a prefecture of "
                                           "region kara: golfe is in region maritime"));
  st = check_topic_locations("alert.trafficking.kara.lome", togo());
  CHECK_THAT(st.message(), Catch::Contains("no prefecture 'lome'"));
  st = check_topic_locations("alert.trafficking.atlantis.kozah", togo());
  CHECK_THAT(st.message(), Catch::Contains("no region 'atlantis'"));
  st = check_topic_locations("stats.nowhere", togo());
  CHECK_THAT(st.message(), Catch::Contains("no prefecture 'nowhere'"));
  CHECK_THAT(st.message(), Catch::Contains("like 'kozah'"));
  // No message ever shows a pattern.
  for (const auto& t : {"alert.x.kara.golfe", "alert.x.kara.lome", "stats.nowhere", "stats.Golfe"}) {
    const std::string m = check_topic_locations(t, togo()).message();
    CHECK_FALSE(m.empty());
    CHECK(m.find('[') == std::string::npos);
    CHECK(m.find('^') == std::string::npos);
  }
}
