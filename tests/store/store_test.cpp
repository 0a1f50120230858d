// Store (store/store.h): messages, the outbox and its transitions, the
// referral workflow's queries, a case's timeline.
#include <catch2/catch.hpp>

#include "store/store.h"
#include "store_fixture.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::test;

TEST_CASE("a received message round-trips, and is stored only once", "[store]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);
  CHECK(store.path() == dir.path + "/state/store.db");

  StoredMessage m = sample_message(fresh_id(), 1000, "c-0011223344556677");
  m.in_reply_to = fresh_id();
  const std::string opened_json = R"({"id":"x","body":{"name":"Afi"}})";
  auto put = store.put_message(m, opened_json);
  REQUIRE(put.ok());
  CHECK(*put);
  auto again = store.put_message(m, "{\"other\":1}");
  REQUIRE(again.ok());
  CHECK_FALSE(*again);

  auto got = store.message(m.id);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  const StoredMessage& g = **got;
  CHECK(g.id == m.id);
  CHECK(g.seq == 7);
  CHECK(g.subscription == "@mailbox");
  CHECK(g.sender == "police.golfe");
  CHECK(g.topic == m.topic);
  CHECK(g.type == "referral");
  CHECK(g.case_ref == m.case_ref);
  CHECK(g.urgency == "urgent");
  CHECK(g.handling == "H2");
  CHECK(g.in_reply_to == m.in_reply_to);
  CHECK(g.ts_ms == 1000);
  CHECK(g.expires_ms == m.expires_ms);
  CHECK(g.received_ms == 1010);
  CHECK(g.status == "new");
  CHECK(g.auto_response_id.empty());

  auto text = store.open_message(m.id);
  REQUIRE(text.ok());
  CHECK(*text == opened_json);  // the first one: the second put changed nothing

  auto none = store.message(fresh_id());
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  CHECK(store.open_message("nope").status().code() == Code::kNotFound);
}

TEST_CASE("a burst of received messages is stored in one transaction, all or nothing", "[store]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);

  StoredMessage known = sample_message(fresh_id(), 1000);
  REQUIRE(store.put_message(known, "{\"n\":0}").ok());
  std::vector<Store::Incoming> burst;
  burst.push_back({sample_message(fresh_id(), 2000), "{\"n\":1}", {}});
  burst.push_back({known, "{\"other\":1}", {}});  // a redelivery: kept as first stored
  burst.push_back({sample_message(fresh_id(), 3000), "{\"n\":3}", {{"a.pdf", "application/pdf", Bytes{1, 2, 3}}}});
  auto put = store.put_messages(burst);
  REQUIRE(put.ok());
  CHECK(*put == std::vector<bool>{true, false, true});
  CHECK(*store.open_message(burst[0].meta.id) == "{\"n\":1}");
  CHECK(*store.open_message(known.id) == "{\"n\":0}");
  auto files = store.message_attachments(burst[2].meta.id);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);
  CHECK(files->front().name == "a.pdf");

  // One bad row refuses the whole burst: the good one before it is not kept.
  std::vector<Store::Incoming> bad;
  bad.push_back({sample_message(fresh_id(), 4000), "{}", {}});
  bad.push_back({sample_message(fresh_id(), 5000), "{}", {}});
  bad.back().meta.status = "lost";
  auto refused = store.put_messages(bad);
  CHECK_FALSE(refused.ok());
  auto first = store.message(bad.front().meta.id);
  REQUIRE(first.ok());
  CHECK_FALSE(first->has_value());
  CHECK(store.put_messages({})->empty());
}

TEST_CASE("a store batch groups operations: kept on commit, all undone without it", "[store]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);
  const StoredMessage a = sample_message(fresh_id(), 1000);
  const StoredMessage b = sample_message(fresh_id(), 2000);
  {
    auto batch = store.begin_batch("test");
    REQUIRE(batch.ok());
    REQUIRE(store.put_message(a, "{}").ok());
    // An operation that fails inside the batch undoes only itself.
    StoredMessage bad = sample_message(fresh_id(), 1500);
    bad.status = "lost";
    CHECK_FALSE(store.put_message(bad, "{}").ok());
    REQUIRE(store.put_message(b, "{}").ok());
    REQUIRE(batch->commit().ok());
  }
  CHECK(store.message(a.id)->has_value());
  CHECK(store.message(b.id)->has_value());
  const StoredMessage c = sample_message(fresh_id(), 3000);
  {
    auto batch = store.begin_batch("test");
    REQUIRE(batch.ok());
    REQUIRE(store.put_message(c, "{}").ok());
    REQUIRE(store.outbox_reply_id("auto-received", a.id).ok());
  }  // not committed
  CHECK_FALSE(store.message(c.id)->has_value());
  CHECK(*store.outbox_reply_id("auto-received", a.id) == "");
}

TEST_CASE("the inbox filters by type, status and case, newest first", "[store]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    StoredMessage m = sample_message(fresh_id(1000 + i), 1000 + i, i % 2 ? "c-odd" : "");
    if (i >= 4) m.type = "alert";
    ids.push_back(m.id);
    REQUIRE(store.put_message(m, "{}").ok());
  }
  REQUIRE(store.set_message_status(ids[1], "read").ok());
  REQUIRE(store.set_message_status(ids[2], "answered").ok());

  auto all = store.messages({});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 6);
  CHECK(all->front().id == ids[5]);
  CHECK(all->back().id == ids[0]);

  auto alerts = store.messages({"alert", "", "", 1000});
  REQUIRE(alerts.ok());
  CHECK(alerts->size() == 2);
  auto fresh = store.messages({"referral", "new", "", 1000});
  REQUIRE(fresh.ok());
  REQUIRE(fresh->size() == 2);
  CHECK(fresh->at(0).id == ids[3]);
  CHECK(fresh->at(1).id == ids[0]);
  auto odd = store.messages({"", "", "c-odd", 1000});
  REQUIRE(odd.ok());
  CHECK(odd->size() == 3);
  auto two = store.messages({"", "", "", 2});
  REQUIRE(two.ok());
  CHECK(two->size() == 2);

  CHECK(store.set_message_status(ids[0], "deleted").code() == Code::kInvalid);
  CHECK(store.set_message_status(fresh_id(), "read").code() == Code::kNotFound);
}

TEST_CASE("received referrals await their automatic response once", "[store][workflow]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  StoredMessage a = sample_message(fresh_id(1), 1), b = sample_message(fresh_id(2), 2),
                alert = sample_message(fresh_id(3), 3), late = sample_message(fresh_id(4), 4);
  alert.type = "alert";
  late.status = "expired";
  for (const auto* m : {&a, &b, &alert, &late}) REQUIRE(store.put_message(*m, "{}").ok());

  auto waiting = store.referrals_awaiting_auto_response();
  REQUIRE(waiting.ok());
  REQUIRE(waiting->size() == 2);
  CHECK(waiting->at(0).id == a.id);
  CHECK(waiting->at(1).id == b.id);

  const std::string resp = fresh_id(5);
  REQUIRE(store.set_auto_response(a.id, resp).ok());
  REQUIRE(store.set_auto_response(a.id, resp).ok());  // the same again is fine
  CHECK(store.set_auto_response(a.id, fresh_id(6)).code() == Code::kInvalid);
  CHECK(store.set_auto_response(fresh_id(7), resp).code() == Code::kNotFound);
  waiting = store.referrals_awaiting_auto_response();
  REQUIRE(waiting.ok());
  REQUIRE(waiting->size() == 1);
  CHECK(waiting->at(0).id == b.id);
  CHECK((*store.message(a.id))->auto_response_id == resp);
}

TEST_CASE("an outbox entry goes from queued to logged or refused", "[store][outbox]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  OutboxEntry a = sample_entry(fresh_id(10), 10, "c-1"), b = sample_entry(fresh_id(20), 20);
  b.origin = "auto-received";
  b.type = "referral-response";
  REQUIRE(store.enqueue(a, R"({"doc":"a"})").ok());
  REQUIRE(store.enqueue(b, R"({"doc":"b"})").ok());
  Status dup = store.enqueue(a, "{}");
  CHECK(dup.code() == Code::kInvalid);
  CHECK(dup.message().find(a.id) != std::string::npos);

  auto queued = store.outbox("queued");
  REQUIRE(queued.ok());
  REQUIRE(queued->size() == 2);
  CHECK(queued->at(0).id == a.id);
  CHECK(queued->at(1).origin == "auto-received");
  CHECK(*store.outbox_document(a.id) == R"({"doc":"a"})");

  REQUIRE(store.note_attempt(a.id, 100).ok());
  REQUIRE(store.note_attempt(a.id, 200).ok());
  const Bytes receipt = {1, 2, 3, 0, 4};
  REQUIRE(store.mark_logged(a.id, 42, receipt, 250).ok());
  REQUIRE(store.set_anchor(a.id, Bytes{9, 9}).ok());
  REQUIRE(store.mark_refused(b.id, "the policy does not let this participant publish on that topic").ok());

  auto ea = store.outbox_entry(a.id);
  REQUIRE(ea.ok());
  REQUIRE(ea->has_value());
  CHECK((*ea)->status == "logged");
  CHECK((*ea)->seq == 42);
  CHECK((*ea)->receipt == receipt);
  CHECK((*ea)->anchor == Bytes{9, 9});
  CHECK((*ea)->attempts == 2);
  CHECK((*ea)->last_attempt_ms == 200);
  CHECK((*ea)->logged_ms == 250);
  CHECK((*ea)->case_ref == "c-1");
  CHECK((*ea)->handling == "H2");
  auto eb = store.outbox_entry(b.id);
  REQUIRE(eb.ok());
  CHECK((*eb)->status == "refused");
  CHECK((*eb)->reason.find("policy") != std::string::npos);

  CHECK(store.outbox("queued")->empty());
  CHECK(store.outbox("logged")->size() == 1);
  CHECK(store.outbox()->size() == 2);
  const std::string unknown = fresh_id();
  CHECK(store.note_attempt(unknown, 1).code() == Code::kNotFound);
  CHECK(store.mark_logged(unknown, 1, {}, 1).code() == Code::kNotFound);
  CHECK(store.mark_refused(unknown, "x").code() == Code::kNotFound);
  CHECK(store.outbox_document(unknown).status().code() == Code::kNotFound);
  CHECK_FALSE(store.outbox_entry(unknown)->has_value());
}

TEST_CASE("sent referrals fall due for escalation until answered or escalated", "[store][workflow]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  OutboxEntry routine = sample_entry(fresh_id(1), 1), soon = sample_entry(fresh_id(2), 2),
              later = sample_entry(fresh_id(3), 3), accepted = sample_entry(fresh_id(4), 4),
              received = sample_entry(fresh_id(5), 5);
  for (const auto* e : {&routine, &soon, &later, &accepted, &received}) REQUIRE(store.enqueue(*e, "{}").ok());
  REQUIRE(store.set_escalate_at(soon.id, 1000).ok());
  REQUIRE(store.set_escalate_at(later.id, 5000).ok());
  REQUIRE(store.set_escalate_at(accepted.id, 900).ok());
  REQUIRE(store.set_answer_status(accepted.id, "accepted").ok());
  REQUIRE(store.set_escalate_at(received.id, 800).ok());
  REQUIRE(store.set_answer_status(received.id, "received").ok());

  auto due = store.due_escalations(999);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->at(0).id == received.id);
  CHECK(due->at(0).answer_status == "received");
  due = store.due_escalations(1000);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);
  CHECK(due->at(0).id == received.id);
  CHECK(due->at(1).id == soon.id);

  const std::string esc = fresh_id(6);
  REQUIRE(store.set_escalation(soon.id, esc).ok());
  CHECK(store.set_escalation(soon.id, fresh_id(7)).code() == Code::kInvalid);
  REQUIRE(store.set_answer_status(received.id, "rejected").ok());
  due = store.due_escalations(10000);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->at(0).id == later.id);
  CHECK((*store.outbox_entry(soon.id))->escalation_id == esc);
  CHECK(store.set_escalate_at(fresh_id(), 1).code() == Code::kNotFound);
  CHECK(store.set_answer_status(fresh_id(), "accepted").code() == Code::kNotFound);
}

TEST_CASE("a case's timeline holds its messages, its sent entries and the replies to them, in time order",
          "[store][case]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  // referral received (case c-1) -> our response (no case_ref, replying) ->
  // their case update replying to our response; a sent escalation of the
  // case; an unrelated message; a reply to the unrelated one.
  StoredMessage referral = sample_message(fresh_id(100), 100, "c-1");
  OutboxEntry response = sample_entry(fresh_id(200), 200, "", referral.id);
  StoredMessage update = sample_message(fresh_id(300), 300, "", response.id);
  OutboxEntry escalation = sample_entry(fresh_id(150), 150, "c-1");
  StoredMessage other = sample_message(fresh_id(120), 120, "c-2");
  OutboxEntry other_reply = sample_entry(fresh_id(130), 130, "", other.id);
  REQUIRE(store.put_message(referral, "{}").ok());
  REQUIRE(store.put_message(update, "{}").ok());
  REQUIRE(store.put_message(other, "{}").ok());
  REQUIRE(store.enqueue(response, "{}").ok());
  REQUIRE(store.enqueue(escalation, "{}").ok());
  REQUIRE(store.enqueue(other_reply, "{}").ok());

  auto t = store.case_timeline("c-1");
  REQUIRE(t.ok());
  REQUIRE(t->size() == 4);
  CHECK(t->at(0).id == referral.id);
  CHECK_FALSE(t->at(0).sent);
  CHECK(t->at(0).time_ms == 100);
  CHECK(t->at(1).id == escalation.id);
  CHECK(t->at(1).sent);
  CHECK(t->at(2).id == response.id);
  CHECK(t->at(2).sent);
  CHECK(t->at(3).id == update.id);
  CHECK(t->at(3).time_ms == 300);

  auto t2 = store.case_timeline("c-2");
  REQUIRE(t2.ok());
  CHECK(t2->size() == 2);
  auto none = store.case_timeline("c-none");
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(store.case_timeline("").status().code() == Code::kInvalid);
}

TEST_CASE("a reply loop in a case ends, each item listed once", "[store][case]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  const std::string a = fresh_id(1), b = fresh_id(2);
  REQUIRE(store.put_message(sample_message(a, 1, "c-loop", b), "{}").ok());
  REQUIRE(store.put_message(sample_message(b, 2, "", a), "{}").ok());
  // The same id sent and received (an agent reading its own topic).
  REQUIRE(store.enqueue(sample_entry(b, 2, "", a), "{}").ok());
  auto t = store.case_timeline("c-loop");
  REQUIRE(t.ok());
  REQUIRE(t->size() == 3);
  CHECK(t->at(0).id == a);
  CHECK(t->at(1).id == b);
  CHECK_FALSE(t->at(1).sent);
  CHECK(t->at(2).sent);
}

TEST_CASE("statistics cells are stored, replaced per report and read by period", "[store][stats]") {
  TempDir dir;
  Identity me = make_identity("commission");
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  auto cell = [](const std::string& msg, const std::string& start, const std::string& end, const std::string& key,
                 std::optional<int64_t> n) {
    StatsCell c;
    c.message_id = msg;
    c.sender = "committee.golfe";
    c.period_start = start;
    c.period_end = end;
    c.region = "maritime";
    c.prefecture = "golfe";
    c.table = "referrals";
    c.key = key;
    c.count = n;
    return c;
  };
  REQUIRE(store.put_stats_cells({cell("m1", "2026-01-01", "2026-03-31", "made", 9),
                                 cell("m1", "2026-01-01", "2026-03-31", "accepted", std::nullopt),
                                 cell("m2", "2026-04-01", "2026-06-30", "made", 5)})
              .ok());
  auto q1 = store.stats_cells("2026-01-01", "2026-03-31");
  REQUIRE(q1.ok());
  REQUIRE(q1->size() == 2);
  CHECK(q1->at(0).key == "accepted");
  CHECK_FALSE(q1->at(0).count.has_value());
  CHECK(q1->at(1).count == 9);
  CHECK(store.stats_cells("", "")->size() == 3);
  CHECK(store.stats_cells("2026-04-01", "")->size() == 1);
  // The same report again replaces its cells.
  REQUIRE(store.put_stats_cells({cell("m1", "2026-01-01", "2026-03-31", "made", 10)}).ok());
  auto q2 = store.stats_cells("2026-01-01", "2026-03-31");
  REQUIRE(q2.ok());
  REQUIRE(q2->size() == 1);
  CHECK(q2->at(0).count == 10);
}

TEST_CASE("two Store objects share one file: what one writes the other reads", "[store]") {
  TempDir dir;
  Identity me = make_identity();
  auto r1 = Store::open(dir.path, me, {});
  auto r2 = Store::open(dir.path, me, {});
  Store& service = opened(r1);
  Store& command = opened(r2);
  StoredMessage m = sample_message(fresh_id(), 5);
  REQUIRE(*service.put_message(m, "{\"a\":1}"));
  CHECK(*command.open_message(m.id) == "{\"a\":1}");
  REQUIRE(command.set_message_status(m.id, "read").ok());
  CHECK((*service.message(m.id))->status == "read");
}

TEST_CASE("erasure past retention keeps queued entries and statistics cells", "[store][erase]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  StoredMessage old_alert = sample_message(fresh_id(1), 1), new_alert = sample_message(fresh_id(2), 5000),
                old_ref = sample_message(fresh_id(3), 1);
  old_alert.type = new_alert.type = "alert";
  for (const auto* m : {&old_alert, &new_alert, &old_ref}) REQUIRE(store.put_message(*m, "{}").ok());
  OutboxEntry old_sent = sample_entry(fresh_id(4), 1), old_queued = sample_entry(fresh_id(5), 1);
  old_sent.type = old_queued.type = "alert";
  REQUIRE(store.enqueue(old_sent, "{}").ok());
  REQUIRE(store.enqueue(old_queued, "{}").ok());
  REQUIRE(store.mark_logged(old_sent.id, 1, {}, 2).ok());
  StatsCell c;
  c.message_id = old_alert.id;
  c.table = "referrals";
  c.key = "made";
  c.count = 5;
  REQUIRE(store.put_stats_cells({c}).ok());
  // Drafts: an old alert draft goes, a recent one and an old referral draft stay.
  REQUIRE(store.put_draft({"d-old-alert", "amivi", "alert", "", 500}, "{}").ok());
  REQUIRE(store.put_draft({"d-new-alert", "amivi", "alert", "", 5000}, "{}").ok());
  REQUIRE(store.put_draft({"d-old-referral", "amivi", "referral", "", 500}, "{}").ok());

  auto n = store.erase_older_than("alert", 1000);
  REQUIRE(n.ok());
  CHECK(*n == 3);
  CHECK_FALSE(store.draft("d-old-alert")->has_value());
  CHECK(store.draft("d-new-alert")->has_value());
  CHECK(store.draft("d-old-referral")->has_value());
  CHECK_FALSE(store.message(old_alert.id)->has_value());
  CHECK(store.message(new_alert.id)->has_value());
  CHECK(store.message(old_ref.id)->has_value());
  CHECK_FALSE(store.outbox_entry(old_sent.id)->has_value());
  CHECK(store.outbox_entry(old_queued.id)->has_value());
  CHECK(store.stats_cells("", "")->size() == 1);
  auto all = store.erase_older_than("", 1000);
  REQUIRE(all.ok());
  CHECK(*all == 2);  // the old referral and its draft
  CHECK_FALSE(store.draft("d-old-referral")->has_value());
}

TEST_CASE("erase_message removes one received message and one sent entry by id, nothing else", "[store][erase]") {
  relais::test::TempDir dir("relais-store-erase1");
  auto id = relais::generate_identity("ngo.espoir", relais::Role::kNgo, "maritime", "golfe");
  REQUIRE(id.ok());
  auto st = relais::Store::open(dir.path + "/state", *id, {});
  REQUIRE(st.ok());
  relais::StoredMessage a, b;
  a.id = "0193a6a0-0000-7000-8000-00000000e001";
  b.id = "0193a6a0-0000-7000-8000-00000000e002";
  for (auto* m : {&a, &b}) {
    m->sender = "police.golfe";
    m->topic = "referral.ngo.espoir";
    m->type = "referral";
    REQUIRE(*(*st)->put_message(*m, R"({"body":{}})"));
  }
  relais::OutboxEntry e;
  e.id = "0193a6a0-0000-7000-8000-00000000e003";
  e.topic = "response.police.golfe";
  e.type = "referral-response";
  REQUIRE((*st)->enqueue(e, R"({"status":"received"})").ok());
  CHECK(*(*st)->erase_message(a.id) == 1);
  CHECK(*(*st)->erase_message(e.id) == 1);
  CHECK(*(*st)->erase_message("0193a6a0-0000-7000-8000-00000000ffff") == 0);
  CHECK_FALSE((*(*st)->message(a.id)).has_value());
  CHECK((*(*st)->message(b.id)).has_value());
  CHECK_FALSE((*(*st)->outbox_entry(e.id)).has_value());
}
