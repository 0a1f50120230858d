// envelope_case_ref (agent/agent.h): the envelope's case_ref is the
// document's; a contradicting one is refused; a referral without one gets a
// fresh random one.
#include <catch2/catch.hpp>

#include "agent/agent.h"

using namespace relais;
using nlohmann::json;

TEST_CASE("the envelope takes the document's case_ref", "[agent][case_ref]") {
  const json doc = {{"case_ref", "c-123"}, {"update_kind", "status"}, {"case_status", "active"}};
  auto r = envelope_case_ref(DocType::kCaseUpdate, doc, std::nullopt);
  REQUIRE(r.ok());
  CHECK(*r == std::optional<std::string>("c-123"));
  r = envelope_case_ref(DocType::kCaseUpdate, doc, std::string("c-123"));
  REQUIRE(r.ok());
  CHECK(*r == std::optional<std::string>("c-123"));
}

TEST_CASE("a case_ref contradicting the document's is refused", "[agent][case_ref]") {
  const json doc = {{"case_ref", "c-123"}, {"update_kind", "status"}, {"case_status", "active"}};
  auto r = envelope_case_ref(DocType::kCaseUpdate, doc, std::string("c-999"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kRefused);
  CHECK(r.status().exit_code() == 1);
  CHECK_THAT(r.status().message(), Catch::Contains("--case-ref differs"));
  CHECK_THAT(r.status().message(), !Catch::Contains("c-123"));  // no value quoted from the document
}

TEST_CASE("a referral without a case_ref gets a fresh random one", "[agent][case_ref]") {
  const json referral = {{"referral_id", "r-1"}};
  auto a = envelope_case_ref(DocType::kReferral, referral, std::nullopt);
  auto b = envelope_case_ref(DocType::kReferral, referral, std::nullopt);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->has_value());
  CHECK(a->value().size() == 18);
  CHECK(a->value().rfind("c-", 0) == 0);
  CHECK(*a != *b);
  auto given = envelope_case_ref(DocType::kReferral, referral, std::string("c-given"));
  CHECK(*given == std::optional<std::string>("c-given"));
  // Other types without one carry none.
  auto alert = envelope_case_ref(DocType::kAlert, json::object(), std::nullopt);
  REQUIRE(alert.ok());
  CHECK_FALSE(alert->has_value());
}
