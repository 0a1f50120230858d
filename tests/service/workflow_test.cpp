// The referral workflow (service/workflow.h) over a real store: the automatic
// "received" response and the escalation are queued once, also across a
// restart (a new Workflow on the same store), and answers settle a referral.
#include <catch2/catch.hpp>

#include "crypto/uuid.h"
#include "service/outbox_queue.h"
#include "service/reply.h"
#include "service/sender.h"
#include "service/workflow.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::test;

namespace {

constexpr int64_t kT0 = 1767225600000;  // 2026-01-01

struct Fixture {
  TempDir tmp;
  AgentContext ctx;
  std::unique_ptr<Store> store;
  std::vector<std::string> lines;
  ServiceConfig config;

  Fixture() {
    auto id = generate_identity("ngo.refuge", Role::kNgo, "maritime", "golfe");
    REQUIRE(id.ok());
    ctx.identity = std::move(id).value();
    config.escalate_immediate_ms = 4 * 3600000;
    config.escalate_urgent_ms = 24 * 3600000;
    reopen();
  }
  void reopen() {
    store.reset();
    auto s = Store::open(tmp.path + "/state", ctx.identity, {});
    INFO(s.status().message());
    REQUIRE(s.ok());
    store = std::move(s).value();
  }
  Workflow workflow() {
    return Workflow(ctx, *store, config, [this](const std::string& l) { lines.push_back(l); });
  }
  std::vector<OutboxEntry> outbox(const std::string& origin) {
    std::vector<OutboxEntry> out;
    auto all = store->outbox();
    REQUIRE(all.ok());
    for (auto& e : *all)
      if (e.origin == origin) out.push_back(e);
    return out;
  }
};

StoredMessage received_referral(const std::string& id) {
  StoredMessage m;
  m.id = id;
  m.seq = 7;
  m.subscription = "@mailbox";
  m.sender = "police.golfe";
  m.topic = "referral.ngo.refuge";
  m.type = "referral";
  m.case_ref = "c-0123456789abcdef";
  m.urgency = "urgent";
  m.handling = "H2";
  m.ts_ms = kT0;
  m.expires_ms = kT0 + 86400000;
  m.received_ms = kT0 + 10;
  return m;
}

const char* kOpenedReferral =
    R"({"id":"x","type":"referral","body":{"referral_id":"GOLFE-2025-0042","person":{"name":"MARKER"}}})";

// A referral this agent sent, logged at logged_ms.
OutboxEntry sent_referral(Fixture& f, const std::string& urgency, int64_t logged_ms) {
  OutboxEntry e;
  e.id = uuid_to_string(new_uuid_v7(logged_ms - 1000));
  e.topic = "referral.social.golfe";
  e.type = "referral";
  e.urgency = urgency;
  e.case_ref = "c-feedfeedfeedfeed";
  e.created_ms = logged_ms - 1000;
  e.expires_ms = logged_ms + 30LL * 86400000;
  REQUIRE(f.store->enqueue(e, "{\"referral_id\":\"R-1\"}").ok());
  REQUIRE(f.store->mark_logged(e.id, 42, Bytes{1, 2, 3}, logged_ms).ok());
  return f.store->outbox_entry(e.id).value().value();
}

}  // namespace

TEST_CASE("a stored referral is answered 'received' once, also after a restart", "[service][workflow]") {
  Fixture f;
  const std::string id = uuid_to_string(new_uuid_v7(kT0));
  REQUIRE(f.store->put_message(received_referral(id), kOpenedReferral).value());
  {
    Workflow w = f.workflow();
    REQUIRE(w.tick(kT0 + 1000).ok());
    REQUIRE(w.tick(kT0 + 2000).ok());
  }
  auto auto_responses = f.outbox("auto-received");
  REQUIRE(auto_responses.size() == 1);
  const OutboxEntry& r = auto_responses[0];
  CHECK(r.topic == "response.police.golfe");
  CHECK(r.type == "referral-response");
  CHECK(r.in_reply_to == id);
  CHECK(r.case_ref == "c-0123456789abcdef");
  CHECK(r.status == "queued");
  CHECK(is_uuid_v7(uuid_from_string(r.id).value()));
  const auto doc = nlohmann::json::parse(f.store->outbox_document(r.id).value());
  CHECK(doc["status"] == "received");
  CHECK(doc["referral_id"] == "GOLFE-2025-0042");
  CHECK(doc.dump().find("MARKER") == std::string::npos);
  CHECK(f.store->message(id).value()->auto_response_id == r.id);

  // A restart: a new store handle and workflow, the same outcome.
  f.reopen();
  Workflow again = f.workflow();
  REQUIRE(again.start(kT0 + 3000).ok());
  REQUIRE(again.tick(kT0 + 4000).ok());
  CHECK(f.outbox("auto-received").size() == 1);
}

TEST_CASE("a response queued before a stop is recorded, not queued twice", "[service][workflow]") {
  Fixture f;
  const std::string id = uuid_to_string(new_uuid_v7(kT0));
  REQUIRE(f.store->put_message(received_referral(id), kOpenedReferral).value());
  // Queued, then the service stopped before recording it on the referral.
  PublishRequest req;
  req.topic = "response.police.golfe";
  req.type = "referral-response";
  req.json_text = R"({"referral_id":"GOLFE-2025-0042","status":"received","responded_at":"2026-01-01T00:00:00Z"})";
  req.in_reply_to = id;
  auto queued = queue_document(f.ctx, *f.store, req, "auto-received", kT0, /*check=*/false);
  REQUIRE(queued.ok());
  Workflow w = f.workflow();
  REQUIRE(w.tick(kT0 + 1000).ok());
  CHECK(f.outbox("auto-received").size() == 1);
  CHECK(f.store->message(id).value()->auto_response_id == queued->id);
}

TEST_CASE("an expired referral gets no automatic response", "[service][workflow]") {
  Fixture f;
  StoredMessage m = received_referral(uuid_to_string(new_uuid_v7(kT0)));
  m.status = "expired";
  REQUIRE(f.store->put_message(m, R"({"status":"expired"})").value());
  Workflow w = f.workflow();
  REQUIRE(w.tick(kT0 + 1000).ok());
  CHECK(f.outbox("auto-received").empty());
}

TEST_CASE("an unanswered immediate referral escalates once, with the real elapsed time", "[service][workflow]") {
  Fixture f;
  const OutboxEntry routine = sent_referral(f, "routine", kT0);
  const OutboxEntry immediate = sent_referral(f, "immediate", kT0);
  {
    Workflow w = f.workflow();
    REQUIRE(w.on_logged(immediate, kT0).ok());
    REQUIRE(w.on_logged(routine, kT0).ok());
    REQUIRE(w.tick(kT0 + 4 * 3600000 - 1).ok());
    CHECK(f.outbox("escalation").empty());
  }
  // The service was off at the deadline; it starts 6 hours after the referral was logged.
  f.reopen();
  Workflow w = f.workflow();
  REQUIRE(w.start(kT0 + 6 * 3600000).ok());
  REQUIRE(w.tick(kT0 + 6 * 3600000 + 1000).ok());
  auto escalations = f.outbox("escalation");
  REQUIRE(escalations.size() == 1);
  const OutboxEntry& e = escalations[0];
  CHECK(e.topic == "escalation.ngo.refuge");
  CHECK(e.type == "escalation");
  CHECK(e.in_reply_to == immediate.id);
  const auto doc = nlohmann::json::parse(f.store->outbox_document(e.id).value());
  CHECK(doc["about_id"] == immediate.id);
  CHECK(doc["reason"] == "not_acknowledged");
  CHECK_THAT(doc["note"].get<std::string>(), Catch::Contains("360 minutes") && Catch::Contains("social.golfe"));
  CHECK(f.store->outbox_entry(immediate.id).value()->escalation_id == e.id);
  // Once.
  f.reopen();
  Workflow after = f.workflow();
  REQUIRE(after.start(kT0 + 7 * 3600000).ok());
  REQUIRE(after.tick(kT0 + 8 * 3600000).ok());
  CHECK(f.outbox("escalation").size() == 1);
}

TEST_CASE("an escalation time is set at start for a referral logged before a crash", "[service][workflow]") {
  Fixture f;
  const OutboxEntry urgent = sent_referral(f, "urgent", kT0);  // logged; on_logged never ran
  CHECK(urgent.escalate_at_ms == 0);
  Workflow w = f.workflow();
  REQUIRE(w.start(kT0 + 1000).ok());
  CHECK(f.store->outbox_entry(urgent.id).value()->escalate_at_ms == kT0 + 24 * 3600000);
  REQUIRE(w.tick(kT0 + 25 * 3600000).ok());
  CHECK(f.outbox("escalation").size() == 1);
}

TEST_CASE("an accepted or rejected answer stops the escalation but 'received' does not", "[service][workflow]") {
  Fixture f;
  const OutboxEntry a = sent_referral(f, "immediate", kT0);
  const OutboxEntry b = sent_referral(f, "immediate", kT0);
  Workflow w = f.workflow();
  REQUIRE(w.on_logged(a, kT0).ok());
  REQUIRE(w.on_logged(b, kT0).ok());
  auto answer = [&](const OutboxEntry& to, const std::string& status) {
    StoredMessage m = received_referral(uuid_to_string(new_uuid_v7(kT0 + 100)));
    m.type = "referral-response";
    m.topic = "response.ngo.refuge";
    m.sender = "social.golfe";
    m.in_reply_to = to.id;
    nlohmann::ordered_json opened = {{"id", m.id}, {"body", {{"referral_id", "R-1"}, {"status", status}}}};
    REQUIRE(f.store->put_message(m, opened.dump()).value());
    REQUIRE(w.on_stored(m, opened).ok());
  };
  answer(a, "received");
  answer(b, "accepted");
  answer(b, "received");  // late and lower: ignored
  CHECK(f.store->outbox_entry(a.id).value()->answer_status == "received");
  CHECK(f.store->outbox_entry(b.id).value()->answer_status == "accepted");
  REQUIRE(w.tick(kT0 + 5 * 3600000).ok());
  auto escalations = f.outbox("escalation");
  REQUIRE(escalations.size() == 1);
  CHECK(escalations[0].in_reply_to == a.id);
  CHECK(nlohmann::json::parse(f.store->outbox_document(escalations[0].id).value())["reason"] == "not_answered");
}

TEST_CASE("a reply takes its topic, in_reply_to and case_ref from the message it answers", "[service][reply]") {
  Fixture f;
  const std::string id = uuid_to_string(new_uuid_v7(kT0));
  REQUIRE(f.store->put_message(received_referral(id), kOpenedReferral).value());
  auto r = reply_request(*f.store, id, "referral-response", R"({"status":"accepted"})", kT0 + 5000);
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->topic == "response.police.golfe");
  CHECK(r->in_reply_to == id);
  CHECK(r->case_ref == "c-0123456789abcdef");
  const auto doc = nlohmann::json::parse(r->json_text);
  CHECK(doc["referral_id"] == "GOLFE-2025-0042");
  CHECK(doc["status"] == "accepted");
  CHECK(doc.contains("responded_at"));
  auto update = reply_request(*f.store, id, "case-update", R"({"update_kind":"x"})", kT0);
  REQUIRE(update.ok());
  CHECK(nlohmann::json::parse(update->json_text)["case_ref"] == "c-0123456789abcdef");
  CHECK(reply_request(*f.store, id, "alert", "{}", kT0).status().code() == Code::kUsage);
  CHECK(reply_request(*f.store, uuid_to_string(new_uuid_v7(kT0)), "case-update", "{}", kT0).status().code() ==
        Code::kInvalid);
  CHECK(reply_request(*f.store, id, "case-update", "[1]", kT0).status().code() == Code::kInvalid);
  CHECK(reply_request(*f.store, id, "case-update", "{", kT0).status().code() == Code::kInvalid);
}

TEST_CASE("a queued entry keeps its id, case_ref and expiry for every attempt", "[service][outbox]") {
  Fixture f;
  PublishRequest req;
  req.topic = "referral.social.golfe";
  req.type = "referral";
  req.urgency = "urgent";
  req.json_text = R"({"referral_id":"R-1"})";
  req.ttl_ms = 3600000;
  auto e = queue_document(f.ctx, *f.store, req, "user", kT0, /*check=*/false);
  REQUIRE(e.ok());
  const Uuid id = uuid_from_string(e->id).value();
  CHECK(is_uuid_v7(id));
  CHECK(uuid_v7_ms(id) == kT0);
  CHECK(e->expires_ms == kT0 + 3600000);
  CHECK(e->case_ref.rfind("c-", 0) == 0);  // a referral gets its case_ref once, here
  const PublishRequest again = request_for(f.store->outbox_entry(e->id).value().value(),
                                           f.store->outbox_document(e->id).value());
  CHECK(again.id == e->id);
  CHECK(again.expires_ms == e->expires_ms);
  CHECK(again.case_ref == e->case_ref);
  CHECK(again.urgency == "urgent");
  CHECK(again.json_text == req.json_text);
}

TEST_CASE("only refusals that a resend cannot change are final", "[service][outbox]") {
  for (ErrorCode c : {ErrorCode::kForbidden, ErrorCode::kTypeNotAllowed, ErrorCode::kReadersMismatch,
                      ErrorCode::kStaleId, ErrorCode::kMalformed, ErrorCode::kBadSignature, ErrorCode::kUnknownKey})
    CHECK(refusal_is_final(c));
  for (ErrorCode c : {ErrorCode::kStorage, ErrorCode::kLimit, ErrorCode::kClockSkew, ErrorCode::kStaleBundle,
                      ErrorCode::kInternal, ErrorCode::kRevoked, ErrorCode::kNotAuthenticated})
    CHECK_FALSE(refusal_is_final(c));
}
