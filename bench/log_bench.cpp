// relais-bench genlog: writes a broker log of N message records with real,
// uniquely signed envelopes (referral.commission, 1 reader, social.golfe) into
// DIR/data through core/log's Log, with the deployment's broker key, exactly
// as the broker would (checkpoints, commit markers). Sealing runs on two
// threads in chunks so memory stays small. With --append the records go
// after the log already there; with --witness-state FILE the commission then
// witnesses the latest checkpoint into FILE with relais-audit witness's code.
// relais-bench audit: what `relais-audit verify` must do at least: a strict
// LogReader scan (framing, CRC, sequence) plus one Ed25519 check per message
// against the bundle, the checks spread over `threads` threads.
#include <sodium.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "audit/witness.h"
#include "broker/dedup_key.h"
#include "bench_util.h"
#include "commands.h"
#include "config/broker_config.h"
#include "crypto/envelope.h"
#include "log/log.h"
#include "policy/bundle.h"
#include "util/clock.h"

namespace relais::bench {

// What `relais-audit witness` does with a checkpoint, offline: the step from
// the state's last head (with the consistency proof from the log's records)
// and the countersigned line appended to the state.
static int witness_genlog(const std::string& data, const std::string& state, const Identity& broker,
                          const Identity& witness) {
  auto latest = latest_checkpoint_in(data);
  auto last = last_witnessed(state);
  if (!latest.ok() || !last.ok()) {
    std::cerr << "bench: witness: " << (latest.ok() ? last.status() : latest.status()).message() << "\n";
    return 1;
  }
  std::vector<Hash256> proof;
  if (*last) {
    auto p = consistency_proof_in(data, (*last)->checkpoint.size, latest->size);
    if (!p.ok()) {
      std::cerr << "bench: witness: " << p.status().message() << "\n";
      return 1;
    }
    proof = std::move(*p);
  }
  auto step = witness_step(*last, *latest, proof, broker.card.sign_pk, witness.card.name, witness.sign_sk, now_ms());
  if (!step.ok()) {
    std::cerr << "bench: witness: " << step.status().message() << "\n";
    return 1;
  }
  if (step->fresh) {
    if (Status s = append_witness_file(state, step->head); !s.ok()) {
      std::cerr << "bench: witness: " << s.message() << "\n";
      return 1;
    }
  }
  emit("log.witnessed_size", std::to_string(latest->size));
  return 0;
}

int run_genlog(const GenLogOptions& o) {
  if (sodium_init() < 0) return 1;
  auto broker = load_identity(o.dir + "/keys/broker.key");
  auto sender = load_identity(o.dir + "/keys/social.golfe.key");
  auto reader = load_identity(o.dir + "/keys/commission.key");
  if (!broker.ok() || !sender.ok() || !reader.ok()) {
    std::cerr << "bench: cannot load the deployment's keys in " << o.dir << "/keys\n";
    return 1;
  }
  LogOptions lo;
  lo.dir = o.dir + "/data";
  lo.sync = SyncPolicy::kBatch;
  lo.message_key = envelope_dedup_key;
  auto log = Log::open(lo, broker->sign_sk);
  if (!log.ok()) {
    std::cerr << log.status().message() << "\n";
    return 1;
  }
  const std::string body_text = sample_alert_json(o.body_bytes);
  const int64_t t0 = mono_ns();
  constexpr size_t kChunk = 10000;
  std::vector<Bytes> chunk(kChunk);
  std::vector<std::pair<Hash256, Hash256>> hashes(kChunk);
  std::vector<RecordKey> keys(kChunk);
  std::vector<Completion> done;
  size_t written = 0;
  while (written < o.records) {
    const size_t n = std::min(kChunk, o.records - written);
    std::atomic<bool> failed{false};
    auto seal = [&](size_t begin) {
      SealParams p;
      p.from = "social.golfe";
      p.topic = "referral.commission";
      p.type = "referral/1";
      p.bundle_serial = 1;
      p.readers.emplace_back("commission", reader->card.seal_pk);
      for (size_t i = begin; i < n; i += 2) {
        p.ts_ms = now_ms();
        p.expires_ms = p.ts_ms + 86400000;
        p.id.reset();
        auto e = seal_envelope(p, as_bytes(body_text), sender->sign_sk);
        if (!e.ok()) { failed = true; return; }
        auto d = decode_envelope(*e);
        if (!d.ok()) { failed = true; return; }
        hashes[i] = {d->core_hash, d->ct_hash};
        keys[i] = dedup_key(d->header.from, d->header.id);
        chunk[i] = std::move(e).value();
      }
    };
    std::thread a(seal, 0), b(seal, 1);
    a.join();
    b.join();
    if (failed) {
      std::cerr << "bench: sealing failed\n";
      return 1;
    }
    // The Log copies the bytes into its own arena at submit.
    for (size_t i = 0; i < n; ++i)
      (*log)->submit_message(written + i + 1, now_ms(), hashes[i].first, hashes[i].second, keys[i], chunk[i]);
    written += n;
    done.clear();
    (*log)->drain_completions(&done);
  }
  log->reset();  // drains, syncs, final checkpoint
  emit(o.append ? "log.appended_records" : "log.records", std::to_string(o.records));
  emit(o.append ? "log.append_seconds" : "log.generate_seconds", static_cast<double>(mono_ns() - t0) / 1e9, 1);
  if (!o.witness_state.empty()) return witness_genlog(lo.dir, o.witness_state, *broker, *reader);
  return 0;
}

}  // namespace relais::bench

namespace relais::bench {

int run_audit(const AuditOptions& o) {
  if (sodium_init() < 0) return 1;
  auto cfg = load_broker_config(o.dir + "/broker.toml");
  if (!cfg.ok()) {
    std::cerr << cfg.status().message() << "\n";
    return 1;
  }
  auto bundle = load_bundle(cfg->bundle, cfg->authority_key);
  if (!bundle.ok()) {
    std::cerr << bundle.status().message() << "\n";
    return 1;
  }
  const int64_t t0 = mono_ns();
  auto reader = LogReader::open(cfg->data_dir);
  if (!reader.ok()) {
    std::cerr << reader.status().message() << "\n";
    return 1;
  }
  // The scanning thread copies message payloads into batches; workers decode
  // and verify. Bounded queue so memory stays small.
  struct Batch { std::vector<Bytes> envs; };
  std::mutex mu;
  std::condition_variable cv_work, cv_space;
  std::deque<Batch> queue;
  bool eof = false;
  std::atomic<size_t> verified{0}, bad{0};
  auto worker = [&] {
    while (true) {
      Batch b;
      {
        std::unique_lock lk(mu);
        cv_work.wait(lk, [&] { return !queue.empty() || eof; });
        if (queue.empty()) return;
        b = std::move(queue.front());
        queue.pop_front();
      }
      cv_space.notify_one();
      for (const Bytes& e : b.envs) {
        auto env = decode_envelope(e);
        const PublicCard* c = env.ok() ? bundle->find(env->header.from) : nullptr;
        if (c == nullptr || !verify_envelope(*env, c->sign_pk).ok()) bad++;
        else verified++;
      }
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, o.threads); ++i) workers.emplace_back(worker);
  size_t records = 0, messages = 0, checkpoints = 0;
  std::string error;
  LogEntry entry;
  Batch cur;
  while (true) {
    auto r = (*reader)->next(&entry);
    if (!r.ok()) { error = r.status().message(); break; }
    if (!*r) break;
    ++records;
    if (entry.record.kind == RecordKind::kCheckpoint) ++checkpoints;
    if (entry.record.kind != RecordKind::kMessage) continue;
    ++messages;
    cur.envs.emplace_back(entry.record.body.begin(), entry.record.body.end());
    if (cur.envs.size() == 512) {
      std::unique_lock lk(mu);
      cv_space.wait(lk, [&] { return queue.size() < 16; });
      queue.push_back(std::move(cur));
      cur = Batch{};
      cv_work.notify_one();
    }
  }
  {
    std::lock_guard lk(mu);
    if (!cur.envs.empty()) queue.push_back(std::move(cur));
    eof = true;
  }
  cv_work.notify_all();
  for (auto& t : workers) t.join();
  const double secs = static_cast<double>(mono_ns() - t0) / 1e9;
  if (!error.empty()) emit("audit.error", error);
  emit("audit.records", std::to_string(records));
  emit("audit.messages", std::to_string(messages));
  emit("audit.checkpoints", std::to_string(checkpoints));
  emit("audit.bad_signatures", std::to_string(bad.load()));
  emit("audit.threads", std::to_string(o.threads));
  emit("audit.seconds", secs, 2);
  emit("audit.records_per_s", static_cast<double>(records) / secs, 0);
  return error.empty() && bad == 0 ? 0 : 1;
}

}  // namespace relais::bench
