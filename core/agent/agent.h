// The agent library: what relais-agent publish and subscribe do, usable by
// an agency's own programs too.
//
// AgentContext loads an agent configuration: the identity (mode 0600, else
// Status::Permission), the trust bundles (agent/bundle_store.h: the newest
// verified among the configured file and state_dir/bundles/, checked against
// the newest serial this agent has seen, else Status::Config), and the
// embedded schemas. Errors carry the exit code of the contract through
// Status::exit_code().
//
// Every call that talks to the broker first brings the bundle up to date:
// once connected it compares its serial with the broker's (WELCOME), and on
// every NOTICE bundle_serial; a newer bundle is fetched, verified against the
// pinned authority and stored; an older one is never taken. A fetched bundle
// that does not verify is reported through warn() and the held one stays.
//
// Bundle expiry: within 30 days of expires_at_ms a warning (warn()); once
// expired, sealing is refused with Status::Config (exit 2) asking for a new
// bundle.
//
// publish_document validates, checks content against topic and the bundle's
// location table (agent/location_rules.h), computes the readers from the
// policy, seals, signs, sends and waits for the broker's durable
// acknowledgement. The envelope is coherent with its document: a document
// carrying a case_ref gives the envelope its case_ref (a different one asked
// for is Status::Refused), and a referral sent without one gets a fresh
// random one. Expiry: the request's, else the policy's [expiry] for the
// versioned type, else kDefaultExpiryMs (agent/expires_in.h).
// receive_messages verifies, opens, validates and checks every delivery
// before handing it to the caller, NACKing failures: the sender must be
// allowed to publish that type on that topic under the bundle the envelope
// names, and the envelope's case_ref must be the document's. A message past
// its expiry is ACKed and reported with "status": "expired" (no body); a
// message whose id this agent already handed over (agent/received_ids.h) is
// ACKed and dropped. Every message carries "handling_meaning"
// (agent/handling_codes.h).
// Each delivery is checked against the bundle its envelope names (fetched
// from the broker when the agent lacks it), so that what a participant sent
// before its revocation or key rotation stays readable; the JSON then says
// so in "sender_status".
//
// Refusals name their cause: a participant missing from the held bundle (and
// the broker's newer serial), a handshake refused for this agent's own key
// (revoked, retired or absent in its newest bundle), no answer at all (the
// broker is down, or the broker key in the bundle is wrong), a session ended
// by a reload ("revoked").
// Single-threaded use.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agent/broker_client.h"
#include "agent/bundle_store.h"
#include "util/expires_in.h"
#include "config/agent_config.h"
#include "crypto/body_format.h"
#include "crypto/keys.h"
#include "net/protocol.h"
#include "policy/bundle.h"
#include "schema/registry.h"
#include "util/status.h"

namespace relais {

struct AgentContext {
  AgentConfig config;
  Identity identity;
  TrustBundle bundle;                  // the bundle in use (store->current())
  std::unique_ptr<BundleStore> store;
  std::optional<SchemaRegistry> schemas;
  uint64_t broker_serial = 0;          // the broker's serial, once a session said it
  // This participant's earlier identities (config.retired_identities, after
  // key rotations): a delivery sealed to one of their seal keys still opens.
  std::vector<Identity> retired;
  // Warnings for people (stored bundles ignored, expiry near, a fetched
  // bundle that did not verify). Default: kept in `warnings`.
  std::function<void(const std::string&)> warn;
  std::vector<std::string> warnings;
  // The newest NOTICE restored a session brought ([epoch, last_seq]): the
  // broker's log was restored from a backup and its records after last_seq
  // are lost. The agent service re-sends what it had sent in that range
  // (service/restore_resend.h) and clears it.
  std::optional<std::pair<uint64_t, uint64_t>> restored;

  void warning(const std::string& text);
};

// How long before expires_at_ms agents warn.
inline constexpr int64_t kBundleExpiryWarningMs = 30LL * 86400000;

Result<std::unique_ptr<AgentContext>> load_agent_context(const std::string& config_path);

struct PublishRequest {
  std::string topic;
  std::string type;        // document type name: "alert", "referral", ...
  std::string json_text;   // the document
  std::string urgency = "routine";  // immediate | urgent | routine
  std::string handling = "H2";      // H0..H3
  std::optional<std::string> case_ref;
  std::optional<std::string> in_reply_to;  // canonical UUID string
  // The message expires after this; nullopt: the policy's expiry for the
  // type, else kDefaultExpiryMs.
  std::optional<int64_t> ttl_ms;
  int64_t timeout_ms = 10000;
  // Resealing a queued document (the agent service's outbox): the message id
  // to use (a canonical UUIDv7; nullopt: a fresh one) and a fixed expiry (ms
  // since the epoch; overrides ttl_ms; one already past is Status::Invalid).
  // ts is always the time of sealing.
  std::optional<std::string> id;
  std::optional<int64_t> expires_ms;
  // Files sealed with the document (alert/2, referral/2, case-update/2 only:
  // a version 1 type is Status::Usage). The document's "attachments" list is
  // filled in from them (a list already there must describe them exactly).
  // The whole body is bounded by EnvelopeLimits::max_body (Status::Invalid
  // saying the size and the limit).
  std::vector<Attachment> attachments;
};

struct PublishResult {
  std::string id;   // canonical UUID
  uint64_t seq = 0;
  Bytes receipt;    // the broker's signed receipt (receipt/receipt.h)
  std::optional<std::string> case_ref;  // the envelope's (the document's, given, or fresh)
  int64_t expires_ms = 0;
};

// The case_ref the envelope of `doc` (of type `type`) carries: the
// document's own case_ref when it has one (Status::Refused when `given`
// differs), else `given`, else for a referral a fresh random one
// ("c-" and 16 hex digits), else none.
Result<std::optional<std::string>> envelope_case_ref(DocType type, const nlohmann::json& doc,
                                                     const std::optional<std::string>& given);

// Checks, seals and signs a document without sending it (Status::Invalid for
// a bad document, Status::Refused when the policy forbids it).
Result<Bytes> prepare_envelope(const AgentContext& ctx, const PublishRequest& req);
Result<PublishResult> publish_document(AgentContext& ctx, const PublishRequest& req);

struct SubscribeRequest {
  std::string pattern;        // empty with mailbox
  bool mailbox = false;       // attach this participant's mailbox (durable "@mailbox")
  bool take_over = false;     // take over the mailbox or durable name from another session
  std::string from = "new";   // first | new | SEQ | RFC 3339 time
  std::string durable;
  int64_t count = -1;         // stop after this many messages; -1: until the timeout
  int64_t timeout_ms = 30000;
  // Called once, when the broker has accepted the subscription (SUBOK): from
  // then on every message published on a matching topic reaches this
  // subscriber. relais-agent prints "relais-agent: subscribed to PATTERN" on
  // stderr there, which scripts and tests wait for before publishing.
  std::function<void()> on_subscribed;
  // Notes for people about messages settled without being handed over (a
  // duplicate id dropped). Default: none.
  std::function<void(const std::string&)> on_note;
  // Called with a message's checked files (body format 2) before on_message,
  // when it has any. A failure stops receive_messages with it, the message
  // unacknowledged (the broker delivers it again), so that no file is lost.
  // Default: the files are dropped (on_message still lists them).
  std::function<Status(const std::string& id, const std::vector<Attachment>& files)> on_attachments;
};

// Deletes the participant's durable subscription `name` on the broker, with
// its cursor: what it had not read is no longer kept for it.
Status remove_durable_subscription(AgentContext& ctx, const std::string& name, int64_t timeout_ms);

// Receives messages; for each valid one calls on_message with the JSON
// object printed by `subscribe` (seq, id, topic, type, from, ts, urgency,
// case_ref, handling, in_reply_to, handling_meaning, body, and
// "sender_status" when the sender's key has since been revoked, retired or
// removed) and acks it after the callback returns. An expired one is passed
// to on_message too, with "status": "expired" and no body, ACKed and not
// counted. Invalid ones go to on_rejected(reason) and are NACKed. Returns
// the number delivered, or Status::Refused when the broker refuses the
// subscription: "another process holds this mailbox" when the name is held
// (durable_in_use), and Status::Usage (exit 2) when a start position was
// given for a durable name that exists (the broker says where its cursor is).
Result<int64_t> receive_messages(AgentContext& ctx, const SubscribeRequest& req,
                                 const std::function<void(const nlohmann::ordered_json&)>& on_message,
                                 const std::function<void(const std::string&)>& on_rejected);

// Checks one delivered envelope as a recipient does and returns its JSON view
// (Status::Invalid with the reason otherwise), against the bundle its
// envelope names when the agent holds it (else the one in use). Exposed for
// the auditor/tests.
Result<nlohmann::ordered_json> open_delivery(const AgentContext& ctx, ByteView envelope, uint64_t seq);

// ---- One long session (the agent service keeps one BrokerClient).
// A client for ctx's participant and broker, not connected.
std::unique_ptr<BrokerClient> make_broker_client(const AgentContext& ctx);
// Connects, takes the broker's bundle when newer, and checks this agent's
// own card in it; failures in words (as publish reports them).
Status open_broker_session(AgentContext& ctx, BrokerClient& client, int64_t deadline_ms);
// Takes the newer bundles NOTICEs announced since the last call (a failure
// is a warning; the held bundle stays).
void follow_bundle_notices(AgentContext& ctx, BrokerClient& client, int64_t deadline_ms);
// A broker refusal in words (a session ended by a reload says "revoked").
Status describe_broker_refusal(const BrokerClient& client, const Status& s);

// One delivery checked and opened as receive_messages does it: `message` is
// the JSON object `subscribe` prints (with "status": "expired" and no body
// when expired). A delivery that fails is Status::Invalid with the reason,
// and *nack_code says which NACK code a reader sends for it.
struct OpenedDelivery {
  std::string id;  // canonical UUID
  bool expired = false;
  int64_t ts_ms = 0;       // the envelope's
  int64_t expires_ms = 0;  // the envelope's
  nlohmann::ordered_json message;
  // The files of a body in format 2, each checked against the size and hash
  // the document lists ("body"."attachments" in `message` holds only that
  // list). Sensitive like the body.
  std::vector<Attachment> attachments;
};
Result<OpenedDelivery> open_received(AgentContext& ctx, BrokerClient& client, const Delivery& delivery,
                                     int64_t deadline_ms, ErrorCode* nack_code);

// `relais-agent bundle`: the serial held and the broker's, after fetching a
// newer one. state: "current" (same serial), "behind" (the broker's is newer
// and could not be taken), "ahead" (the broker's is older), "unreachable"
// (no session; broker_serial 0). verify_failed: a fetched bundle did not
// verify against the pinned authority (exit 1).
struct BundleStatus {
  uint64_t held = 0;
  uint64_t broker = 0;
  std::string state;
  bool verify_failed = false;
  std::string detail;  // why unreachable or behind, for stderr
};
BundleStatus bundle_status(AgentContext& ctx, int64_t timeout_ms);

}  // namespace relais
