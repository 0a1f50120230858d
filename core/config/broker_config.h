// BrokerConfig: broker.toml, parsed and checked (config/broker.toml documents
// every key and its default). load_broker_config reports every error at once
// with file:line (Status::Config, exit 2).
#pragma once

#include <cstdint>
#include <string>

#include "crypto/keys.h"
#include "util/status.h"

namespace relais {

struct BrokerConfig {
  std::string path;           // the config file itself
  std::string endpoint = "tcp://127.0.0.1:7450";
  std::string identity;       // the broker's .key file
  std::string bundle;         // trust bundle file
  PublicKey authority_key{};  // pinned authority sign key
  std::string data_dir;
  // [log]
  std::string sync = "batch";  // always | batch | none
  int64_t segment_bytes = 64ll << 20;
  int64_t checkpoint_every = 1000;
  int64_t checkpoint_seconds = 10;
  int64_t event_batch_ms = 10;  // delivery/ack events gathered this long (0: per loop turn)
  int64_t shred_interval_ms = 60000;  // how often the shredder looks for what retention or orders erase
  // [delivery]
  int64_t max_in_flight = 256;
  int64_t ack_timeout_ms = 30000;
  int64_t max_deliver = 5;
  int64_t heartbeat_ms = 2000;
  int64_t heartbeat_timeout_ms = 10000;
  int64_t cache_messages = 4096;  // recent messages kept in memory for live delivery ...
  int64_t cache_bytes = 64ll << 20;  // ... and at most this many envelope bytes
  int64_t max_in_flight_bytes = 16ll << 20;  // delivered, unacked envelope bytes per session
  // [limits]
  int64_t max_frame_bytes = 17ll << 20;  // a PUB frame: the envelope, its arguments and framing
  // The largest plaintext body (attachments included) an envelope may seal, as
  // the padded ciphertext shows it; below max_frame_bytes. When not set it is
  // 16 MiB, or max_frame_bytes if that is lower (the frame bound then decides).
  int64_t max_body = 16ll << 20;
  int64_t max_subscriptions = 64;
  int64_t max_connections = 4096;
  int64_t max_sessions_per_participant = 8;
  int64_t max_durable_per_participant = 32;  // durable subscription names (the mailbox aside)
  int64_t max_pending_bytes = 64ll << 20;    // envelopes accepted, not yet durable
  int64_t auth_failure_interval_ms = 10000;  // refused handshakes: one aggregated event per interval
  int64_t max_readers = 64;
  int64_t max_clock_skew_ms = 300000;
  int64_t dedup_window_ms = 7ll * 86400000;  // 7 days; >= 2 x max_clock_skew_ms; older ids: stale_id
  int64_t verify_threads = 2;         // signature-check workers; 0 = on the main thread
  // [metrics]
  std::string metrics_listen;  // HOST:PORT of /metrics and /healthz; empty: no HTTP server
};

Result<BrokerConfig> load_broker_config(const std::string& path);

// Parses a base64 Ed25519 public key (the authority pin).
Result<PublicKey> parse_public_key_base64(const std::string& text);

}  // namespace relais
