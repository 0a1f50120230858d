#include "agent/agent.h"

#include <algorithm>

#include "agent/broker_client.h"
#include "agent/content_rules.h"
#include "crypto/envelope.h"
#include "crypto/envelope_json.h"
#include "policy/serial_state.h"
#include "policy/topic.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/json_msgpack.h"

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

}  // namespace

Result<std::unique_ptr<AgentContext>> load_agent_context(const std::string& config_path) {
  auto config = load_agent_config(config_path);
  if (!config.ok()) return config.status();
  auto ctx = std::make_unique<AgentContext>();
  ctx->config = std::move(config).value();
  auto id = load_identity(ctx->config.identity);
  if (!id.ok()) return id.status();
  ctx->identity = std::move(id).value();
  auto bundle = load_bundle(ctx->config.bundle, ctx->config.authority_key);
  if (!bundle.ok()) return Status::Config(bundle.status().message());
  ctx->bundle = std::move(bundle).value();
  if (!ctx->config.state_dir.empty()) {
    RELAIS_RETURN_IF_ERROR(make_dirs(ctx->config.state_dir, 0700));
    Status s = check_and_record_serial(ctx->config.state_dir + "/bundle.serial", ctx->bundle.serial,
                                       ctx->config.bundle);
    if (!s.ok()) return Status::Config(s.message());
  }
  const PublicCard* me = ctx->bundle.find(ctx->identity.card.name);
  if (me == nullptr) return Status::Config("agent: " + ctx->identity.card.name + " is not in the bundle " + ctx->config.bundle);
  if (me->revoked) return Status::Refused("agent: " + ctx->identity.card.name + " is revoked in the bundle " + ctx->config.bundle);
  if (me->sign_pk != ctx->identity.card.sign_pk)
    return Status::Config("agent: the key " + ctx->config.identity + " does not match " + me->name + "'s card in the bundle");
  if (ctx->bundle.broker() == nullptr) return Status::Config("agent: the bundle has no broker card");
  auto schemas = SchemaRegistry::load_builtin();
  if (!schemas.ok()) return schemas.status();
  ctx->schemas.emplace(std::move(schemas).value());
  return ctx;
}

Result<Bytes> prepare_envelope(const AgentContext& ctx, const PublishRequest& req) {
  auto type = parse_doc_type(req.type);
  if (!type.ok()) return type.status();
  if (!one_of(req.urgency, {"immediate", "urgent", "routine"}))
    return Status::Usage("--urgency must be immediate, urgent or routine");
  if (!one_of(req.handling, {"H0", "H1", "H2", "H3"})) return Status::Usage("--handling must be H0, H1, H2 or H3");
  if (Status s = validate_topic(req.topic); !s.ok()) return Status::Usage(s.message());
  auto body = json_to_msgpack(req.json_text);
  if (!body.ok()) return body.status();
  if (auto errors = ctx.schemas->validate(*type, *body); !errors.empty())
    return Status::Invalid("document is not a valid " + req.type + ":\n" + join_errors(errors));
  auto doc = msgpack_to_json(*body);
  if (!doc.ok()) return doc.status();
  RELAIS_RETURN_IF_ERROR(check_content_matches_topic(*type, req.topic, *doc));
  const PublicCard& me = ctx.identity.card;
  const Policy& policy = ctx.bundle.policy;
  if (!policy.may_publish(me, req.topic))
    return Status::Refused(me.name + " may not publish on " + req.topic + " (policy of bundle serial " +
                           std::to_string(ctx.bundle.serial) + ")");
  const std::string versioned(doc_type_versioned(*type));
  if (!policy.type_allowed(req.topic, versioned))
    return Status::Refused("type " + versioned + " is not allowed on " + req.topic);
  std::vector<std::string> readers = policy.readers(req.topic, ctx.bundle.participants);
  if (readers.empty()) return Status::Refused("nobody may read " + req.topic + ": refusing to send");
  SealParams p;
  p.from = me.name;
  p.topic = req.topic;
  p.type = versioned;
  p.urgency = req.urgency;
  p.handling = req.handling;
  p.case_ref = req.case_ref;
  if (req.in_reply_to) {
    auto r = uuid_from_string(*req.in_reply_to);
    if (!r.ok()) return Status::Usage("--in-reply-to: " + r.status().message());
    p.in_reply_to = *r;
  }
  p.bundle_serial = ctx.bundle.serial;
  p.ts_ms = now_ms();
  p.expires_ms = p.ts_ms + req.ttl_ms;
  for (const auto& name : readers) {
    const PublicCard* c = ctx.bundle.find(name);
    if (c == nullptr) return Status::Invalid("agent: reader " + name + " has no card");
    p.readers.emplace_back(name, c->seal_pk);
  }
  return seal_envelope(p, *body, ctx.identity.sign_sk);
}

Result<PublishResult> publish_document(const AgentContext& ctx, const PublishRequest& req) {
  auto env = prepare_envelope(ctx, req);
  if (!env.ok()) return env.status();
  auto decoded = decode_envelope(*env);
  if (!decoded.ok()) return decoded.status();
  const int64_t deadline = monotonic_ms() + req.timeout_ms;
  BrokerClient client(ctx.config.broker, ctx.identity, ctx.bundle.broker()->link_pk, ctx.bundle.serial,
                      ctx.config.heartbeat_ms);
  RELAIS_RETURN_IF_ERROR(client.connect(deadline));
  auto ack = client.publish(*env, deadline);
  client.close();
  if (!ack.ok()) return ack.status();
  PublishResult r;
  r.id = uuid_to_string(decoded->header.id);
  r.seq = ack->seq;
  r.receipt = ack->receipt;
  return r;
}

Result<nlohmann::ordered_json> open_delivery(const AgentContext& ctx, ByteView bytes, uint64_t seq) {
  auto env = decode_envelope(bytes);
  if (!env.ok()) return env.status();
  const EnvelopeHeader& h = env->header;
  const PublicCard* sender = ctx.bundle.find(h.from);
  if (sender == nullptr) return Status::Invalid("sender " + h.from + " is not in the bundle");
  if (sender->revoked) return Status::Invalid("sender " + h.from + " is revoked");
  RELAIS_RETURN_IF_ERROR(verify_envelope(*env, sender->sign_pk));
  const PublicCard& me = ctx.identity.card;
  auto body = open_envelope(*env, me.name, me.seal_pk, ctx.identity.seal_sk);
  if (!body.ok()) return body.status();
  auto type = parse_versioned_type(h.type);
  if (!type.ok()) return type.status();
  if (auto errors = ctx.schemas->validate(*type, *body); !errors.empty())
    return Status::Invalid("document is not a valid " + std::string(doc_type_name(*type)) + ": " + join_errors(errors));
  auto doc = msgpack_to_json(*body);
  if (!doc.ok()) return doc.status();
  RELAIS_RETURN_IF_ERROR(check_content_matches_topic(*type, h.topic, *doc));
  // Field order as documented for `subscribe`; the body keeps its own keys.
  auto out = header_json<nlohmann::ordered_json>(h, seq, doc_type_name(*type));
  out["body"] = nlohmann::ordered_json::parse(doc->dump());
  return out;
}

Status remove_durable_subscription(const AgentContext& ctx, const std::string& name, int64_t timeout_ms) {
  const int64_t deadline = monotonic_ms() + timeout_ms;
  BrokerClient client(ctx.config.broker, ctx.identity, ctx.bundle.broker()->link_pk, ctx.bundle.serial,
                      ctx.config.heartbeat_ms);
  RELAIS_RETURN_IF_ERROR(client.connect(deadline));
  Status s = client.remove_durable(name, deadline);
  client.close();
  return s;
}

Result<int64_t> receive_messages(const AgentContext& ctx, const SubscribeRequest& req,
                                 const std::function<void(const nlohmann::ordered_json&)>& on_message,
                                 const std::function<void(const std::string&)>& on_rejected) {
  if (Status s = validate_pattern(req.pattern); !s.ok()) return Status::Usage(s.message());
  auto start = parse_start_position_text(req.from);
  if (!start.ok()) return start.status();
  const int64_t deadline = monotonic_ms() + req.timeout_ms;
  BrokerClient client(ctx.config.broker, ctx.identity, ctx.bundle.broker()->link_pk, ctx.bundle.serial,
                      ctx.config.heartbeat_ms);
  RELAIS_RETURN_IF_ERROR(client.connect(deadline));
  SubArgs sub;
  sub.sub_id = 1;
  sub.pattern = req.pattern;
  sub.from = start_position_to_wire(*start);
  sub.durable = req.durable;
  RELAIS_RETURN_IF_ERROR(client.subscribe(sub, deadline));
  if (req.on_subscribed) req.on_subscribed();
  int64_t delivered = 0;
  while (req.count < 0 || delivered < req.count) {
    auto d = client.next(deadline);
    if (!d.ok()) return d.status();
    if (!d->has_value()) break;
    const Delivery& del = **d;
    auto msg = open_delivery(ctx, del.envelope, del.args.seq);
    if (!msg.ok()) {
      on_rejected("record " + std::to_string(del.args.seq) + " rejected: " + msg.status().message());
      client.nack(del.args.sub_id, del.args.seq, msg.status().message());
      continue;
    }
    on_message(*msg);
    client.ack(del.args.sub_id, del.args.seq);
    ++delivered;
  }
  client.close();
  return delivered;
}

}  // namespace relais
