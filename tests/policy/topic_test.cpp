#include <catch2/catch.hpp>

#include <string>

#include "policy/topic.h"

using namespace relais;

TEST_CASE("Valid topics are accepted", "[topic]") {
  const std::string max_tokens = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p";
  for (std::string t : {"alert.sexual.maritime.golfe", "referral.social.golfe", "stats.agoe-nyive", "a_b.c-d.0",
                        "x", max_tokens.c_str()}) {
    INFO(t);
    CHECK(validate_topic(t).ok());
  }
  CHECK(validate_topic(std::string(255, 'a')).ok());
}

TEST_CASE("Invalid topics are refused with a reason", "[topic]") {
  struct Case { std::string topic; const char* reason; };
  const Case cases[] = {
      {"", "empty"},
      {"alert.", "empty token"},
      {".alert", "empty token"},
      {"alert..x", "empty token"},
      {"Alert.x", "bad token"},
      {"alert.x y", "bad token"},
      {"alert.é", "bad token"},
      {"alert.*", "bad token"},
      {"alert.>", "bad token"},
      {"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q", "more than 16 tokens"},
      {std::string(256, 'a'), "longer than 255"},
  };
  for (const auto& c : cases) {
    INFO(c.topic);
    Status s = validate_topic(c.topic);
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains(c.reason));
  }
}

TEST_CASE("Valid patterns are accepted", "[topic]") {
  for (const char* p : {"alert.>", "alert.*.maritime.*", "*.golfe", ">", "*", "referral.social.golfe", "*.*.>"}) {
    INFO(p);
    CHECK(validate_pattern(p).ok());
  }
}

TEST_CASE("Invalid patterns are refused with a reason", "[topic]") {
  struct Case { const char* pattern; const char* reason; };
  const Case cases[] = {
      {">.alert", "must be the last"}, {"alert.>.>", "must be the last"}, {"alert.*x", "bad token"},
      {"alert.x>", "bad token"},       {"alert.*.", "empty token"},       {"", "empty"},
      {"ALERT.>", "bad token"},        {"alert..>", "empty token"},       {"alert.**", "bad token"},
  };
  for (const auto& c : cases) {
    INFO(c.pattern);
    Status s = validate_pattern(c.pattern);
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains(c.reason));
  }
}

TEST_CASE("Patterns match the topics they should and no others", "[topic]") {
  struct Case { const char* pattern; const char* topic; bool match; };
  const Case cases[] = {
      {"alert.>", "alert.sexual.maritime.golfe", true},
      {"alert.>", "alert.x", true},
      {"alert.>", "alert", false},
      {"alert.>", "alerts.x", false},
      {"alert.*", "alert.sexual", true},
      {"alert.*", "alert.sexual.maritime", false},
      {"alert.*", "alert", false},
      {"*.golfe", "stats.golfe", true},
      {"*.golfe", "stats.kozah", false},
      {">", "anything.at.all", true},
      {">", "x", true},
      {"*", "x", true},
      {"*", "x.y", false},
      {"alert.*.maritime.*", "alert.sexual.maritime.golfe", true},
      {"alert.*.maritime.*", "alert.sexual.kara.kozah", false},
      {"referral.social.golfe", "referral.social.golfe", true},
      {"referral.social.golfe", "referral.social.golf", false},
      {"referral.social.golf", "referral.social.golfe", false},
      {"referral.social", "referral.social.golfe", false},
      {"referral.social.golfe", "referral.social", false},
      {"*.*.>", "a.b", false},
      {"*.*.>", "a.b.c", true},
  };
  for (const auto& c : cases) {
    INFO(c.pattern << " vs " << c.topic);
    CHECK(pattern_matches(c.pattern, c.topic) == c.match);
  }
}

TEST_CASE("split_tokens keeps empty tokens so that validation can see them", "[topic]") {
  auto t = split_tokens("a..b");
  REQUIRE(t.size() == 3);
  CHECK(t[1].empty());
  CHECK(split_tokens("x").size() == 1);
}
