#include <catch2/catch.hpp>

#include "util/json_output.h"

using relais::json_text;

TEST_CASE("json_text prints invalid UTF-8 as U+FFFD where dump would throw", "[json]") {
  nlohmann::json j = {{"why", std::string("bad byte \xff here")}, {"n", 1}};
  REQUIRE_THROWS(j.dump());
  const std::string text = json_text(j);
  REQUIRE(text.find("bad byte \xEF\xBF\xBD here") != std::string::npos);
  const auto back = nlohmann::json::parse(text, nullptr, false);
  REQUIRE_FALSE(back.is_discarded());
  REQUIRE(back["n"] == 1);
}

TEST_CASE("json_text keeps key order of ordered_json and indents on request", "[json]") {
  nlohmann::ordered_json j;
  j["z"] = "last letter";
  j["a"] = std::string("\xc3\xa9t\xc3\xa9");  // valid UTF-8 is kept as is
  REQUIRE(json_text(j) == "{\"z\":\"last letter\",\"a\":\"\xc3\xa9t\xc3\xa9\"}");
  REQUIRE(json_text(j, 2) == "{\n  \"z\": \"last letter\",\n  \"a\": \"\xc3\xa9t\xc3\xa9\"\n}");
}
