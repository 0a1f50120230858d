// Coherent envelopes, mailboxes and the sample deployment's gendarmerie, on
// real processes: relais-admin init, relais-broker and relais-agent on
// 127.0.0.1, keys made at run time. Every check is on order and content,
// never on time.
#include <catch2/catch.hpp>

#include "crypto/envelope.h"
#include "deployment.h"
#include "util/clock.h"
#include "util/json_msgpack.h"

using namespace relais;
using namespace relais::test;

namespace {

std::string case_update(const std::string& case_ref) {
  return nlohmann::json{{"case_ref", case_ref}, {"update_kind", "status"}, {"case_status", "follow_up"}}.dump();
}

// The demo's alert, moved to `region`/`prefecture`.
std::string alert_at(const std::string& region, const std::string& prefecture) {
  nlohmann::json doc = nlohmann::json::parse(alert_with());
  doc["location"]["region"] = region;
  doc["location"]["prefecture"] = prefecture;
  return doc.dump();
}

std::string referral() { return read_all(source_path("demo/documents/referral-ngo-to-social.json")); }

std::string statistics(const std::string& start, const std::string& end) {
  nlohmann::json doc = nlohmann::json::parse(read_all(source_path("schemas/examples/statistics-report.valid.json")));
  doc["period"]["start"] = start;
  doc["period"]["end"] = end;
  return doc.dump();
}

ProcResult publish(Deployment& d, const std::string& who, const std::vector<std::string>& args,
                   const std::string& doc) {
  std::vector<std::string> all = {"publish"};
  all.insert(all.end(), args.begin(), args.end());
  return d.agent(who, all, 30000, doc);
}

}  // namespace

TEST_CASE("a case-update without --case-ref carries the case_ref of its document", "[integration][envelope]") {
  Deployment d;
  d.start_broker();
  ChildProcess reader;
  const std::string out = d.dir() + "/ngo.out";
  d.start_subscriber(reader, "ngo.refuge", {"--topic", "response.ngo.refuge", "--count", "1", "--timeout", "30"}, out);

  ProcResult sent = publish(d, "social.golfe", {"--topic", "response.ngo.refuge", "--type", "case-update"},
                            case_update("c-case-42"));
  INFO(sent.err);
  REQUIRE(sent.exit_code == 0);
  CHECK(nlohmann::json::parse(sent.out).at("case_ref") == "c-case-42");

  REQUIRE(reader.wait(30000) == 0);
  auto got = json_lines(read_all(out));
  REQUIRE(got.size() == 1);
  CHECK(got[0]["case_ref"] == "c-case-42");
  CHECK(got[0]["body"]["case_ref"] == "c-case-42");
  CHECK(got[0]["handling"] == "H2");
  CHECK_THAT(got[0]["handling_meaning"].get<std::string>(), Catch::Contains("without the sender's permission"));
  CHECK_THAT(read_all(out), Catch::Contains("handling H2: not to be passed on"));
}

TEST_CASE("a --case-ref that contradicts the document is refused before sending", "[integration][envelope]") {
  Deployment d;
  d.start_broker();
  ProcResult r = publish(d, "social.golfe",
                         {"--topic", "response.ngo.refuge", "--type", "case-update", "--case-ref", "c-other"},
                         case_update("c-case-42"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("--case-ref differs from the case_ref of the document"));
  CHECK(r.out.empty());
  // The same value is accepted.
  ProcResult same = publish(d, "social.golfe",
                            {"--topic", "response.ngo.refuge", "--type", "case-update", "--case-ref", "c-case-42"},
                            case_update("c-case-42"));
  INFO(same.err);
  CHECK(same.exit_code == 0);
}

TEST_CASE("a reader refuses an envelope whose case_ref contradicts its body", "[integration][envelope]") {
  Deployment d;
  d.start_broker();
  ChildProcess reader;
  const std::string out = d.dir() + "/ngo.out";
  d.start_subscriber(reader, "ngo.refuge", {"--topic", "response.ngo.refuge", "--count", "1", "--timeout", "30"}, out);

  // A sender that does not use relais-agent seals a contradicting envelope.
  auto social = context_for(d, "social.golfe");
  SealParams p;
  p.from = "social.golfe";
  p.topic = "response.ngo.refuge";
  p.type = "case-update/1";
  p.case_ref = "c-not-the-body";
  p.bundle_serial = social->bundle.serial;
  p.ts_ms = now_ms();
  p.expires_ms = p.ts_ms + 60000;
  for (const auto& n : social->bundle.policy.readers(p.topic, social->bundle.participants))
    p.readers.emplace_back(n, social->bundle.find(n)->seal_pk);
  auto body = json_to_msgpack(case_update("c-case-42"));
  REQUIRE(body.ok());
  auto env = seal_envelope(p, *body, social->identity.sign_sk);
  REQUIRE(env.ok());
  auto client = client_for(*social);
  REQUIRE(client->publish(*env, monotonic_ms() + 10000).ok());
  // Then a coherent one, which the reader takes.
  ProcResult good = publish(d, "social.golfe", {"--topic", "response.ngo.refuge", "--type", "case-update"},
                            case_update("c-case-43"));
  INFO(good.err);
  REQUIRE(good.exit_code == 0);

  REQUIRE(reader.wait(30000) == 0);
  const std::string text = read_all(out);
  CHECK_THAT(text, Catch::Contains("rejected: the envelope's case_ref is not the case_ref of the document"));
  auto got = json_lines(text);
  REQUIRE(got.size() == 1);
  CHECK(got[0]["case_ref"] == "c-case-43");
}

TEST_CASE("places and periods that are not real are refused before sending", "[integration][envelope]") {
  Deployment d;
  d.start_broker();
  SECTION("an unknown prefecture") {
    ProcResult r = publish(d, "police.kozah", {"--topic", "alert.suspected_trafficking.kara.lome", "--type", "alert"},
                           alert_at("kara", "lome"));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("lome"));
    CHECK_THAT(r.err, Catch::Contains("no prefecture 'lome'"));
  }
  SECTION("a prefecture outside its region") {
    ProcResult r = publish(d, "police.kozah", {"--topic", "alert.suspected_trafficking.kara.golfe", "--type", "alert"},
                           alert_at("kara", "golfe"));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("is not a prefecture of region kara"));
  }
  SECTION("a statistics period that ends before it starts") {
    ProcResult r = publish(d, "committee.golfe", {"--topic", "stats.golfe", "--type", "statistics-report/1"},
                           statistics("2025-03-31", "2025-01-01"));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("ends (2025-01-01) before it starts"));
  }
  SECTION("relais-agent validate says the same, with the bundle's table") {
    ProcResult r = d.agent("police.kozah", {"validate", "--type", "alert", "--file", "-"}, 30000, alert_at("kara", "golfe"));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("is not a prefecture of region kara"));
  }
  CHECK_THAT(d.broker_log(), !Catch::Contains("published"));
}

TEST_CASE("publish --expires-in takes minutes, hours or days, else exit 2 with an example", "[integration][envelope]") {
  Deployment d;
  d.start_broker();
  for (const char* bad : {"30", "2w", "1.5h", "-3d"}) {
    ProcResult r = publish(d, "police.golfe", {"--topic", kAlertTopic, "--type", "alert", "--expires-in", bad},
                           alert_with());
    INFO(bad);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("such as 90m or 30d"));
  }
  ProcResult ok = publish(d, "police.golfe", {"--topic", kAlertTopic, "--type", "alert", "--expires-in", "90m"},
                          alert_with());
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  const auto printed = nlohmann::json::parse(ok.out);
  auto expires = parse_rfc3339(printed.at("expires").get<std::string>());
  REQUIRE(expires.ok());
  CHECK(*expires > now_ms() + 80LL * 60000);
  CHECK(*expires <= now_ms() + 90LL * 60000);
}

TEST_CASE("the gendarmerie receives its region's alerts, not another region's", "[integration][envelope]") {
  Deployment d;
  d.start_broker();
  ChildProcess reader;
  const std::string out = d.dir() + "/gendarmerie.out";
  d.start_subscriber(reader, "gendarmerie.kozah", {"--topic", "alert.*.kara.>", "--count", "1", "--timeout", "30"},
                     out);
  ProcResult r = publish(d, "police.kozah", {"--topic", "alert.suspected_trafficking.kara.kozah", "--type", "alert"},
                         alert_at("kara", "kozah"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(reader.wait(30000) == 0);
  auto got = json_lines(read_all(out));
  REQUIRE(got.size() == 1);
  CHECK(got[0]["topic"] == "alert.suspected_trafficking.kara.kozah");

  ProcResult other = d.agent("gendarmerie.kozah", {"subscribe", "--topic", "alert.*.maritime.golfe", "--count", "1",
                                                   "--timeout", "5"});
  CHECK(other.exit_code == 1);
  CHECK_THAT(other.err, Catch::Contains("may not subscribe"));
}

TEST_CASE("a referral waits in the mailbox of an agency that has never connected", "[integration][mailbox]") {
  Deployment d;
  d.start_broker();
  // Sent without --case-ref: a fresh one is printed.
  ProcResult sent = publish(d, "ngo.refuge", {"--topic", "referral.social.golfe", "--type", "referral"}, referral());
  INFO(sent.err);
  REQUIRE(sent.exit_code == 0);
  const auto printed = nlohmann::json::parse(sent.out);
  REQUIRE(printed.at("case_ref").is_string());
  const std::string case_ref = printed["case_ref"];
  CHECK(case_ref.rfind("c-", 0) == 0);

  // social.golfe connects for the first time and reads its mailbox.
  ProcResult got = d.agent("social.golfe", {"subscribe", "--mailbox", "--count", "1", "--timeout", "20"});
  INFO(got.err << d.broker_log());
  REQUIRE(got.exit_code == 0);
  auto lines = json_lines(got.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["id"] == printed["id"]);
  CHECK(lines[0]["case_ref"] == case_ref);
  CHECK_THAT(got.err, Catch::Contains("subscribed to the mailbox of social.golfe"));

  // Acknowledged: it is not delivered again.
  ProcResult again = d.agent("social.golfe", {"subscribe", "--mailbox", "--timeout", "2"});
  CHECK(again.exit_code == 0);
  CHECK(json_lines(again.out).empty());
}

TEST_CASE("a second reader of a mailbox is refused unless it takes it over", "[integration][mailbox]") {
  Deployment d;
  d.start_broker();
  ChildProcess first;
  d.start_subscriber(first, "social.golfe", {"--mailbox", "--timeout", "60"}, d.dir() + "/first.out");

  ProcResult second = d.agent("social.golfe", {"subscribe", "--mailbox", "--timeout", "5"});
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.err, Catch::Contains("another process holds this mailbox"));
  CHECK_THAT(second.err, Catch::Contains("--take-over"));

  ProcResult taken = d.agent("social.golfe", {"subscribe", "--mailbox", "--take-over", "--timeout", "2"});
  INFO(taken.err);
  CHECK(taken.exit_code == 0);
  CHECK_THAT(taken.err, Catch::Contains("subscribed to the mailbox of social.golfe"));
}

TEST_CASE("subscribe --from for a durable name that exists is a usage error saying where its cursor is",
          "[integration][mailbox]") {
  Deployment d;
  d.start_broker();
  ProcResult made = d.agent("commission", {"subscribe", "--topic", "alert.>", "--durable", "watch", "--timeout", "1"});
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  ProcResult r = d.agent("commission",
                         {"subscribe", "--topic", "alert.>", "--durable", "watch", "--from", "first", "--timeout", "5"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("already exists, at seq"));
}
