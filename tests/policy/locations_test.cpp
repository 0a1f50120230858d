#include <catch2/catch.hpp>

#include "policy/locations.h"

using namespace relais;

TEST_CASE("The default location data holds Togo's 5 regions and 39 prefectures", "[locations]") {
  auto loc = Locations::load(Locations::default_path());
  REQUIRE(loc.ok());
  CHECK(loc->region_count() == 5);
  CHECK(loc->prefectures().size() == 39);
  CHECK(loc->check("maritime", "golfe").ok());
  CHECK(loc->check("kara", "kozah").ok());
  CHECK(loc->check("", "").ok());
  CHECK(loc->check("savanes", "").ok());
  CHECK_THAT(loc->check("kara", "golfe").message(), Catch::Contains("is in region 'maritime'"));
  CHECK_THAT(loc->check("nowhere", "").message(), Catch::Contains("unknown region"));
  CHECK_THAT(loc->check("kara", "atlantis").message(), Catch::Contains("unknown prefecture"));
  CHECK_FALSE(loc->check("", "golfe").ok());
  REQUIRE(loc->find_prefecture("kpendjal-ouest") != nullptr);
  CHECK(loc->find_prefecture("kpendjal-ouest")->region == "savanes");
}

TEST_CASE("Malformed location files are config errors with a line", "[locations]") {
  auto bad = Locations::parse("region_slug,region_name,prefecture_slug,prefecture_name,grand_lome\nx,X,Y,Y,no\n", "l.csv");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("l.csv:2"));
  CHECK_FALSE(Locations::parse("a,A,b,B,no\na,A,b,B,no\n", "l.csv").ok());
  CHECK_FALSE(Locations::parse("a,A,b\n", "l.csv").ok());
  CHECK_FALSE(Locations::parse("", "l.csv").ok());
}
