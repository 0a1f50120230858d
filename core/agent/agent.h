// The agent library: what relais-agent publish and subscribe do, usable by
// an agency's own programs too.
//
// AgentContext loads an agent configuration: the identity (mode 0600, else
// Status::Permission), the trust bundle checked against the pinned authority
// key and against the newest serial this agent has seen (else
// Status::Config), and the embedded schemas. Errors carry the exit code of
// the contract through Status::exit_code().
//
// publish_document validates, checks content against topic, computes the
// readers from the policy, seals, signs, sends and waits for the broker's
// durable acknowledgement. receive_messages verifies, opens, validates and
// checks every delivery before handing it to the caller, NACKing failures.
// Single-threaded use.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/agent_config.h"
#include "crypto/keys.h"
#include "net/protocol.h"
#include "policy/bundle.h"
#include "schema/registry.h"
#include "util/status.h"

namespace relais {

struct AgentContext {
  AgentConfig config;
  Identity identity;
  TrustBundle bundle;
  std::optional<SchemaRegistry> schemas;
};

Result<std::unique_ptr<AgentContext>> load_agent_context(const std::string& config_path);

struct PublishRequest {
  std::string topic;
  std::string type;        // document type name: "alert", "referral", ...
  std::string json_text;   // the document
  std::string urgency = "routine";  // immediate | urgent | routine
  std::string handling = "H2";      // H0..H3
  std::optional<std::string> case_ref;
  std::optional<std::string> in_reply_to;  // canonical UUID string
  int64_t ttl_ms = 30ll * 86400000;        // the message expires after this
  int64_t timeout_ms = 10000;
};

struct PublishResult {
  std::string id;   // canonical UUID
  uint64_t seq = 0;
  Bytes receipt;    // the broker's signed receipt (receipt/receipt.h)
};

// Checks, seals and signs a document without sending it (Status::Invalid for
// a bad document, Status::Refused when the policy forbids it).
Result<Bytes> prepare_envelope(const AgentContext& ctx, const PublishRequest& req);
Result<PublishResult> publish_document(const AgentContext& ctx, const PublishRequest& req);

struct SubscribeRequest {
  std::string pattern;
  std::string from = "new";   // first | new | SEQ | RFC 3339 time
  std::string durable;
  int64_t count = -1;         // stop after this many messages; -1: until the timeout
  int64_t timeout_ms = 30000;
  // Called once, when the broker has accepted the subscription (SUBOK): from
  // then on every message published on a matching topic reaches this
  // subscriber. relais-agent prints "relais-agent: subscribed to PATTERN" on
  // stderr there, which scripts and tests wait for before publishing.
  std::function<void()> on_subscribed;
};

// Receives messages; for each valid one calls on_message with the JSON
// object printed by `subscribe` (seq, id, topic, type, from, ts, urgency,
// case_ref, body, ...) and acks it after the callback returns. Invalid ones
// go to on_rejected(reason) and are NACKed. Returns the number delivered, or
// Deletes the participant's durable subscription `name` on the broker, with
// its cursor: what it had not read is no longer kept for it.
Status remove_durable_subscription(const AgentContext& ctx, const std::string& name, int64_t timeout_ms);

// Status::Refused when the broker refuses the subscription.
Result<int64_t> receive_messages(const AgentContext& ctx, const SubscribeRequest& req,
                                 const std::function<void(const nlohmann::ordered_json&)>& on_message,
                                 const std::function<void(const std::string&)>& on_rejected);

// Checks one delivered envelope as a recipient does and returns its JSON view
// (Status::Invalid with the reason otherwise). Exposed for the auditor/tests.
Result<nlohmann::ordered_json> open_delivery(const AgentContext& ctx, ByteView envelope, uint64_t seq);

}  // namespace relais
