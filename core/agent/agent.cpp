#include "agent/agent.h"

#include <algorithm>
#include <sodium.h>

#include "agent/broker_client.h"
#include "agent/content_rules.h"
#include "agent/handling_codes.h"
#include "agent/location_rules.h"
#include "agent/received_ids.h"
#include "crypto/body_format.h"
#include "crypto/envelope.h"
#include "crypto/envelope_json.h"
#include "policy/serial_state.h"
#include "policy/topic.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/json_msgpack.h"
#include "util/size_text.h"
#include "util/wipe.h"

namespace relais {
namespace {

std::string join_errors(const std::vector<ValidationError>& errors) {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e.to_string();
  return out;
}

bool one_of(const std::string& v, std::initializer_list<const char*> options) {
  return std::any_of(options.begin(), options.end(), [&](const char* o) { return v == o; });
}

// A participant the topic names (its tokens from the second on, joined: the
// policy's "{1..}", e.g. referral.ngo.x names ngo.x) that b does not list.
std::optional<std::string> participant_named_by(const std::string& topic, const TrustBundle& b) {
  for (size_t dot = topic.find('.'); dot != std::string::npos; dot = topic.find('.', dot + 1)) {
    const std::string tail = topic.substr(dot + 1);
    if (tail.find('.') == std::string::npos) break;  // names have a dot: role.place
    if (is_valid_participant_name(tail) && b.find(tail) == nullptr) return tail;
  }
  return std::nullopt;
}

}  // namespace

void AgentContext::warning(const std::string& text) {
  if (warn)
    warn(text);
  else
    warnings.push_back(text);
}

namespace {

std::string serial_text(uint64_t serial) { return "serial " + std::to_string(serial); }

// Plain words about this agent's own card in b: empty when it may work.
Status self_standing(const AgentContext& ctx, const TrustBundle& b) {
  const std::string& name = ctx.identity.card.name;
  const std::string held = "your bundle (" + serial_text(b.serial) + ")";
  if (auto k = b.find_by_sign_key(ctx.identity.card.sign_pk)) {
    if (k->state == KeyMatch::State::kRevoked)
      return Status::Refused("agent: " + name + " is revoked in " + held + " since " + serial_text(k->since_serial) +
                             ": the broker refuses this key; ask the commission");
    if (k->state == KeyMatch::State::kRetired)
      return Status::Config("agent: the key " + ctx.config.identity + " was replaced by a new key for " +
                            k->card->name + " at " + serial_text(k->since_serial) + " (" + held +
                            "): configure the new key file as identity");
    if (k->card->name != name)
      return Status::Config("agent: the key " + ctx.config.identity + " is " + k->card->name + "'s in " + held +
                            ", not " + name + "'s");
    return Status::Ok();
  }
  if (const PublicCard* me = b.find(name); me != nullptr)
    return Status::Config("agent: the key " + ctx.config.identity + " does not match " + name + "'s card in " + held +
                          ": the commission may have rotated it; configure the key it was issued for");
  return Status::Config("agent: " + name + " is not in " + held +
                        (ctx.broker_serial > b.serial ? "; the broker has " + serial_text(ctx.broker_serial) : "") +
                        ": ask the commission to add your card");
}

void check_expiry(AgentContext& ctx) {
  const int64_t now = now_ms();
  const TrustBundle& b = ctx.bundle;
  if (b.expired(now) || b.expires_at_ms - now > kBundleExpiryWarningMs) return;
  const int64_t days = (b.expires_at_ms - now) / 86400000;
  ctx.warning("the trust bundle (" + serial_text(b.serial) + ") expires on " + format_rfc3339_ms(b.expires_at_ms) +
              ", in " + std::to_string(days) + (days == 1 ? " day" : " days") +
              ": ask the commission for a new bundle");
}

Status expired_status(const TrustBundle& b) {
  return Status::Config("the trust bundle (" + serial_text(b.serial) + ") expired on " +
                        format_rfc3339_ms(b.expires_at_ms) + ": ask the commission for a new bundle");
}

// Takes a bundle the store accepted as the one in use.
Status use_bundle(AgentContext& ctx, const TrustBundle& b) {
  if (!ctx.config.state_dir.empty()) {
    Status s = check_and_record_serial(ctx.config.state_dir + "/bundle.serial", b.serial,
                                       ctx.store->folder() + "/" + std::to_string(b.serial) + ".bundle");
    if (!s.ok()) return Status::Config(s.message());
  }
  ctx.bundle = b;
  check_expiry(ctx);
  return Status::Ok();
}

// Fetches and takes the broker's bundle when it is newer than the held one.
// Status::Invalid when the fetched bundle does not verify (the held one
// stays); other failures (Refused, Timeout) leave the held one too.
Status catch_up(AgentContext& ctx, BrokerClient& client, int64_t deadline_ms) {
  const uint64_t broker = client.broker_bundle_serial();
  if (broker > ctx.broker_serial) ctx.broker_serial = broker;
  if (broker <= ctx.bundle.serial) return Status::Ok();
  auto file = client.fetch_bundle(broker, deadline_ms);
  if (!file.ok())
    return Status(file.status().code(), "agent: cannot fetch the broker's bundle (" + serial_text(broker) +
                                            "): " + file.status().message());
  auto b = ctx.store->accept(*file, "the broker's bundle " + serial_text(broker));
  if (!b.ok()) return Status::Invalid("agent: " + b.status().message());
  RELAIS_RETURN_IF_ERROR(use_bundle(ctx, **b));
  client.set_bundle_serial(ctx.bundle.serial);
  return Status::Ok();
}

// Catches up after every NOTICE bundle_serial received so far; notes the
// newest NOTICE restored in ctx.restored.
void follow_notices(AgentContext& ctx, BrokerClient& client, int64_t deadline_ms) {
  bool newer = false;
  while (auto n = client.poll_notice()) {
    if (n->kind == kNoticeBundleSerial && !n->values.empty() && n->values[0] > ctx.bundle.serial) newer = true;
    if (n->kind == kNoticeRestored && n->values.size() >= 2) ctx.restored = std::pair{n->values[0], n->values[1]};
  }
  if (!newer) return;
  if (Status s = catch_up(ctx, client, deadline_ms); !s.ok()) ctx.warning(s.message());
}

// A connect() failure in words naming its likely cause.
Status connect_failure(const AgentContext& ctx, const BrokerClient& client, const Status& s) {
  if (s.code() == Code::kTimeout)
    return Status::Timeout(s.message() + "; a broker key in your bundle (" + serial_text(ctx.bundle.serial) +
                           ") that is not the broker's also gets no answer");
  if (s.code() == Code::kRefused && !client.last_error_code()) {
    // ZAP refused the handshake: libzmq says no more. Our newest bundle may.
    Status own = self_standing(ctx, ctx.bundle);
    if (!own.ok()) return Status::Refused("the broker refused this agent's key: " + own.message());
    return Status::Refused("the broker refused this agent's key, which your bundle (" + serial_text(ctx.bundle.serial) +
                           ") lists: the broker may hold a newer bundle that revoked or removed it; ask the "
                           "commission");
  }
  return s;
}

// A broker ERROR in words: a session a reload ended says "revoked".
Status broker_refusal(const BrokerClient& client, const Status& s) {
  if (client.last_error_code() == ErrorCode::kRevoked)
    return Status::Refused("revoked: the broker ended this session (" + s.message() +
                           "): this agent's key is no longer valid; ask the commission");
  return s;
}

std::unique_ptr<BrokerClient> make_client(const AgentContext& ctx) {
  auto c = std::make_unique<BrokerClient>(ctx.config.broker, ctx.identity, ctx.bundle.broker()->link_pk,
                                          ctx.bundle.serial, ctx.config.heartbeat_ms);
  return c;
}

// Connects, catches up with the broker's bundle, and checks this agent's own
// card in the result.
Status open_session(AgentContext& ctx, BrokerClient& client, int64_t deadline_ms) {
  if (Status s = client.connect(deadline_ms); !s.ok()) return connect_failure(ctx, client, s);
  if (Status s = catch_up(ctx, client, deadline_ms); !s.ok()) ctx.warning(s.message());
  return self_standing(ctx, ctx.bundle);
}

}  // namespace

Result<std::unique_ptr<AgentContext>> load_agent_context(const std::string& config_path) {
  auto config = load_agent_config(config_path);
  if (!config.ok()) return config.status();
  auto ctx = std::make_unique<AgentContext>();
  ctx->config = std::move(config).value();
  auto id = load_identity(ctx->config.identity);
  if (!id.ok()) return id.status();
  ctx->identity = std::move(id).value();
  for (const auto& path : ctx->config.retired_identities) {
    auto old = load_identity(path);
    if (!old.ok())
      return Status(old.status().code(), "agent: retired_identities: " + old.status().message());
    if (old->card.name != ctx->identity.card.name)
      return Status::Config("agent: retired_identities: " + path + " is " + old->card.name + "'s key, not " +
                            ctx->identity.card.name + "'s: list only earlier keys of this participant");
    ctx->retired.push_back(std::move(old).value());
  }
  if (!ctx->config.state_dir.empty()) RELAIS_RETURN_IF_ERROR(make_dirs(ctx->config.state_dir, 0700));
  ctx->store = std::make_unique<BundleStore>(ctx->config.state_dir, ctx->config.authority_key);
  RELAIS_RETURN_IF_ERROR(ctx->store->open(ctx->config.bundle));
  for (const auto& w : ctx->store->warnings()) ctx->warning(w);
  ctx->bundle = ctx->store->current();
  if (ctx->bundle.broker() == nullptr) return Status::Config("agent: the bundle has no broker card");
  RELAIS_RETURN_IF_ERROR(use_bundle(*ctx, ctx->bundle));
  // This agent's own card is checked once a session had the chance to bring
  // a newer bundle (open_session); a revocation the held bundle already
  // states needs no broker to be refused.
  if (Status own = self_standing(*ctx, ctx->bundle); own.code() == Code::kRefused) return own;
  auto schemas = SchemaRegistry::load_builtin();
  if (!schemas.ok()) return schemas.status();
  ctx->schemas.emplace(std::move(schemas).value());
  return ctx;
}

Result<std::optional<std::string>> envelope_case_ref(DocType type, const nlohmann::json& doc,
                                                     const std::optional<std::string>& given) {
  if (doc.is_object()) {
    auto it = doc.find("case_ref");
    if (it != doc.end() && it->is_string()) {
      const std::string own = it->get<std::string>();
      if (given && *given != own)
        return Status::Refused("--case-ref differs from the case_ref of the document: leave --case-ref out (the "
                               "envelope then carries the document's) or make them the same");
      return std::optional<std::string>(own);
    }
  }
  if (given) return given;
  if (doc_type_family(type) == DocType::kReferral) {
    uint8_t raw[8];
    randombytes_buf(raw, sizeof raw);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string ref = "c-";
    for (uint8_t b : raw) {
      ref += kHex[b >> 4];
      ref += kHex[b & 15];
    }
    return std::optional<std::string>(ref);
  }
  return std::optional<std::string>();
}

namespace {

// The checks of a document before sealing: Status::Invalid, Usage, Refused.
struct CheckedDocument {
  DocType type{};
  Bytes body;
  nlohmann::json doc;
};

// The document (msgpack) with its "attachments" list for `files`: added when
// the document has none, checked against the files when it has one.
Result<Bytes> attach_files(ByteView document, const std::vector<Attachment>& files) {
  for (const Attachment& f : files) RELAIS_RETURN_IF_ERROR(check_attachment_name(f.name));
  if (files.size() > kMaxAttachments)
    return Status::Usage("at most " + std::to_string(kMaxAttachments) + " files can be attached to one message, not " +
                         std::to_string(files.size()));
  auto doc = msgpack_to_json(document);
  if (!doc.ok()) return doc.status();
  if (!doc->is_object()) return Bytes(document.begin(), document.end());  // the validator says why
  const nlohmann::json list = attachment_list(files);
  if (auto it = doc->find("attachments"); it != doc->end()) {
    if (*it != list)
      return Status::Invalid(files.empty()
                                 ? "the document lists attachments but no file is attached: give each file with "
                                   "--attach, or remove the list (it is filled in from the files)"
                                 : "the document's list of attachments does not describe the files attached: remove "
                                   "the list (it is filled in from the files)");
    return Bytes(document.begin(), document.end());
  }
  if (files.empty()) return Bytes(document.begin(), document.end());
  (*doc)["attachments"] = list;
  return json_to_msgpack(doc->dump());
}

Result<CheckedDocument> check_document(const AgentContext& ctx, const PublishRequest& req) {
  CheckedDocument out;
  auto type = parse_doc_type(req.type);
  if (!type.ok()) return type.status();
  out.type = *type;
  if (!one_of(req.urgency, {"immediate", "urgent", "routine"}))
    return Status::Usage("--urgency must be immediate, urgent or routine");
  if (!one_of(req.handling, {"H0", "H1", "H2", "H3"})) return Status::Usage("--handling must be H0, H1, H2 or H3");
  if (Status s = validate_topic(req.topic); !s.ok()) return Status::Usage(s.message());
  auto body = json_to_msgpack(req.json_text);
  if (!body.ok()) return body.status();
  const bool with_files = doc_type_body_format(*type) == 2;
  if (!with_files && !req.attachments.empty())
    return Status::Usage(std::string(doc_type_versioned(*type)) + " cannot carry attachments: send it as " +
                         std::string(doc_type_name(*type)) + " (its newest version), or leave out --attach");
  if (with_files) {
    auto listed = attach_files(*body, req.attachments);
    if (!listed.ok()) return listed.status();
    body = std::move(listed);
  }
  if (auto errors = ctx.schemas->validate(*type, *body); !errors.empty())
    return Status::Invalid("document is not a valid " + req.type + ":\n" + join_errors(errors));
  auto doc = msgpack_to_json(*body);
  if (!doc.ok()) return doc.status();
  RELAIS_RETURN_IF_ERROR(check_content_matches_topic(*type, req.topic, *doc));
  RELAIS_RETURN_IF_ERROR(check_topic_locations(req.topic, ctx.bundle.locations));
  RELAIS_RETURN_IF_ERROR(check_document_locations(*type, *doc, ctx.bundle.locations, now_ms()));
  if (with_files) {
    auto whole = encode_body_v2(*body, req.attachments);
    if (!whole.ok()) return whole.status();
    body = std::move(whole);
  }
  if (const size_t limit = EnvelopeLimits{}.max_body; body->size() > limit)
    return Status::Invalid("the message is " + size_in_words(body->size()) + " with its attachments; at most " +
                           size_in_words(limit) + " can be sent: send the files in several messages, or make them "
                           "smaller");
  out.body = std::move(body).value();
  out.doc = std::move(doc).value();
  return out;
}

}  // namespace

Result<Bytes> prepare_envelope(const AgentContext& ctx, const PublishRequest& req) {
  auto checked = check_document(ctx, req);
  if (!checked.ok()) return checked.status();
  const DocType* type = &checked->type;
  const Bytes* body = &checked->body;
  auto case_ref = envelope_case_ref(*type, checked->doc, req.case_ref);
  if (!case_ref.ok()) return case_ref.status();
  if (ctx.bundle.expired(now_ms())) return expired_status(ctx.bundle);
  const PublicCard& me = ctx.identity.card;
  const Policy& policy = ctx.bundle.policy;
  const std::string broker_newer =
      ctx.broker_serial > ctx.bundle.serial ? "; the broker has " + serial_text(ctx.broker_serial) : "";
  if (!policy.may_publish(me, req.topic))
    return Status::Refused(me.name + " may not publish on " + req.topic + " (policy of your bundle, " +
                           serial_text(ctx.bundle.serial) + ")" + broker_newer);
  const std::string versioned(doc_type_versioned(*type));
  if (!policy.type_allowed(req.topic, versioned))
    return Status::Refused("type " + versioned + " is not allowed on " + req.topic + " (policy of your bundle, " +
                           serial_text(ctx.bundle.serial) + ")" + broker_newer);
  std::vector<std::string> readers = policy.readers(req.topic, ctx.bundle.participants);
  if (readers.empty()) {
    if (auto missing = participant_named_by(req.topic, ctx.bundle))
      return Status::Refused(*missing + " is not in your bundle (" + serial_text(ctx.bundle.serial) + ")" +
                             (broker_newer.empty() ? ": ask the commission whether it was added" : broker_newer) +
                             "; nobody may read " + req.topic + ": refusing to send");
    return Status::Refused("nobody may read " + req.topic + " under your bundle (" + serial_text(ctx.bundle.serial) +
                           ")" + broker_newer + ": refusing to send");
  }
  SealParams p;
  p.from = me.name;
  p.topic = req.topic;
  p.type = versioned;
  p.urgency = req.urgency;
  p.handling = req.handling;
  p.case_ref = *case_ref;
  if (req.in_reply_to) {
    auto r = uuid_from_string(*req.in_reply_to);
    if (!r.ok()) return Status::Usage("--in-reply-to: " + r.status().message());
    p.in_reply_to = *r;
  }
  p.bundle_serial = ctx.bundle.serial;
  p.ts_ms = now_ms();
  int64_t ttl = kDefaultExpiryMs;
  if (req.ttl_ms) {
    ttl = *req.ttl_ms;
  } else if (auto it = policy.expiry_ms().find(versioned); it != policy.expiry_ms().end()) {
    ttl = it->second;
  }
  p.expires_ms = p.ts_ms + ttl;
  if (req.expires_ms) {
    if (*req.expires_ms <= p.ts_ms)
      return Status::Invalid("the message expired on " + format_rfc3339_ms(*req.expires_ms) +
                             " before it could be sent");
    p.expires_ms = *req.expires_ms;
  }
  if (req.id) {
    auto id = uuid_from_string(*req.id);
    if (!id.ok() || !is_uuid_v7(*id)) return Status::Invalid("agent: the message id " + *req.id + " is not a UUIDv7");
    p.id = *id;
  }
  for (const auto& name : readers) {
    const PublicCard* c = ctx.bundle.find(name);
    if (c == nullptr) return Status::Invalid("agent: reader " + name + " has no card");
    p.readers.emplace_back(name, c->seal_pk);
  }
  return seal_envelope(p, *body, ctx.identity.sign_sk);
}

Result<PublishResult> publish_document(AgentContext& ctx, const PublishRequest& request) {
  // The case_ref is settled once (a fresh one must not change on the second
  // preparation), and a document that cannot be sent under any bundle fails
  // before connecting.
  PublishRequest req = request;
  {
    auto checked = check_document(ctx, req);
    if (!checked.ok()) return checked.status();
    auto case_ref = envelope_case_ref(checked->type, checked->doc, req.case_ref);
    if (!case_ref.ok()) return case_ref.status();
    req.case_ref = *case_ref;
  }
  if (auto env = prepare_envelope(ctx, req); !env.ok() && env.status().code() != Code::kRefused &&
                                             env.status().code() != Code::kConfig)
    return env.status();
  const int64_t deadline = monotonic_ms() + req.timeout_ms;
  auto client = make_client(ctx);
  RELAIS_RETURN_IF_ERROR(open_session(ctx, *client, deadline));
  auto env = prepare_envelope(ctx, req);
  if (!env.ok()) {
    client->close();
    return env.status();
  }
  auto decoded = decode_envelope(*env);
  if (!decoded.ok()) return decoded.status();
  auto ack = client->publish(*env, deadline);
  if (!ack.ok()) {
    Status s = broker_refusal(*client, ack.status());
    client->close();
    return s;
  }
  follow_notices(ctx, *client, deadline);
  client->close();
  PublishResult r;
  r.id = uuid_to_string(decoded->header.id);
  r.seq = ack->seq;
  r.receipt = ack->receipt;
  r.case_ref = decoded->header.case_ref;
  r.expires_ms = decoded->header.expires_ms;
  return r;
}

namespace {

// A refusal with the NACK code a reader sends for it.
Status refuse(ErrorCode* code, ErrorCode c, Status s) {
  if (code != nullptr) *code = c;
  return s;
}

// The routing header as `subscribe` prints it, with the handling code's meaning.
nlohmann::ordered_json header_view(const EnvelopeHeader& h, uint64_t seq, std::string_view type_name) {
  auto out = header_json<nlohmann::ordered_json>(h, seq, type_name);
  out["handling_meaning"] = std::string(handling_meaning(h.handling));
  return out;
}

// Opens, validates and checks a delivery whose signature has been verified.
// The files of a format-2 body go to *files when given (else are dropped
// once checked).
Result<nlohmann::ordered_json> open_checked(const AgentContext& ctx, const Envelope& env, uint64_t seq,
                                            const std::string& sender_status, ErrorCode* code,
                                            std::vector<Attachment>* files) {
  const EnvelopeHeader& h = env.header;
  const PublicCard& me = ctx.identity.card;
  auto body = open_envelope(env, me.name, me.seal_pk, ctx.identity.seal_sk);
  // Sealed before a key rotation: to one of this participant's earlier keys.
  for (size_t i = 0; !body.ok() && i < ctx.retired.size(); ++i) {
    auto earlier = open_envelope(env, me.name, ctx.retired[i].card.seal_pk, ctx.retired[i].seal_sk);
    if (earlier.ok()) body = std::move(earlier);
  }
  if (!body.ok()) return refuse(code, ErrorCode::kMalformed, body.status());
  WipeOnExit wipe_body(*body);  // the decrypted document, wiped on every way out (util/wipe.h)
  auto type = parse_versioned_type(h.type);
  if (!type.ok()) return refuse(code, ErrorCode::kMalformed, type.status());
  // Body format 2: the document and its files (crypto/body_format.h).
  BodyParts parts;
  WipeOnExit wipe_document(parts.document);
  const bool with_files = doc_type_body_format(*type) == 2;
  if (with_files) {
    auto split = decode_body_v2(*body);
    if (!split.ok()) return refuse(code, ErrorCode::kMalformed, split.status());
    parts = std::move(split).value();
  }
  const Bytes& document = with_files ? parts.document : *body;
  if (auto errors = ctx.schemas->validate(*type, document); !errors.empty())
    return refuse(code, ErrorCode::kMalformed,
                  Status::Invalid("document is not a valid " + std::string(doc_type_name(*type)) + ": " +
                                  join_errors(errors)));
  auto doc = msgpack_to_json(document);
  if (!doc.ok()) return refuse(code, ErrorCode::kMalformed, doc.status());
  // Every listed file checked against its size and hash: a mismatch is tampering.
  auto matched = match_attachments(*doc, std::move(parts.files));
  if (!matched.ok()) return refuse(code, ErrorCode::kMalformed, matched.status());
  if (files != nullptr) *files = std::move(matched).value();
  if (Status s = check_content_matches_topic(*type, h.topic, *doc); !s.ok())
    return refuse(code, ErrorCode::kMalformed, s);
  if (auto it = doc->find("case_ref"); it != doc->end() && it->is_string() &&
                                       (!h.case_ref || *h.case_ref != it->get<std::string>()))
    return refuse(code, ErrorCode::kMalformed,
                  Status::Invalid("the envelope's case_ref is not the case_ref of the document it carries"));
  // Field order as documented for `subscribe`; the body keeps its own keys.
  auto out = header_view(h, seq, doc_type_name(*type));
  if (!sender_status.empty()) out["sender_status"] = sender_status;
  std::string text = doc->dump();
  WipeOnExit wipe_text(text);
  out["body"] = nlohmann::ordered_json::parse(text);
  return out;
}

// The delivery checked against `named` (the bundle its envelope names, or
// the one in use when the agent has no other): the sender's card and
// signature, and that the policy let it publish that type on that topic.
// With `expired`, the body is not opened: the header with "status":
// "expired".
Result<nlohmann::ordered_json> open_with(const AgentContext& ctx, const Envelope& env, const TrustBundle& named,
                                         uint64_t seq, bool expired = false, ErrorCode* code = nullptr,
                                         std::vector<Attachment>* files = nullptr) {
  const EnvelopeHeader& h = env.header;
  const PublicCard* sender = named.find(h.from);
  if (sender == nullptr || sender->role == Role::kBroker)
    return refuse(code, ErrorCode::kUnknownKey,
                  Status::Invalid("sender " + h.from + " is not in the bundle of " + serial_text(named.serial)));
  if (sender->revoked)
    return refuse(code, ErrorCode::kUnknownKey,
                  Status::Invalid("sender " + h.from + " is revoked in the bundle of " + serial_text(named.serial)));
  if (Status s = verify_envelope(env, sender->sign_pk); !s.ok()) return refuse(code, ErrorCode::kBadSignature, s);
  if (!named.policy.may_publish(*sender, h.topic))
    return refuse(code, ErrorCode::kForbidden,
                  Status::Invalid("policy: " + h.from + " may not publish on " + h.topic + " under the bundle of " +
                                  serial_text(named.serial) + " that the message names"));
  if (!named.policy.type_allowed(h.topic, h.type))
    return refuse(code, ErrorCode::kTypeNotAllowed,
                  Status::Invalid("policy: type " + h.type + " is not allowed on " + h.topic + " under the bundle of " +
                                  serial_text(named.serial) + " that the message names"));
  // Sent while the key was valid; say whether it still is.
  std::string sender_status;
  if (named.serial != ctx.bundle.serial) {
    auto k = ctx.bundle.find_by_sign_key(sender->sign_pk);
    if (!k)
      sender_status = "removed since " + serial_text(ctx.bundle.serial);
    else if (k->state == KeyMatch::State::kRevoked)
      sender_status = "revoked since " + serial_text(k->since_serial);
    else if (k->state == KeyMatch::State::kRetired)
      sender_status = "key retired since " + serial_text(k->since_serial);
  }
  if (expired) {
    auto type = parse_versioned_type(h.type);
    auto out = header_view(h, seq, type.ok() ? doc_type_name(*type) : std::string_view(h.type));
    out["status"] = "expired";
    out["expired_at"] = format_rfc3339_ms(h.expires_ms);
    if (!sender_status.empty()) out["sender_status"] = sender_status;
    return out;
  }
  return open_checked(ctx, env, seq, sender_status, code, files);
}

// The bundle a delivery names: held, else fetched from the broker (kept, not
// used); a newer one than held is taken. Falls back to the one in use.
const TrustBundle& bundle_for(AgentContext& ctx, BrokerClient& client, uint64_t serial, int64_t deadline_ms,
                              std::shared_ptr<const TrustBundle>* keep_alive) {
  if (serial == ctx.bundle.serial) return ctx.bundle;
  if (serial > ctx.bundle.serial) {
    if (Status s = catch_up(ctx, client, deadline_ms); !s.ok()) ctx.warning(s.message());
    return ctx.bundle;
  }
  *keep_alive = ctx.store->find(serial);
  if (*keep_alive) return **keep_alive;
  auto file = client.fetch_bundle(serial, deadline_ms);
  if (file.ok()) {
    auto b = ctx.store->keep(*file, serial, "the broker's bundle " + serial_text(serial));
    if (b.ok()) {
      *keep_alive = *b;
      return **keep_alive;
    }
    ctx.warning("agent: " + b.status().message());
  } else {
    ctx.warning("agent: cannot fetch the bundle of " + serial_text(serial) + " that a message names: " +
                file.status().message());
  }
  return ctx.bundle;
}

}  // namespace

Result<nlohmann::ordered_json> open_delivery(const AgentContext& ctx, ByteView bytes, uint64_t seq) {
  auto env = decode_envelope(bytes);
  if (!env.ok()) return env.status();
  auto named = ctx.store ? ctx.store->find(env->header.bundle_serial) : nullptr;
  return open_with(ctx, *env, named ? *named : ctx.bundle, seq);
}

Status remove_durable_subscription(AgentContext& ctx, const std::string& name, int64_t timeout_ms) {
  const int64_t deadline = monotonic_ms() + timeout_ms;
  auto client = make_client(ctx);
  RELAIS_RETURN_IF_ERROR(open_session(ctx, *client, deadline));
  Status s = client->remove_durable(name, deadline);
  if (!s.ok()) s = broker_refusal(*client, s);
  client->close();
  return s;
}

namespace {

// A SUB refusal in words: a held name, a start position for an existing name.
Status subscribe_refusal(const BrokerClient& client, const SubscribeRequest& req, const Status& s) {
  const std::string what = req.mailbox ? std::string("this mailbox") : "the durable subscription " + req.durable;
  if (client.last_error_code() == ErrorCode::kDurableInUse)
    return Status::Refused("another process holds " + what +
                           ": stop it, or run subscribe again with --take-over to take it over (the other process "
                           "then stops receiving)");
  if (client.last_error_code() == ErrorCode::kMalformed && s.message().find("already exists") != std::string::npos)
    return Status::Usage(s.message());
  return broker_refusal(client, s);
}

}  // namespace

Result<int64_t> receive_messages(AgentContext& ctx, const SubscribeRequest& req,
                                 const std::function<void(const nlohmann::ordered_json&)>& on_message,
                                 const std::function<void(const std::string&)>& on_rejected) {
  if (req.mailbox) {
    if (!req.pattern.empty()) return Status::Usage("--mailbox takes no --topic: the policy says what the mailbox covers");
    if (!req.durable.empty()) return Status::Usage("--mailbox takes no --durable: the mailbox is its own durable name");
  } else if (Status s = validate_pattern(req.pattern); !s.ok()) {
    return Status::Usage(s.message());
  }
  auto start = parse_start_position_text(req.from);
  if (!start.ok()) return start.status();
  // Ids are remembered per durable subscription (a plain one replaying with
  // --from is a deliberate look back: its ids live for this call only).
  const std::string durable_name = req.mailbox ? std::string("mailbox") : req.durable;
  std::string ids_path;
  if (!ctx.config.state_dir.empty() && !durable_name.empty() && durable_name.size() <= 64 &&
      durable_name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos) {
    RELAIS_RETURN_IF_ERROR(make_dirs(ctx.config.state_dir + "/received", 0700));
    ids_path = ctx.config.state_dir + "/received/" + (req.mailbox ? "@mailbox" : durable_name) + ".ids";
  }
  ReceivedIds seen(ids_path);
  RELAIS_RETURN_IF_ERROR(seen.open());
  const int64_t deadline = monotonic_ms() + req.timeout_ms;
  auto client = make_client(ctx);
  RELAIS_RETURN_IF_ERROR(open_session(ctx, *client, deadline));
  SubArgs sub;
  sub.sub_id = 1;
  sub.pattern = req.mailbox ? std::string() : req.pattern;
  sub.from = start_position_to_wire(*start);
  sub.durable = req.mailbox ? std::string(kMailboxDurable) : req.durable;
  sub.flags = req.take_over ? kSubTakeOver : 0;
  if (Status s = client->subscribe(sub, deadline); !s.ok()) return subscribe_refusal(*client, req, s);
  if (req.on_subscribed) req.on_subscribed();
  int64_t delivered = 0;
  while (req.count < 0 || delivered < req.count) {
    auto d = client->next(deadline);
    if (!d.ok()) return broker_refusal(*client, d.status());
    follow_notices(ctx, *client, deadline);
    if (!d->has_value()) break;
    const Delivery& del = **d;
    ErrorCode code = ErrorCode::kMalformed;
    auto opened = open_received(ctx, *client, del, deadline, &code);
    if (!opened.ok()) {
      on_rejected("record " + std::to_string(del.args.seq) + " rejected: " + opened.status().message());
      client->nack(del.args.sub_id, del.args.seq, code, opened.status().message());
      continue;
    }
    const std::string& id = opened->id;
    const bool expired = opened->expired;
    const nlohmann::ordered_json* msg = &opened->message;
    if (seen.contains(id)) {
      if (req.on_note)
        req.on_note("record " + std::to_string(del.args.seq) + " dropped: message " + id +
                    " was already received; acknowledged");
      client->ack(del.args.sub_id, del.args.seq);
      continue;
    }
    if (req.on_attachments && !opened->attachments.empty()) {
      if (Status s = req.on_attachments(id, opened->attachments); !s.ok()) {
        client->close();
        return s;
      }
    }
    on_message(*msg);
    if (Status s = seen.add(id); !s.ok()) ctx.warning(s.message());
    client->ack(del.args.sub_id, del.args.seq);
    if (!expired) ++delivered;
  }
  client->close();
  return delivered;
}

Result<OpenedDelivery> open_received(AgentContext& ctx, BrokerClient& client, const Delivery& delivery,
                                     int64_t deadline_ms, ErrorCode* nack_code) {
  if (nack_code != nullptr) *nack_code = ErrorCode::kMalformed;
  auto env = decode_envelope(delivery.envelope);
  if (!env.ok()) return env.status();
  OpenedDelivery out;
  out.id = uuid_to_string(env->header.id);
  out.expired = env->header.expires_ms < now_ms();
  out.ts_ms = env->header.ts_ms;
  out.expires_ms = env->header.expires_ms;
  std::shared_ptr<const TrustBundle> keep_alive;
  const TrustBundle& named = bundle_for(ctx, client, env->header.bundle_serial, deadline_ms, &keep_alive);
  auto msg = open_with(ctx, *env, named, delivery.args.seq, out.expired, nack_code, &out.attachments);
  if (!msg.ok()) return msg.status();
  out.message = std::move(msg).value();
  return out;
}

std::unique_ptr<BrokerClient> make_broker_client(const AgentContext& ctx) { return make_client(ctx); }

Status open_broker_session(AgentContext& ctx, BrokerClient& client, int64_t deadline_ms) {
  return open_session(ctx, client, deadline_ms);
}

void follow_bundle_notices(AgentContext& ctx, BrokerClient& client, int64_t deadline_ms) {
  follow_notices(ctx, client, deadline_ms);
}

Status describe_broker_refusal(const BrokerClient& client, const Status& s) { return broker_refusal(client, s); }

BundleStatus bundle_status(AgentContext& ctx, int64_t timeout_ms) {
  BundleStatus st;
  const int64_t deadline = monotonic_ms() + timeout_ms;
  auto client = make_client(ctx);
  if (Status s = client->connect(deadline); !s.ok()) {
    st.held = ctx.bundle.serial;
    st.state = "unreachable";
    st.detail = connect_failure(ctx, *client, s).message();
    return st;
  }
  Status s = catch_up(ctx, *client, deadline);
  client->close();
  st.held = ctx.bundle.serial;
  st.broker = client->broker_bundle_serial();
  st.state = st.broker == st.held ? "current" : st.broker > st.held ? "behind" : "ahead";
  if (!s.ok()) {
    st.verify_failed = s.code() == Code::kInvalid;
    st.detail = s.message();
  }
  return st;
}

}  // namespace relais
