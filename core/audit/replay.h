// replay: the log's messages (and, on request, its events) as JSON lines,
// filtered, for an auditor (docs/design.md §The log and audit, docs/audit.md).
//
// A message prints as the agent's `subscribe` prints it:
//   {"seq","id","topic","type","from","ts","urgency","case_ref","handling",
//    "in_reply_to","body"}
// where "type" is the document type name ("alert"), "ts" the sender's time
// (RFC 3339 UTC ms) and "body" appears only when the auditor's identity is
// among the readers and the body opens. Auditor-only fields follow: "logged"
// (the broker's time), "to" (the reader names), "signature" ("valid", or why
// not) and, when a body could not be opened for a reader, "body_error".
// An event prints as {"seq","ts","event":KIND,<its fields>}; an event field
// named "seq" (nack, dead_letter: the message concerned) prints as "message_seq".
//
// Events print in audit/event_view.h's readable form (delivery and ack items
// with named fields).
//
// Each message is checked against the bundle its envelope names, as verify
// does (audit/bundle_history.h): "signature" is "valid", "INVALID", "unknown
// sender", "unknown bundle" or "revoked key".
//
// Filters (all optional, combined with AND): since/until on the broker's
// time (until exclusive), from_seq/to_seq (inclusive), topic pattern (NATS
// syntax), sender name, document type ("alert" or "alert/1"). Events pass the
// time and seq filters and, with a sender filter, only when their "who" is
// that sender; the topic and type filters drop events.
//
// case_ref selects one case: the messages whose case_ref is REF, the
// messages they answer and the messages answering them (in_reply_to, both
// ways, however long the chain), and the events about those messages (their
// deliveries, acks, nacks and dead letters; delivery and ack events keep only
// the case's items), whether or not `events` is set. It takes a few passes
// over the log when a chain reaches back to messages without the case_ref.
//
// Not thread-safe per call (one scan per call); no shared state.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "audit/bundle_history.h"
#include "crypto/keys.h"
#include "policy/bundle.h"
#include "util/status.h"

namespace relais {

struct ReplayFilter {
  std::optional<int64_t> since_ms, until_ms;
  std::optional<uint64_t> from_seq, to_seq;
  std::optional<std::string> topic_pattern, sender, type, case_ref;
  bool events = false;
};

// Checks the filter (a bad topic pattern or type is Status::Usage).
Status validate_filter(const ReplayFilter& filter);

// Scans DATA and calls out() for each selected record, in log order.
// identity (may be null) is the auditor's own key, used to open bodies.
// A damaged log ends the scan with Status::Corruption naming segment and
// offset (records before the damage have already been passed to out(),
// except with case_ref, which prints only once the case is complete).
// Returns the number of records printed.
Result<uint64_t> replay_log(const std::string& data_dir, const AuditTrust& trust, const ReplayFilter& filter,
                            const Identity* identity, const std::function<void(const nlohmann::json&)>& out);

}  // namespace relais
