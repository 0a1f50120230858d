#include "net/broker_config.h"

#include <cstring>

#include "net/config_file.h"
#include "util/bytes.h"

namespace relais {

Result<PublicKey> parse_public_key_base64(const std::string& text) {
  auto raw = from_base64(text);
  if (!raw.ok() || raw->size() != 32) return Status::Config("not a base64 32-byte public key");
  PublicKey pk{};
  std::memcpy(pk.data(), raw->data(), 32);
  return pk;
}

Result<BrokerConfig> load_broker_config(const std::string& path) {
  ConfigFile f(path);
  BrokerConfig c;
  c.path = path;
  c.endpoint = f.get_string("broker", "endpoint", c.endpoint, false);
  if (c.endpoint.rfind("tcp://", 0) != 0 && c.endpoint.rfind("ipc://", 0) != 0)
    f.error_at("broker", "endpoint", "broker.endpoint must start with tcp:// or ipc://");
  c.identity = f.get_path("broker", "identity", "", true);
  c.bundle = f.get_path("broker", "bundle", "", true);
  std::string pin = f.get_string("broker", "authority_key", "", true);
  if (!pin.empty()) {
    auto pk = parse_public_key_base64(pin);
    if (pk.ok()) c.authority_key = *pk;
    else f.error_at("broker", "authority_key", "broker.authority_key is not a base64 Ed25519 public key");
  }
  c.data_dir = f.get_path("broker", "data_dir", "", true);
  c.sync = f.get_string("log", "sync", c.sync, false);
  if (c.sync != "always" && c.sync != "batch" && c.sync != "none")
    f.error_at("log", "sync", "log.sync must be one of always, batch, none (got '" + c.sync + "')");
  c.segment_bytes = f.get_int("log", "segment_bytes", c.segment_bytes, 1 << 16, 1ll << 34);
  c.checkpoint_every = f.get_int("log", "checkpoint_every", c.checkpoint_every, 1, 1 << 30);
  c.checkpoint_seconds = f.get_int("log", "checkpoint_seconds", c.checkpoint_seconds, 1, 86400);
  c.event_batch_ms = f.get_int("log", "event_batch_ms", c.event_batch_ms, 0, 3600000);
  c.max_in_flight = f.get_int("delivery", "max_in_flight", c.max_in_flight, 1, 65536);
  c.ack_timeout_ms = f.get_int("delivery", "ack_timeout_ms", c.ack_timeout_ms, 100, 86400000);
  c.max_deliver = f.get_int("delivery", "max_deliver", c.max_deliver, 1, 1000);
  c.heartbeat_ms = f.get_int("delivery", "heartbeat_ms", c.heartbeat_ms, 50, 600000);
  c.heartbeat_timeout_ms = f.get_int("delivery", "heartbeat_timeout_ms", c.heartbeat_timeout_ms, 100, 3600000);
  c.cache_messages = f.get_int("delivery", "cache_messages", c.cache_messages, 0, 1 << 20);
  c.cache_bytes = f.get_int("delivery", "cache_bytes", c.cache_bytes, 0, 1ll << 40);
  c.max_in_flight_bytes = f.get_int("delivery", "max_in_flight_bytes", c.max_in_flight_bytes, 1 << 16, 1ll << 40);
  c.max_frame_bytes = f.get_int("limits", "max_frame_bytes", c.max_frame_bytes, 4096, 64ll << 20);
  c.max_subscriptions = f.get_int("limits", "max_subscriptions", c.max_subscriptions, 1, 100000);
  c.max_connections = f.get_int("limits", "max_connections", c.max_connections, 1, 1000000);
  c.max_sessions_per_participant =
      f.get_int("limits", "max_sessions_per_participant", c.max_sessions_per_participant, 1, 1000000);
  c.max_durable_per_participant =
      f.get_int("limits", "max_durable_per_participant", c.max_durable_per_participant, 1, 100000);
  c.max_pending_bytes = f.get_int("limits", "max_pending_bytes", c.max_pending_bytes, 1 << 20, 1ll << 40);
  c.auth_failure_interval_ms =
      f.get_int("limits", "auth_failure_interval_ms", c.auth_failure_interval_ms, 100, 3600000);
  c.max_readers = f.get_int("limits", "max_readers", c.max_readers, 1, 4096);
  c.max_clock_skew_ms = f.get_int("limits", "max_clock_skew_ms", c.max_clock_skew_ms, 1000, 86400000);
  c.dedup_window_ms = f.get_int("limits", "dedup_window_ms", c.dedup_window_ms, 1000, 30ll * 86400000);
  c.verify_threads = f.get_int("limits", "verify_threads", c.verify_threads, 0, 64);
  if (c.heartbeat_timeout_ms <= c.heartbeat_ms)
    f.error_at("delivery", "heartbeat_timeout_ms", "delivery.heartbeat_timeout_ms must exceed delivery.heartbeat_ms");
  if (c.dedup_window_ms < 2 * c.max_clock_skew_ms)
    f.error_at("limits", "dedup_window_ms", "limits.dedup_window_ms must be at least twice limits.max_clock_skew_ms");
  Status s = f.finish();
  if (!s.ok()) return s;
  return c;
}

}  // namespace relais
