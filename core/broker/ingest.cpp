#include "broker/ingest.h"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "broker/dedup_key.h"
#include "crypto/uuid.h"
#include "policy/topic_locations.h"
#include "util/clock.h"

namespace relais {
namespace {

// Microseconds from `from` to `to` on the monotonic clock, for PublishStages
// (0 if a test clock went back).
uint64_t elapsed_us(int64_t from, int64_t to) { return static_cast<uint64_t>(std::max<int64_t>(0, to - from)); }

// Empty when `to` names exactly the expected readers (both sorted; the
// envelope decoder guarantees `to` is sorted and unique). Allocates only to
// describe a mismatch.
std::string readers_mismatch(const std::vector<std::string>& expected, const std::vector<EnvelopeReader>& to) {
  if (expected.size() == to.size() &&
      std::equal(expected.begin(), expected.end(), to.begin(),
                 [](const std::string& e, const EnvelopeReader& r) { return e == r.name; }))
    return {};
  std::vector<std::string> actual;
  actual.reserve(to.size());
  for (const auto& r : to) actual.push_back(r.name);
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(), std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  std::string msg = "reader set does not match policy:";
  if (!missing.empty()) {
    msg += " missing";
    for (size_t i = 0; i < missing.size(); ++i) msg += (i ? ", " : " ") + missing[i];
  }
  if (!extra.empty()) {
    msg += missing.empty() ? " extra" : "; extra";
    for (size_t i = 0; i < extra.size(); ++i) msg += (i ? ", " : " ") + extra[i];
  }
  return msg;
}

// "7 days", "36 hours", "90 minutes", "45 s": the duplicate window in words.
std::string window_text(int64_t ms) {
  auto plural = [](int64_t n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); };
  if (ms % 86400000 == 0) return plural(ms / 86400000, "day");
  if (ms % 3600000 == 0) return plural(ms / 3600000, "hour");
  if (ms % 60000 == 0) return plural(ms / 60000, "minute");
  return std::to_string(ms / 1000) + " s";
}

}  // namespace

IngestPipeline::IngestPipeline(const BrokerConfig& config, const Clock& clock, Log& log, SignatureVerifier& verifier,
                               RouteCache& routes, MessageCache& cache, Replies& replies, EventRecorder& events,
                               const SecretBytes& sign_sk)
    : config_(config),
      clock_(clock),
      log_(log),
      verifier_(verifier),
      routes_(routes),
      cache_(cache),
      replies_(replies),
      events_(events),
      sign_sk_(sign_sk) {
  pending_.reserve(4096);
  pending_by_key_.reserve(4096);
}

IngestPipeline::Verdict IngestPipeline::refused(uint64_t req_id, ErrorCode code, std::string reason,
                                                const EnvelopeHeader* h) {
  Verdict v;
  v.outcome = Outcome::kRefused;
  v.req_id = req_id;
  v.code = code;
  v.reason = std::move(reason);
  if (h) {
    v.topic = h->topic;
    v.id = h->id;
  }
  return v;
}

IngestPipeline::Verdict IngestPipeline::publish(Session& s, const TrustBundle& bundle, ByteView args,
                                                ByteView frame) {
  PubArgs pa;
  if (Status st = decode_args(args, &pa); !st.ok()) return refused(0, ErrorCode::kMalformed, st.message());
  // 1. frame size
  if (frame.size() > static_cast<size_t>(config_.max_frame_bytes))
    return refused(pa.req_id, ErrorCode::kTooLarge,
                   "envelope of " + std::to_string(frame.size()) + " bytes exceeds the broker's limit of " +
                       std::to_string(config_.max_frame_bytes) +
                       " bytes (limits.max_frame_bytes): send smaller attachments");
  // 2-3. bounded decode and shape. The body is bounded by the frame here and
  // checked against limits.max_body just below, so that a body over it is
  // too_large (naming the limit), not malformed.
  EnvelopeLimits limits;
  limits.max_bytes = static_cast<size_t>(config_.max_frame_bytes);
  limits.max_readers = static_cast<size_t>(config_.max_readers);
  limits.max_body = limits.max_bytes;
  if (Status st = decoder_.decode(frame, limits); !st.ok())
    return refused(pa.req_id, ErrorCode::kMalformed, st.message());
  const EnvelopeView& env = decoder_.view();
  const EnvelopeHeader& h = env.header;
  if (env.ct.size() > envelope_max_ct_bytes(static_cast<size_t>(config_.max_body)))
    return refused(pa.req_id, ErrorCode::kTooLarge,
                   "sealed body of " + std::to_string(env.ct.size()) + " bytes exceeds the broker's limit of " +
                       std::to_string(config_.max_body) + " bytes (limits.max_body): send smaller attachments",
                   &h);
  // 4. the sender is the authenticated transport identity
  if (h.from != s.name)
    return refused(pa.req_id, ErrorCode::kSenderMismatch,
                   "envelope from '" + h.from + "' does not match the authenticated sender '" + s.name + "'", &h);
  // ... whose keys are still current (a reload forgets the sessions of
  // revoked keys; this holds for a session admitted under another bundle).
  if (s.key_serial != bundle.serial) {
    const PublicCard* card = bundle.find(s.name);
    if (card == nullptr || card->revoked || card->sign_pk != s.sign_pk || card->link_pk != s.link_pk)
      return refused(pa.req_id, ErrorCode::kRevoked,
                     s.name + "'s key is no longer valid in bundle serial " + std::to_string(bundle.serial) +
                         " (revoked, retired or removed)",
                     &h);
    s.key_serial = bundle.serial;
  }
  // 5. bundle serial: not newer than the broker's. An older one is accepted
  // when the checks below pass under the bundle in force (the sender is
  // current, checked above; the readers are the current policy's), so that
  // agents keep working across a reload until they fetch the new bundle.
  if (h.bundle_serial > bundle.serial)
    return refused(pa.req_id, ErrorCode::kStaleBundle,
                   "bundle serial " + std::to_string(h.bundle_serial) + " is newer than the broker's (" +
                       std::to_string(bundle.serial) + "): the broker must load the new bundle",
                   &h);
  // 6-8 use the topic's route and the session's last answers (policy.h has
  // the rules). A memo answers for one topic under one bundle serial.
  PublishMemo& memo = s.may_publish;
  PolicyMemo& acl = memo.topic;
  if (!acl.route || acl.route->topic != h.topic || acl.serial != bundle.serial) {
    acl.serial = bundle.serial;
    const PublicCard* card = bundle.find(s.name);
    acl.allowed = card != nullptr && !card->revoked && bundle.policy.may_publish(*card, h.topic);
    // Only topics the sender may publish on enter the shared route table.
    if (acl.allowed) {
      acl.route = routes_.route_for(bundle, h.topic);
    } else {
      auto own = std::make_shared<TopicRoute>();
      own->topic = h.topic;
      acl.route = std::move(own);
    }
    Status places = check_topic_locations(h.topic, bundle.locations);
    memo.place_problem = places.ok() ? std::string() : places.message();
    memo.type.clear();
  }
  if (memo.type != h.type) {
    memo.type = h.type;
    memo.type_allowed = bundle.policy.type_allowed(h.topic, h.type);
  }
  // 6. publish ACL
  if (!acl.allowed) return refused(pa.req_id, ErrorCode::kForbidden, s.name + " may not publish on " + h.topic, &h);
  // 6b. the places the topic names are in the bundle's location table
  if (!memo.place_problem.empty()) return refused(pa.req_id, ErrorCode::kMalformed, memo.place_problem, &h);
  // 7. type allowed on topic
  if (!memo.type_allowed)
    return refused(pa.req_id, ErrorCode::kTypeNotAllowed, "type " + h.type + " is not allowed on " + h.topic, &h);
  // 8. to == readers
  if (std::string why = readers_mismatch(acl.route->readers, h.to); !why.empty())
    return refused(pa.req_id, ErrorCode::kReadersMismatch, std::move(why), &h);
  // 9. clock skew and expiry
  const int64_t now = clock_.now_ms();
  if (h.ts_ms > now + config_.max_clock_skew_ms || h.ts_ms < now - config_.max_clock_skew_ms)
    return refused(pa.req_id, ErrorCode::kClockSkew,
                   "message time is " + std::to_string((h.ts_ms - now) / 1000) +
                       " s away from the broker's clock (limit " + std::to_string(config_.max_clock_skew_ms / 1000) +
                       " s): check the sender's clock",
                   &h);
  if (h.expires_ms != 0 && h.expires_ms <= now)
    return refused(pa.req_id, ErrorCode::kClockSkew, "message expired at " + format_rfc3339_ms(h.expires_ms), &h);
  // 9. ... and the id's own time (UUIDv7) within the duplicate window: past it, a
  // retry could no longer be recognised and would be logged twice.
  const int64_t id_ms = uuid_v7_ms(h.id);
  // An id minted in the future would keep its duplicate entry that much
  // longer (memory a sender could pin for years): refused like a future ts.
  if (id_ms > now + config_.max_clock_skew_ms)
    return refused(pa.req_id, ErrorCode::kClockSkew,
                   "message id's time is ahead of the broker's clock: check this computer's clock, then send it "
                   "again",
                   &h);
  if (id_ms < now - config_.dedup_window_ms)
    return refused(pa.req_id, ErrorCode::kStaleId,
                   "message id is older than the broker's duplicate window (" + window_text(config_.dedup_window_ms) +
                       "): send it again as a new message",
                   &h);
  // 10. duplicate: a retry gets the original acknowledgement
  const RecordKey key = dedup_key(h.from, h.id);
  Verdict v;
  v.req_id = pa.req_id;
  if (const DedupIndex::Entry* d = dedup_.find(key)) {
    answer_retry(Waiter{s.rid, pa.req_id}, h.id, d->seq);
    v.outcome = Outcome::kAnswered;
    return v;
  }
  if (auto p = pending_by_key_.find(key); p != pending_by_key_.end()) {
    pending_[p->second].retries.push_back(Waiter{s.rid, pa.req_id});
    v.outcome = Outcome::kJoined;
    return v;
  }
  // One envelope is always let in when nothing waits, so that a message
  // larger than the bound (an attachment) is not refused for ever.
  if (pending_bytes_ > 0 && pending_bytes_ + frame.size() > static_cast<size_t>(config_.max_pending_bytes))
    return refused(pa.req_id, ErrorCode::kLimit,
                   "broker busy: " + std::to_string(pending_bytes_ >> 20) +
                       " MiB of messages are waiting to be written; retry in a moment",
                   &h);
  // 11. signature, on the verifier (which also hashes core and ct);
  // on_verified() goes on with 12. The job's views point into the message's
  // own copy of the envelope, which outlives the job.
  auto msg = std::make_shared<CachedMessage>();
  msg->route = acl.route;
  msg->expires_ms = h.expires_ms;
  msg->envelope.assign(frame.begin(), frame.end());
  const ByteView copy(msg->envelope);
  const uint64_t token = next_token_++;
  VerifyJob job;
  job.token = token;
  job.core = copy.subspan(static_cast<size_t>(env.core.data() - frame.data()), env.core.size());
  job.ct = copy.subspan(static_cast<size_t>(env.ct.data() - frame.data()), env.ct.size());
  job.sig = env.sig;
  job.pk = s.sign_pk;
  PendingPublish pp;
  pp.dedup_key = key;
  pp.id = h.id;
  pp.from = s.name;
  pp.ts_ms = now;
  pp.received_us = clock_.monotonic_us();
  pp.waiter = Waiter{s.rid, pa.req_id};
  pp.message = std::move(msg);
  pending_by_key_.emplace(key, token);
  pending_bytes_ += frame.size();
  pending_.emplace(token, std::move(pp));
  verifier_.submit(job);
  v.outcome = Outcome::kPending;
  return v;
}

void IngestPipeline::on_verified() {
  verified_.clear();
  verifier_.drain(&verified_);
  if (verified_.empty()) return;
  // One clock read for the whole drain: its results came back together.
  const int64_t verified_us = clock_.monotonic_us();
  for (const VerifyResult& r : verified_) {
    auto it = pending_.find(r.token);
    if (it == pending_.end()) continue;
    PendingPublish& p = it->second;
    if (p.refused) {  // refused by a reload while the verifier held its envelope
      pending_bytes_ -= p.message->envelope.size();
      pending_.erase(it);
      continue;
    }
    if (!r.ok) {
      p.for_each_waiter([&](const Waiter& w) { replies_.error(w.rid, w.req_id, ErrorCode::kBadSignature, "bad signature"); });
      events_.refusal(p.from, ErrorCode::kBadSignature, "bad signature", p.message->route->topic, &p.id);
      spdlog::info("refused {}: bad signature", p.from);
      pending_by_key_.erase(p.dedup_key);
      pending_bytes_ -= p.message->envelope.size();
      pending_.erase(it);
      continue;
    }
    // 12. append; 13 follows in on_completion once the record is durable.
    p.verified_us = verified_us;
    stages_.verify.observe(elapsed_us(p.received_us, p.verified_us));
    p.submitted = true;
    log_.submit_message(r.token, p.ts_ms, r.core_hash, r.ct_hash, p.dedup_key, p.message->envelope);
  }
}

void IngestPipeline::send_puback(const Waiter& w, const Receipt& receipt) {
  PubAckArgs a;
  a.req_id = w.req_id;
  a.seq = receipt.seq;
  a.receipt.swap(receipt_buf_);
  a.receipt.clear();
  encode_receipt(receipt, &a.receipt);
  replies_.send(w.rid, Command::kPubAck, a);
  receipt_buf_.swap(a.receipt);
}

void IngestPipeline::answer_retry(const Waiter& w, const Uuid& id, uint64_t seq) {
  auto rec = log_.read(seq);
  if (!rec.ok()) {
    spdlog::error("broker: cannot read back record {} to answer a retry: {}", seq, rec.status().message());
    return replies_.error(w.rid, w.req_id, ErrorCode::kStorage,
                          "broker could not read back the logged message; retry later");
  }
  const Hash256 leaf = message_leaf_hash(seq, rec->ts_ms, rec->core_hash, rec->ct_hash);
  send_puback(w, sign_receipt(ReceiptFields{id, seq, leaf, rec->ts_ms, log_.epoch()}, sign_sk_));
}

void IngestPipeline::on_completion(const Completion& c) {
  auto it = pending_.find(c.token);
  if (it == pending_.end()) return;
  PendingPublish& p = it->second;
  pending_by_key_.erase(p.dedup_key);
  if (!c.status.ok()) {
    // Nothing unwritten is acknowledged.
    p.for_each_waiter([&](const Waiter& w) {
      replies_.error(w.rid, w.req_id, ErrorCode::kStorage,
                     "broker could not store the message: " + c.status.message() + "; retry later");
    });
    spdlog::error("broker: publish refused, log write failed: {}", c.status.message());
  } else {
    // 13. acknowledged in finish_completions, with one receipt signature for the whole drain.
    const uint32_t item = static_cast<uint32_t>(receipt_items_.size());
    receipt_items_.push_back(ReceiptFields{p.id, c.seq, c.leaf_hash, c.ts_ms, log_.epoch()});
    receipt_times_us_.emplace_back(p.received_us, p.verified_us);
    p.for_each_waiter([&](Waiter& w) { receipt_waiters_.emplace_back(item, std::move(w)); });
    // Remembered while a retry can pass step 9b: until the id's own time
    // leaves the window (or the record's, when that is later).
    dedup_.put(p.dedup_key, c.seq, std::max(c.ts_ms, uuid_v7_ms(p.id)) + config_.dedup_window_ms);
    p.message->seq = c.seq;
    cache_.insert(c.seq, p.message);
  }
  pending_bytes_ -= p.message->envelope.size();
  pending_.erase(it);
}

void IngestPipeline::finish_completions() {
  if (receipt_items_.empty()) return;
  // Two clock reads per drain, not per message: when the log's word came,
  // and when the PUBACKs were handed on (PublishStages).
  const int64_t durable_us = clock_.monotonic_us();
  size_t w = 0;
  for (size_t begin = 0; begin < receipt_items_.size(); begin += kMaxReceiptBatch) {
    const size_t n = std::min(kMaxReceiptBatch, receipt_items_.size() - begin);
    sign_receipt_batch(std::span<const ReceiptFields>(receipt_items_.data() + begin, n), sign_sk_, &receipts_);
    for (; w < receipt_waiters_.size() && receipt_waiters_[w].first < begin + n; ++w)
      send_puback(receipt_waiters_[w].second, receipts_[receipt_waiters_[w].first - begin]);
  }
  const int64_t now_us = clock_.monotonic_us();
  for (const auto& [received, verified] : receipt_times_us_) {
    stages_.log.observe(elapsed_us(verified, durable_us));
    stages_.total.observe(elapsed_us(received, now_us));
  }
  receipt_items_.clear();
  receipt_waiters_.clear();
  receipt_times_us_.clear();
}

// Dedup survives restarts: rebuilt from the log's in-memory index (record
// keys and broker times, filled from the segment summaries at open; no
// envelope is read back) over the whole duplicate window. A record logged
// before now - window carries an id the clock check refuses unless it was
// re-signed; such an id's own time is then older than the window as well
// (an id is minted at most max_clock_skew_ms ahead of the broker's clock by
// an agent within the skew), so step 9b refuses it: the walk starts that
// much earlier to cover the difference.
Status IngestPipeline::rebuild_dedup() {
  const int64_t start = clock_.monotonic_ms();
  const int64_t now = clock_.now_ms();
  const uint64_t last = log_.last_durable_seq();
  if (last == 0) return Status::Ok();
  const int64_t window = config_.dedup_window_ms + config_.max_clock_skew_ms;
  auto first = log_.first_seq_at_or_after_time(now - window);
  if (!first.ok()) return Status::Ok();  // nothing in the window
  size_t rebuilt = 0;
  dedup_.reserve(static_cast<size_t>(last - *first + 1));
  log_.for_each_message_key(*first, [&](uint64_t seq, int64_t ts_ms, const RecordKey& key) {
    dedup_.put(key, seq, ts_ms + window);
    ++rebuilt;
  });
  spdlog::info("broker: duplicate index rebuilt with {} messages in {} ms", rebuilt, clock_.monotonic_ms() - start);
  return Status::Ok();
}

}  // namespace relais
