#include "audit/replay.h"

#include <set>
#include <sodium.h>
#include <vector>

#include "audit/event_view.h"
#include "crypto/envelope.h"
#include "log/erased_message.h"
#include "crypto/envelope_json.h"
#include "log/log_reader.h"
#include "policy/topic.h"
#include "schema/registry.h"
#include "util/clock.h"
#include "util/json_msgpack.h"

namespace relais {

namespace {

bool type_matches(const std::string& wanted, const std::string& versioned) {
  if (wanted == versioned) return true;
  auto t = parse_versioned_type(versioned);
  return t.ok() && doc_type_name(*t) == wanted;
}

nlohmann::json message_json(const RecordView& r, const Envelope& env, const TrustView& trust,
                            const Identity* identity) {
  const EnvelopeHeader& h = env.header;
  auto type = parse_versioned_type(h.type);
  nlohmann::json out = header_json<nlohmann::json>(h, r.seq, type.ok() ? doc_type_name(*type) : std::string_view(h.type));
  out["logged"] = format_rfc3339_ms(r.ts_ms);
  nlohmann::json to = nlohmann::json::array();
  for (const auto& rd : h.to) to.push_back(rd.name);
  out["to"] = std::move(to);
  out["bundle_serial"] = h.bundle_serial;
  const SenderCheck sc = check_sender(trust, env);
  const bool valid = sc.ok();
  if (valid)
    out["signature"] = "valid";
  else if (sc.fault_kind == "bad signature")
    out["signature"] = "INVALID";
  else
    out["signature"] = sc.fault_kind;
  if (!valid && !sc.detail.empty()) out["signature_detail"] = sc.detail;
  if (r.kind == RecordKind::kErasedMessage) {
    out["erased"] = true;  // its ciphertext is gone: header and signature only
    return out;
  }
  if (valid && identity != nullptr && h.find_reader(identity->card.name) != nullptr) {
    auto body = open_envelope(env, identity->card.name, identity->card.seal_pk, identity->seal_sk);
    if (!body.ok()) {
      out["body_error"] = body.status().message();
    } else {
      auto doc = msgpack_to_json(*body);
      if (doc.ok())
        out["body"] = std::move(doc).value();
      else
        out["body_error"] = doc.status().message();
      sodium_memzero(body->data(), body->size());
    }
  }
  return out;
}

// The messages of one case, as a pass over the log finds them.
struct CaseSelection {
  std::string case_ref;
  std::set<Uuid> seeds;      // found by earlier passes: include them too
  std::set<Uuid> ids;        // selected in this pass
  std::set<uint64_t> seqs;   // their seqs
  std::set<Uuid> answered;   // what the selected messages answer

  void reset_pass() {
    ids.clear();
    seqs.clear();
    answered.clear();
  }
  bool select(const EnvelopeHeader& h, uint64_t seq) {
    const bool in = (h.case_ref && *h.case_ref == case_ref) || seeds.count(h.id) != 0 ||
                    (h.in_reply_to && ids.count(*h.in_reply_to) != 0);
    if (!in) return false;
    ids.insert(h.id);
    seqs.insert(seq);
    if (h.in_reply_to) answered.insert(*h.in_reply_to);
    return true;
  }
  // The messages the case answers that this pass did not select (earlier
  // than the first selected, or without the case_ref); adds them to seeds.
  bool grow() {
    bool grew = false;
    for (const auto& id : answered)
      if (ids.count(id) == 0 && seeds.insert(id).second) grew = true;
    return grew;
  }
  // Keeps only the event's parts about the case; false when none is.
  bool keep_event(nlohmann::json& ev) const {
    const std::string name = ev["event"].get<std::string>();
    if ((name == "delivery" || name == "ack") && ev.contains("items") && ev["items"].is_array()) {
      nlohmann::json kept = nlohmann::json::array();
      for (auto& item : ev["items"])
        if (item.is_object() && item.contains("seq") && item["seq"].is_number_unsigned() &&
            seqs.count(item["seq"].get<uint64_t>()) != 0)
          kept.push_back(std::move(item));
      ev["items"] = std::move(kept);
      return !ev["items"].empty();
    }
    if (ev.contains("seq") && ev["seq"].is_number_unsigned()) return seqs.count(ev["seq"].get<uint64_t>()) != 0;
    if (ev.contains("id") && ev["id"].is_string()) {
      auto raw = from_base64(ev["id"].get<std::string>());
      if (!raw.ok() || raw->size() != Uuid{}.size()) return false;
      Uuid id{};
      std::copy(raw->begin(), raw->end(), id.begin());
      return ids.count(id) != 0;
    }
    return false;
  }
};

// One pass over the log; calls out() for each selected record.
Result<uint64_t> scan_log(const std::string& data_dir, const AuditTrust& trust, const ReplayFilter& f,
                          const Identity* identity, CaseSelection* sel,
                          const std::function<void(const nlohmann::json&)>& out) {
  auto reader = LogReader::open(data_dir);
  if (!reader.ok()) return reader.status();
  BundleHistory history(trust);
  uint64_t printed = 0;
  LogEntry e;
  for (;;) {
    auto more = (*reader)->next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
    const RecordView& r = e.record;
    if (!is_leaf_kind(r.kind)) continue;
    if (r.kind == RecordKind::kEvent && maybe_bundle_loaded(r.body)) {
      if (auto ev = decode_bundle_loaded(r.body); ev.ok()) {
        if (Status s = history.add(r.seq, r.ts_ms, *ev); !s.ok())
          return Status::Corruption("replay: seq " + std::to_string(r.seq) + " (" + e.segment + " offset " +
                                    std::to_string(e.offset) + "): " + s.message() + " (run verify)");
      }
    }
    if (f.to_seq && r.seq > *f.to_seq) break;
    if (f.from_seq && r.seq < *f.from_seq) continue;
    if (f.since_ms && r.ts_ms < *f.since_ms) continue;
    if (f.until_ms && r.ts_ms >= *f.until_ms) continue;
    if (r.kind == RecordKind::kEvent) {
      if ((!f.events && sel == nullptr) || ((f.topic_pattern || f.type) && sel == nullptr)) continue;
      auto ev = readable_event_json(r.body);
      nlohmann::json j = nlohmann::json::object();
      j["seq"] = r.seq;
      j["ts"] = format_rfc3339_ms(r.ts_ms);
      if (!ev.ok()) {
        if (f.sender || sel != nullptr) continue;
        j["event"] = nullptr;
        j["error"] = ev.status().message();
      } else {
        if (f.sender && !(ev->contains("who") && (*ev)["who"] == *f.sender)) continue;
        if (sel != nullptr && !sel->keep_event(*ev)) continue;
        j["event"] = (*ev)["event"];
        for (auto it = ev->begin(); it != ev->end(); ++it)
          if (it.key() == "seq")
            j["message_seq"] = it.value();  // nack, dead_letter: the message's seq
          else if (it.key() == "ts")
            j["event_ts"] = it.value();
          else if (it.key() != "event")
            j[it.key()] = it.value();
      }
      out(j);
      ++printed;
      continue;
    }
    auto env = r.kind == RecordKind::kErasedMessage ? erased_envelope(r) : decode_envelope(r.body);
    if (!env.ok())
      return Status::Corruption("replay: seq " + std::to_string(r.seq) + " (" + e.segment + " offset " +
                                std::to_string(e.offset) + "): " + env.status().message());
    const EnvelopeHeader& h = env->header;
    if (f.sender && h.from != *f.sender) continue;
    if (f.topic_pattern && !pattern_matches(*f.topic_pattern, h.topic)) continue;
    if (f.type && !type_matches(*f.type, h.type)) continue;
    if (sel != nullptr && !sel->select(h, r.seq)) continue;
    out(message_json(r, *env, *history.view(), identity));
    ++printed;
  }
  return printed;
}

}  // namespace

Status validate_filter(const ReplayFilter& f) {
  if (f.topic_pattern) {
    if (Status s = validate_pattern(*f.topic_pattern); !s.ok()) return Status::Usage("replay: --topic: " + s.message());
  }
  if (f.type) {
    bool known = false;
    for (DocType t : kAllDocTypes)
      if (*f.type == doc_type_name(t) || *f.type == doc_type_versioned(t)) known = true;
    if (!known) return Status::Usage("replay: --type " + *f.type + " is not a document type (e.g. alert, referral)");
  }
  if (f.from_seq && f.to_seq && *f.from_seq > *f.to_seq)
    return Status::Usage("replay: --from-seq is after --to-seq");
  if (f.case_ref && f.case_ref->empty()) return Status::Usage("replay: --case-ref is empty: pass the case reference");
  return Status::Ok();
}

Result<uint64_t> replay_log(const std::string& data_dir, const AuditTrust& trust, const ReplayFilter& f,
                            const Identity* identity, const std::function<void(const nlohmann::json&)>& out) {
  RELAIS_RETURN_IF_ERROR(validate_filter(f));
  if (sodium_init() < 0) return Status::IOError("replay: libsodium failed to initialise");
  if (!f.case_ref) return scan_log(data_dir, trust, f, identity, nullptr, out);
  CaseSelection sel;
  sel.case_ref = *f.case_ref;
  for (;;) {
    std::vector<nlohmann::json> lines;
    sel.reset_pass();
    auto n = scan_log(data_dir, trust, f, identity, &sel, [&](const nlohmann::json& j) { lines.push_back(j); });
    if (!n.ok()) return n.status();
    if (sel.grow()) continue;  // the case answers messages this pass missed: again, with them
    for (const auto& j : lines) out(j);
    return *n;
  }
}

}  // namespace relais
