#include <catch2/catch.hpp>

#include <algorithm>

#include "crypto/uuid.h"

using namespace relais;

TEST_CASE("A new UUIDv7 carries its timestamp, version and variant", "[uuid]") {
  const int64_t ms = 1700000000123;
  const Uuid id = new_uuid_v7(ms);
  REQUIRE(is_uuid_v7(id));
  REQUIRE(uuid_v7_ms(id) == ms);
  REQUIRE((id[6] >> 4) == 7);
  REQUIRE((id[8] >> 6) == 2);
  REQUIRE(new_uuid_v7(ms) != id);  // 74 random bits
}

TEST_CASE("UUIDv7 ids sort by their millisecond", "[uuid]") {
  const Uuid a = new_uuid_v7(1000), b = new_uuid_v7(1001), c = new_uuid_v7(1 << 30);
  REQUIRE(std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end()));
  REQUIRE(std::lexicographical_compare(b.begin(), b.end(), c.begin(), c.end()));
}

TEST_CASE("A UUID prints in canonical lowercase 8-4-4-4-12 form and parses back", "[uuid]") {
  Uuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(0xa0 + i);
  const std::string s = uuid_to_string(id);
  REQUIRE(s == "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
  auto back = uuid_from_string(s);
  REQUIRE(back.ok());
  REQUIRE(*back == id);
  auto upper = uuid_from_string("A0A1A2A3-A4A5-A6A7-A8A9-AAABACADAEAF");
  REQUIRE(upper.ok());
  REQUIRE(*upper == id);
  const Uuid v7 = new_uuid_v7(42);
  REQUIRE(*uuid_from_string(uuid_to_string(v7)) == v7);
}

TEST_CASE("Malformed UUID strings are refused", "[uuid]") {
  const char* bad[] = {"",
                       "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                       "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaea",
                       "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaff",
                       "a0a1a2a3_a4a5-a6a7-a8a9-aaabacadaeaf",
                       "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeag",
                       "{0a1a2a3-a4a5-a6a7-a8a9-aaabacadaea}",
                       "a0a1a2a-3a4a5-a6a7-a8a9-aaabacadaeaf"};
  for (const char* s : bad) {
    INFO(s);
    REQUIRE_FALSE(uuid_from_string(s).ok());
  }
}

TEST_CASE("Out-of-range timestamps are clamped to 48 bits", "[uuid]") {
  REQUIRE(uuid_v7_ms(new_uuid_v7(-5)) == 0);
  REQUIRE(uuid_v7_ms(new_uuid_v7(INT64_MAX)) == (int64_t{1} << 48) - 1);
}
