// BrokerEngine: the broker without I/O of its own.
//
// The engine is fed what the transport received (one authenticated protocol
// message at a time), the signature checks the verifier finished, the log's
// completions and the passing of time; it answers through the Transport and
// records through the Log. It owns the broker's parts, each with private
// state and a header stating its invariants:
//
//   SessionTable         HELLO, heartbeats, the end of sessions, the session cap
//   IngestPipeline       a PUB's checks in their documented order, then the
//                        verifier, the log and the acknowledgement
//   SubscriptionManager  patterns, cursors, credit, in-flight, redelivery,
//                        dead letters, NACKs, expiry at delivery,
//                        durable cursor files, mailboxes
//   RouteCache           topic -> readers, and topic -> mailbox owner,
//                        under the bundle in force
//   MessageCache         durable messages kept in memory for delivery
//   EventRecorder        events on record; delivery and ack events batched
//   AuthFailureLog       refused handshakes, counted and written per interval
//   Shredder             erasure under retention and erasure orders, in the
//                        background (erasure events on record first)
//
// The trust bundle is held as std::shared_ptr<const TrustBundle>; sessions
// keep participant names, never pointers into it.
//
// reload() puts a new bundle in force as one barrier, between two inbound
// messages (docs/protocol.md §Bundle serials and reloads): the gatekeeper's
// allowlist is replaced; sessions whose keys the new bundle revokes, retires
// or drops are forgotten (told ERROR revoked now, and at every later frame
// on their routing id); their publishes still waiting for the verifier are
// refused; subscriptions the new policy no longer allows end; routes and
// policy memos are recomputed; then bundle_loaded (with the whole signed
// file) is recorded and every session gets NOTICE bundle_serial. A bundle
// that does not verify, is not newer, or names other broker keys changes
// nothing: reload_refused is recorded. Every bundle loaded is kept in
// DATA/bundles/<serial>.bundle and served by FETCH bundle:<serial|latest>.
//
// While the log's epoch began with a restore (Log::epoch() > 0), every
// WELCOME is followed by NOTICE restored [epoch, last_seq], last_seq being
// the backup's last seq: the agent re-sends what it logged after it.
//
// Driving it (broker.cpp does this around a ZeroMQ poll loop; tests do it by
// hand with a fake clock and transport):
//   start(endpoint)      once, before anything else
//   on_message(m)        for each inbound message
//   on_verified()        when the verifier may have results
//   on_proofs()          when proof_fd() is readable (FETCH of proofs)
//   on_log_completions() when the log's completion fd is readable
//   tick()               after each of the above, and at least every
//                        poll_timeout_ms(): delivery, event batches, sweeps
//   reload(bytes)        when the operator asks (SIGHUP)
//   begin_stop(); [on_log_completions() while has_pending_publishes()];
//   finish_stop()        the clean stop: nothing accepted is left unwritten
// Single-threaded: every call from one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "broker/auth_failures.h"
#include "broker/event_recorder.h"
#include "broker/ingest.h"
#include "broker/message_cache.h"
#include "broker/proof_server.h"
#include "broker/ports.h"
#include "broker/routes.h"
#include "broker/session_table.h"
#include "broker/shredder.h"
#include "broker/subscriptions.h"
#include "config/broker_config.h"
#include "crypto/keys.h"
#include "log/log_writer.h"
#include "policy/bundle.h"

namespace relais {

// One protocol message as the transport received and authenticated it.
struct InboundMessage {
  std::string rid;             // the peer's routing id
  std::string_view user;       // the ZAP User-Id (participant name); empty: none
  std::string_view peer_address;
  std::string_view command;    // the command name
  ByteView args;
  ByteView envelope;           // PUB only
  bool has_envelope = false;
};

class BrokerEngine {
 public:
  // Every reference must outlive the engine.
  BrokerEngine(const BrokerConfig& config, const Identity& identity, std::shared_ptr<const TrustBundle> bundle,
               Log& log, Transport& transport, SignatureVerifier& verifier, const Clock& clock);
  // Stops the verifier first: its pending jobs point into the engine.
  ~BrokerEngine();
  BrokerEngine(const BrokerEngine&) = delete;
  BrokerEngine& operator=(const BrokerEngine&) = delete;

  // Records broker_start and bundle_loaded, rebuilds the duplicate index,
  // keeps a copy of the bundle in DATA/bundles/.
  Status start(const std::string& endpoint);

  // Where a reload's new allowlist goes (the ZAP handler); none: not used.
  void set_gatekeeper(Gatekeeper* g) { gatekeeper_ = g; }

  // The outcome of a reload: accepted (serial now in force) or refused (why;
  // serial of the refused file when it could be read, else 0).
  struct ReloadOutcome {
    bool accepted = false;
    uint64_t serial = 0;
    std::string why;
  };
  // Tries the bundle file's bytes (or the error reading it); origin names
  // the file in messages. The same as apply_reload(prepare_reload(...)).
  ReloadOutcome reload(const Result<Bytes>& file, const std::string& origin);

  // A reload in two steps, so that the thread driving the engine never waits
  // for the parse, the authority's signature and the two durable writes
  // (DATA/bundle.serial, the copy in DATA/bundles/):
  //   prepare_reload() may run on another thread, one at a time: it reads
  //   only its arguments and the engine's configuration and identity, which
  //   never change, and writes only those two files;
  //   apply_reload() runs on the engine's thread and is the barrier above. A
  //   bundle checked against another bundle than the one now in force is
  //   checked again there.
  struct PreparedReload {
    std::shared_ptr<const TrustBundle> base;  // in force when it was checked
    std::shared_ptr<const TrustBundle> next;  // null: refused, for `why`
    uint64_t serial = 0;                      // of the file, when it could be read
    std::string why;
    std::string origin;  // the file, for messages
    int64_t prepare_ms = 0;
  };
  PreparedReload prepare_reload(const Result<Bytes>& file, const std::string& origin,
                                std::shared_ptr<const TrustBundle> base) const;
  ReloadOutcome apply_reload(PreparedReload p);
  std::shared_ptr<const TrustBundle> bundle_in_force() const { return bundle_; }

  void on_message(const InboundMessage& m);
  // A message that is not one packed frame, or a frame that could not be split
  // into a command (net/framing.h); answered (malformed) only when the
  // transport authenticated the peer.
  void on_undecodable(const std::string& rid, bool authenticated, const std::string& reason);
  // A handshake the ZAP handler refused.
  void on_auth_failure(std::string_view key, std::string_view addr, std::string_view why);
  void on_verified();
  // FETCH checkpoint, consistency and inclusion are answered off this
  // thread (broker/proof_server.h): poll proof_fd() and call on_proofs().
  int proof_fd() const { return proofs_.fd(); }
  void on_proofs();
  void on_log_completions();
  void tick();
  // How long the caller may wait for input before tick() has work, at most cap.
  int poll_timeout_ms(int cap) const { return events_.due_in_ms(cap); }

  void begin_stop();
  bool has_pending_publishes() const { return ingest_.pending() > 0; }
  // Where acknowledged publishes spent their time (lock-free; the metrics thread reads it).
  const PublishStages& publish_stages() const { return ingest_.stages(); }
  void finish_stop();

  const TrustBundle& bundle() const { return *bundle_; }
  size_t session_count() const { return sessions_.size(); }
  uint64_t durable_horizon() const { return horizon_; }

  // The broker's own accounting of the bytes it holds, each bounded by its
  // configuration key.
  struct ByteAccounting {
    size_t cache = 0;      // cache_bytes
    size_t pending = 0;    // max_pending_bytes
    size_t in_flight = 0;  // max_in_flight_bytes, per session
  };
  ByteAccounting bytes() const { return {cache_.bytes(), ingest_.pending_bytes(), subs_.in_flight_bytes()}; }
  CursorStore& cursors() { return subs_.cursors(); }
  // For metrics (allocates; not on the hot path).
  uint64_t dead_letters() const { return subs_.dead_letters(); }
  uint64_t erased_records() const { return shredder_.erased_total(); }
  std::vector<DurableStatus> durable_status() { return subs_.durable_status(horizon_); }
  uint64_t durable_names_generation() const { return subs_.durable_names_generation(); }

 private:
  void refuse(const std::string& rid, std::string_view who, uint64_t req_id, ErrorCode code,
              const std::string& reason, std::string_view topic = {}, const Uuid* id = nullptr);
  void on_hello(const InboundMessage& m);
  void on_fetch(const Session& s, ByteView args);
  ReloadOutcome refuse_reload(std::string why, uint64_t serial);
  void remember_revoked(const std::string& rid);
  bool was_revoked(const std::string& rid) const;
  void end_session(Session& s, const char* why);
  // Records bundle_loaded for the bundle in force; its completion opens the
  // mailboxes of the participants it lists first.
  void record_bundle_loaded();

  const BrokerConfig& config_;
  const Identity& identity_;
  const Clock& clock_;
  Log& log_;
  SignatureVerifier& verifier_;
  std::shared_ptr<const TrustBundle> bundle_;

  SessionTable sessions_;
  Replies replies_;
  EventRecorder events_;
  RouteCache routes_;
  MessageCache cache_;
  IngestPipeline ingest_;
  SubscriptionManager subs_;
  AuthFailureLog auth_failures_;
  ProofServer proofs_;
  std::vector<ProofAnswer> proof_answers_;
  Shredder shredder_;

  Gatekeeper* gatekeeper_ = nullptr;
  // Routing ids of sessions a reload ended, answered ERROR revoked (bounded:
  // the oldest are forgotten first, and then get not_authenticated).
  static constexpr size_t kMaxRevokedRids = 4096;
  std::unordered_set<std::string> revoked_rids_;
  std::deque<std::string> revoked_order_;

  // Log tokens of bundle_loaded events (the ingest pipeline's tokens count
  // up from 1 and never reach this bit), and the bundles they record.
  static constexpr uint64_t kBundleLoadedToken = uint64_t{1} << 63;
  uint64_t next_bundle_token_ = 1;
  std::map<uint64_t, std::shared_ptr<const TrustBundle>> bundles_on_way_;

  uint64_t horizon_ = 0;  // highest seq known durable
  int64_t next_sweep_ms_ = 0;
  std::vector<Completion> completions_;
};

}  // namespace relais
