#include "config/broker_config.h"

#include <algorithm>
#include <cstring>

#include "util/bytes.h"
#include "util/toml_reader.h"

namespace relais {

Result<PublicKey> parse_public_key_base64(const std::string& text) {
  auto raw = from_base64(text);
  if (!raw.ok() || raw->size() != 32) return Status::Config("not a base64 32-byte public key");
  PublicKey pk{};
  std::memcpy(pk.data(), raw->data(), 32);
  return pk;
}

Result<BrokerConfig> load_broker_config(const std::string& path) {
  auto reader = TomlReader::from_file(path);
  TomlTable root = reader->root();
  TomlTable broker = root.get_table("broker", false);
  TomlTable log = root.get_table("log", false);
  TomlTable delivery = root.get_table("delivery", false);
  TomlTable limits = root.get_table("limits", false);
  TomlTable metrics = root.get_table("metrics", false);
  BrokerConfig c;
  c.path = path;
  c.endpoint = broker.get_string("endpoint", false).value_or(c.endpoint);
  if (c.endpoint.rfind("tcp://", 0) != 0 && c.endpoint.rfind("ipc://", 0) != 0)
    broker.error("endpoint", "broker.endpoint must start with tcp:// or ipc://");
  c.identity = broker.get_path("identity", true).value_or("");
  c.bundle = broker.get_path("bundle", true).value_or("");
  std::string pin = broker.get_string("authority_key", true).value_or("");
  if (!pin.empty()) {
    auto pk = parse_public_key_base64(pin);
    if (pk.ok()) c.authority_key = *pk;
    else broker.error("authority_key", "broker.authority_key is not a base64 Ed25519 public key");
  }
  c.data_dir = broker.get_path("data_dir", true).value_or("");
  c.sync = log.get_string("sync", false).value_or(c.sync);
  if (c.sync != "always" && c.sync != "batch" && c.sync != "none")
    log.error("sync", "log.sync must be one of always, batch, none (got '" + c.sync + "')");
  c.segment_bytes = log.get_int("segment_bytes", false, 1 << 16, 1ll << 34).value_or(c.segment_bytes);
  c.checkpoint_every = log.get_int("checkpoint_every", false, 1, 1 << 30).value_or(c.checkpoint_every);
  c.checkpoint_seconds = log.get_int("checkpoint_seconds", false, 1, 86400).value_or(c.checkpoint_seconds);
  c.event_batch_ms = log.get_int("event_batch_ms", false, 0, 3600000).value_or(c.event_batch_ms);
  c.shred_interval_ms = log.get_int("shred_interval_ms", false, 100, 86400000).value_or(c.shred_interval_ms);
  c.max_in_flight = delivery.get_int("max_in_flight", false, 1, 65536).value_or(c.max_in_flight);
  c.ack_timeout_ms = delivery.get_int("ack_timeout_ms", false, 100, 86400000).value_or(c.ack_timeout_ms);
  c.max_deliver = delivery.get_int("max_deliver", false, 1, 1000).value_or(c.max_deliver);
  c.heartbeat_ms = delivery.get_int("heartbeat_ms", false, 50, 600000).value_or(c.heartbeat_ms);
  c.heartbeat_timeout_ms = delivery.get_int("heartbeat_timeout_ms", false, 100, 3600000).value_or(c.heartbeat_timeout_ms);
  c.cache_messages = delivery.get_int("cache_messages", false, 0, 1 << 20).value_or(c.cache_messages);
  c.cache_bytes = delivery.get_int("cache_bytes", false, 0, 1ll << 40).value_or(c.cache_bytes);
  c.max_in_flight_bytes = delivery.get_int("max_in_flight_bytes", false, 1 << 16, 1ll << 40).value_or(c.max_in_flight_bytes);
  c.max_frame_bytes = limits.get_int("max_frame_bytes", false, 4096, 64ll << 20).value_or(c.max_frame_bytes);
  if (limits.has("max_body")) {
    const auto body = limits.get_int("max_body", false, 256, 64ll << 20);
    c.max_body = body.value_or(c.max_body);
    if (body && c.max_body >= c.max_frame_bytes)
      limits.error("max_body", "limits.max_body (" + std::to_string(c.max_body) +
                                   ") must be below limits.max_frame_bytes (" + std::to_string(c.max_frame_bytes) +
                                   "): an envelope is its sealed body plus its header; raise max_frame_bytes "
                                   "(about max_body + 1 MiB) or lower max_body");
  } else {
    c.max_body = std::min(c.max_body, c.max_frame_bytes);
  }
  c.max_subscriptions = limits.get_int("max_subscriptions", false, 1, 100000).value_or(c.max_subscriptions);
  c.max_connections = limits.get_int("max_connections", false, 1, 1000000).value_or(c.max_connections);
  c.max_sessions_per_participant =
      limits.get_int("max_sessions_per_participant", false, 1, 1000000).value_or(c.max_sessions_per_participant);
  c.max_durable_per_participant =
      limits.get_int("max_durable_per_participant", false, 1, 100000).value_or(c.max_durable_per_participant);
  c.max_pending_bytes = limits.get_int("max_pending_bytes", false, 1 << 20, 1ll << 40).value_or(c.max_pending_bytes);
  c.auth_failure_interval_ms =
      limits.get_int("auth_failure_interval_ms", false, 100, 3600000).value_or(c.auth_failure_interval_ms);
  c.max_readers = limits.get_int("max_readers", false, 1, 4096).value_or(c.max_readers);
  c.max_clock_skew_ms = limits.get_int("max_clock_skew_ms", false, 1000, 86400000).value_or(c.max_clock_skew_ms);
  c.dedup_window_ms = limits.get_int("dedup_window_ms", false, 1000, 30ll * 86400000).value_or(c.dedup_window_ms);
  c.verify_threads = limits.get_int("verify_threads", false, 0, 64).value_or(c.verify_threads);
  c.metrics_listen = metrics.get_string("listen", false).value_or(c.metrics_listen);
  if (!c.metrics_listen.empty()) {
    const size_t colon = c.metrics_listen.rfind(':');
    const std::string port = colon == std::string::npos ? "" : c.metrics_listen.substr(colon + 1);
    if (colon == 0 || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) > 65535)
      metrics.error("listen", "metrics.listen must be HOST:PORT, e.g. \"127.0.0.1:9470\" (empty turns the "
                              "metrics off)");
  }
  if (c.heartbeat_timeout_ms <= c.heartbeat_ms)
    delivery.error("heartbeat_timeout_ms", "delivery.heartbeat_timeout_ms must exceed delivery.heartbeat_ms");
  if (c.dedup_window_ms < 2 * c.max_clock_skew_ms)
    limits.error("dedup_window_ms", "limits.dedup_window_ms must be at least twice limits.max_clock_skew_ms");
  for (TomlTable* t : {&broker, &log, &delivery, &limits, &metrics}) t->reject_unknown();
  root.reject_unknown();
  Status s = reader->finish(Code::kConfig);
  if (!s.ok()) return s;
  return c;
}

}  // namespace relais
