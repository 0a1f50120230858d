// publish --expires-in (agent/expires_in.h): minutes, hours, days; anything
// else is a usage error with an example.
#include <catch2/catch.hpp>

#include "util/expires_in.h"

using namespace relais;

TEST_CASE("expires-in takes minutes, hours and days", "[agent][expiry]") {
  CHECK(*parse_expires_in("90m") == 90LL * 60000);
  CHECK(*parse_expires_in("72h") == 72LL * 3600000);
  CHECK(*parse_expires_in("30d") == 30LL * 86400000);
  CHECK(*parse_expires_in("1m") == 60000);
}

TEST_CASE("expires-in refuses anything else with an example", "[agent][expiry]") {
  for (const char* bad : {"", "m", "30", "30s", "30 d", "-5d", "1.5h", "0m", "30D", "d30", "99999999999d", "3661d"}) {
    auto r = parse_expires_in(bad);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kUsage);
    CHECK(r.status().exit_code() == 2);
    CHECK_THAT(r.status().message(), Catch::Contains("such as"));
  }
}
