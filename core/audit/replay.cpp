#include "audit/replay.h"

#include <sodium.h>

#include "audit/event_view.h"
#include "crypto/envelope.h"
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

nlohmann::json message_json(const RecordView& r, const Envelope& env, const TrustBundle& bundle,
                            const Identity* identity) {
  const EnvelopeHeader& h = env.header;
  auto type = parse_versioned_type(h.type);
  nlohmann::json out = header_json<nlohmann::json>(h, r.seq, type.ok() ? doc_type_name(*type) : std::string_view(h.type));
  out["logged"] = format_rfc3339_ms(r.ts_ms);
  nlohmann::json to = nlohmann::json::array();
  for (const auto& rd : h.to) to.push_back(rd.name);
  out["to"] = std::move(to);
  const PublicCard* sender = bundle.find(h.from);
  bool valid = false;
  if (sender == nullptr) {
    out["signature"] = "unknown sender";
  } else if (Status s = verify_envelope(env, sender->sign_pk); !s.ok()) {
    out["signature"] = "INVALID";
  } else {
    valid = true;
    out["signature"] = "valid";
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
  return Status::Ok();
}

Result<uint64_t> replay_log(const std::string& data_dir, const TrustBundle& bundle, const ReplayFilter& f,
                            const Identity* identity, const std::function<void(const nlohmann::json&)>& out) {
  RELAIS_RETURN_IF_ERROR(validate_filter(f));
  if (sodium_init() < 0) return Status::IOError("replay: libsodium failed to initialise");
  auto reader = LogReader::open(data_dir);
  if (!reader.ok()) return reader.status();
  uint64_t printed = 0;
  LogEntry e;
  for (;;) {
    auto more = (*reader)->next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
    const RecordView& r = e.record;
    if (!is_leaf_kind(r.kind)) continue;
    if (f.to_seq && r.seq > *f.to_seq) break;
    if (f.from_seq && r.seq < *f.from_seq) continue;
    if (f.since_ms && r.ts_ms < *f.since_ms) continue;
    if (f.until_ms && r.ts_ms >= *f.until_ms) continue;
    if (r.kind == RecordKind::kEvent) {
      if (!f.events || f.topic_pattern || f.type) continue;
      auto ev = event_to_json(r.body);
      nlohmann::json j = nlohmann::json::object();
      j["seq"] = r.seq;
      j["ts"] = format_rfc3339_ms(r.ts_ms);
      if (!ev.ok()) {
        if (f.sender) continue;
        j["event"] = nullptr;
        j["error"] = ev.status().message();
      } else {
        if (f.sender && !(ev->contains("who") && (*ev)["who"] == *f.sender)) continue;
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
    auto env = decode_envelope(r.body);
    if (!env.ok())
      return Status::Corruption("replay: seq " + std::to_string(r.seq) + " (" + e.segment + " offset " +
                                std::to_string(e.offset) + "): " + env.status().message());
    const EnvelopeHeader& h = env->header;
    if (f.sender && h.from != *f.sender) continue;
    if (f.topic_pattern && !pattern_matches(*f.topic_pattern, h.topic)) continue;
    if (f.type && !type_matches(*f.type, h.type)) continue;
    out(message_json(r, *env, bundle, identity));
    ++printed;
  }
  return printed;
}

}  // namespace relais
