// Handling codes (agent/handling_codes.h): each of H0..H3 has its meaning,
// nothing else has one.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "agent/handling_codes.h"

using namespace relais;

TEST_CASE("each handling code has its own meaning", "[agent][handling]") {
  std::set<std::string> seen;
  for (const char* code : {"H0", "H1", "H2", "H3"}) {
    const std::string meaning(handling_meaning(code));
    CHECK_FALSE(meaning.empty());
    seen.insert(meaning);
  }
  CHECK(seen.size() == 4);
  CHECK_THAT(std::string(handling_meaning("H0")), Catch::Contains("judicial"));
  CHECK(handling_meaning("H4").empty());
  CHECK(handling_meaning("h0").empty());
  CHECK(handling_meaning("").empty());
}
