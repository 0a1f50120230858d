// check_content_matches_topic (agent/content_rules.h): each rule, with a
// document that matches its topic and documents that contradict it.
#include <catch2/catch.hpp>

#include "agent/content_rules.h"

using namespace relais;
using nlohmann::json;

namespace {

const json kAlert = {{"kind", "missing_child"}, {"location", {{"region", "maritime"}, {"prefecture", "golfe"}}}};

json alert_with(const std::string& key, const json& value) {
  json doc = kAlert;
  if (key == "region" || key == "prefecture") doc["location"][key] = value;
  else doc[key] = value;
  return doc;
}

}  // namespace

TEST_CASE("an alert whose kind region and prefecture match its topic is accepted", "[agent][content]") {
  CHECK(check_content_matches_topic(DocType::kAlert, "alert.missing_child.maritime.golfe", kAlert).ok());
}

TEST_CASE("an alert whose kind contradicts its topic is refused naming both values", "[agent][content]") {
  Status s = check_content_matches_topic(DocType::kAlert, "alert.suspected_trafficking.maritime.golfe", kAlert);
  CHECK(s.code() == Code::kInvalid);
  CHECK(s.message() ==
        "content does not match topic alert.suspected_trafficking.maritime.golfe: kind is 'missing_child' but the "
        "topic says 'suspected_trafficking'");
}

TEST_CASE("an alert whose region or prefecture contradicts its topic is refused", "[agent][content]") {
  Status region = check_content_matches_topic(DocType::kAlert, "alert.missing_child.kara.golfe", kAlert);
  CHECK(region.code() == Code::kInvalid);
  CHECK_THAT(region.message(), Catch::Contains("location.region is 'maritime' but the topic says 'kara'"));
  Status prefecture = check_content_matches_topic(DocType::kAlert, "alert.missing_child.maritime.lacs", kAlert);
  CHECK(prefecture.code() == Code::kInvalid);
  CHECK_THAT(prefecture.message(), Catch::Contains("location.prefecture is 'golfe' but the topic says 'lacs'"));
}

TEST_CASE("an alert without its fields or with fields that are not strings is refused", "[agent][content]") {
  const std::string topic = "alert.missing_child.maritime.golfe";
  json no_location = kAlert;
  no_location.erase("location");
  CHECK_THAT(check_content_matches_topic(DocType::kAlert, topic, no_location).message(),
             Catch::Contains("location.region is ''"));
  CHECK(check_content_matches_topic(DocType::kAlert, topic, alert_with("kind", 5)).code() == Code::kInvalid);
  CHECK(check_content_matches_topic(DocType::kAlert, topic, alert_with("prefecture", json::array({"golfe"}))).code() ==
        Code::kInvalid);
  CHECK(check_content_matches_topic(DocType::kAlert, topic, json::array({kAlert})).code() == Code::kInvalid);
}

TEST_CASE("an alert on a topic that is not alert.kind.region.prefecture is refused", "[agent][content]") {
  for (const char* topic : {"alert.missing_child.maritime", "alert.missing_child.maritime.golfe.extra",
                            "referral.missing_child.maritime.golfe", "stats.golfe"}) {
    INFO(topic);
    Status s = check_content_matches_topic(DocType::kAlert, topic, kAlert);
    CHECK(s.code() == Code::kInvalid);
    CHECK_THAT(s.message(), Catch::Contains("an alert must be sent on alert.<kind>.<region>.<prefecture>"));
  }
}

TEST_CASE("a referral addressed to the owner of its inbox is accepted", "[agent][content]") {
  CHECK(check_content_matches_topic(DocType::kReferral, "referral.social.golfe", {{"to_org", "social.golfe"}}).ok());
  CHECK(check_content_matches_topic(DocType::kReferral, "referral.commission", {{"to_org", "commission"}}).ok());
}

TEST_CASE("a referral addressed to someone else than the owner of its inbox is refused", "[agent][content]") {
  Status s = check_content_matches_topic(DocType::kReferral, "referral.social.golfe", {{"to_org", "ngo.refuge"}});
  CHECK(s.code() == Code::kInvalid);
  CHECK(s.message() ==
        "content does not match topic referral.social.golfe: to_org is 'ngo.refuge' but the inbox belongs to "
        "'social.golfe'");
  // A prefix of the owner's name is not the owner.
  CHECK(check_content_matches_topic(DocType::kReferral, "referral.social.golfe", {{"to_org", "social"}}).code() ==
        Code::kInvalid);
  CHECK(check_content_matches_topic(DocType::kReferral, "referral.social.golfe", json::object()).code() ==
        Code::kInvalid);
}

TEST_CASE("a referral outside a referral inbox is refused", "[agent][content]") {
  for (const char* topic : {"referral", "response.social.golfe", "alert.missing_child.maritime.golfe"}) {
    INFO(topic);
    Status s = check_content_matches_topic(DocType::kReferral, topic, {{"to_org", "social.golfe"}});
    CHECK(s.code() == Code::kInvalid);
    CHECK_THAT(s.message(), Catch::Contains("a referral must be sent on referral.<recipient>"));
  }
}

TEST_CASE("a topic with an empty token is refused even when the document leaves the field out", "[agent][content]") {
  CHECK(check_content_matches_topic(DocType::kReferral, "referral.", json::object()).code() == Code::kInvalid);
  json no_prefecture = kAlert;
  no_prefecture["location"].erase("prefecture");
  CHECK(check_content_matches_topic(DocType::kAlert, "alert.missing_child.maritime.", no_prefecture).code() ==
        Code::kInvalid);
  CHECK(check_content_matches_topic(DocType::kStatisticsReport, "stats.", json::object()).code() == Code::kInvalid);
}

TEST_CASE("a statistics report on its prefecture's topic is accepted and on another is refused", "[agent][content]") {
  CHECK(check_content_matches_topic(DocType::kStatisticsReport, "stats.golfe", {{"prefecture", "golfe"}}).ok());
  Status other = check_content_matches_topic(DocType::kStatisticsReport, "stats.lacs", {{"prefecture", "golfe"}});
  CHECK(other.code() == Code::kInvalid);
  CHECK_THAT(other.message(), Catch::Contains("prefecture is 'golfe' but the topic says 'lacs'"));
  for (const char* topic : {"stats", "stats.golfe.extra", "alert.golfe"}) {
    INFO(topic);
    Status s = check_content_matches_topic(DocType::kStatisticsReport, topic, {{"prefecture", "golfe"}});
    CHECK(s.code() == Code::kInvalid);
    CHECK_THAT(s.message(), Catch::Contains("a statistics report must be sent on stats.<prefecture>"));
  }
}

TEST_CASE("referral responses and case updates carry no routing fields and are accepted on any topic",
          "[agent][content]") {
  CHECK(check_content_matches_topic(DocType::kReferralResponse, "response.ngo.refuge", {{"status", "accepted"}}).ok());
  CHECK(check_content_matches_topic(DocType::kCaseUpdate, "case.anything", json::object()).ok());
}
