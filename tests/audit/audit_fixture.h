// A generated deployment and log for the audit tests: identities, a signed
// bundle, and a data folder written with core/log's Log (small segments, a
// checkpoint every few leaves) holding real sealed envelopes and events.
// Plus helpers that tamper with a copy the way an attacker would.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <poll.h>
#include <sodium.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "audit/bundle_history.h"
#include "broker/event.h"
#include "crypto/envelope.h"
#include "log/log.h"
#include "policy/bundle.h"
#include "policy/sample_policy.h"
#include "util/files.h"
#include "util/json_msgpack.h"

namespace relais::audit_test {

namespace fs = std::filesystem;

inline constexpr int64_t kBaseTs = 1767225600000;  // 2026-01-01T00:00:00Z
inline constexpr uint64_t kCheckpointEvery = 8;

struct TempDir {
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "relais-audit-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

// What the fixture logged, per seq.
struct Logged {
  uint64_t seq = 0;
  bool message = false;
  int64_t ts_ms = 0;
  Uuid id{};
  std::string from, topic, type;
  std::vector<std::string> readers;
  Bytes envelope;
  Hash256 leaf{};
};

// A log being written record by record, as the broker does (small segments,
// a checkpoint every kCheckpointEvery leaves); each call waits for its seq.
class LogFile {
 public:
  LogFile(const std::string& dir, const SecretBytes& broker_sign_sk, uint64_t segment_bytes = 12 * 1024) {
    LogOptions o;
    o.dir = dir;
    o.sync = SyncPolicy::kNone;
    o.segment_bytes = segment_bytes;
    o.checkpoint_every = kCheckpointEvery;
    o.checkpoint_interval_ms = 1000000;
    auto log = Log::open(o, broker_sign_sk);
    REQUIRE(log.ok());
    log_ = std::move(*log);
  }
  // Returns the seq and leaf hash.
  std::pair<uint64_t, Hash256> message(int64_t ts_ms, const Bytes& env) {
    auto d = decode_envelope(env);
    REQUIRE(d.ok());
    log_->submit_message(++token_, ts_ms, d->core_hash, d->ct_hash, env);
    return wait_one();
  }
  std::pair<uint64_t, Hash256> event(int64_t ts_ms, const Bytes& body) {
    log_->submit_event(++token_, ts_ms, body);
    return wait_one();
  }
  // bundle_loaded {serial, hash, bundle} as the broker logs it.
  uint64_t bundle_loaded(int64_t ts_ms, const Bytes& bundle_file, uint64_t serial, const Hash256& hash) {
    EventBuilder ev;
    ev.begin("bundle_loaded", 3).u64("serial", serial).bin("hash", hash).bin("bundle", bundle_file);
    return event(ts_ms, ev.bytes()).first;
  }
  void close() { log_.reset(); }  // final checkpoint

 private:
  std::pair<uint64_t, Hash256> wait_one() {
    std::vector<Completion> got;
    while (got.empty()) {
      pollfd p{log_->completion_fd(), POLLIN, 0};
      REQUIRE(::poll(&p, 1, 10000) == 1);
      log_->drain_completions(&got);
    }
    REQUIRE(got.size() == 1);
    REQUIRE(got[0].status.ok());
    return {got[0].seq, got[0].leaf_hash};
  }
  std::unique_ptr<Log> log_;
  uint64_t token_ = 0;
};

struct Deployment {
  Identity authority, broker, police, commission, committee, auditor, social;
  TrustBundle bundle;
  TempDir root;
  std::string data;
  std::vector<Logged> logged;  // index seq - 1

  explicit Deployment(int messages = 60, uint64_t segment_bytes = 12 * 1024)
      : authority(make("authority", Role::kAuthority, "", "")),
        broker(make("broker", Role::kBroker, "", "")),
        police(make("police.golfe", Role::kPolice, "maritime", "golfe")),
        commission(make("commission", Role::kCommission, "", "")),
        committee(make("committee.golfe", Role::kCommittee, "maritime", "golfe")),
        auditor(make("auditor", Role::kAuditor, "", "")),
        social(make("social.golfe", Role::kSocial, "maritime", "golfe")) {
    auto bytes = build_bundle(authority,
                              {broker.card, police.card, commission.card, committee.card, auditor.card, social.card},
                              sample_policy_toml(), 3, kBaseTs - 1000, {});
    REQUIRE(bytes.ok());
    auto b = parse_bundle(*bytes, authority.card.sign_pk, "test.bundle");
    REQUIRE(b.ok());
    bundle = std::move(*b);
    data = root.path + "/data";
    write_log(messages, segment_bytes);
  }

  // What the auditor pins: the authority and this bundle (--bundle).
  AuditTrust trust() const { return {authority.card.sign_pk, std::make_shared<const TrustBundle>(bundle)}; }

  static Identity make(const char* name, Role role, const char* region, const char* prefecture) {
    auto id = generate_identity(name, role, region, prefecture);
    REQUIRE(id.ok());
    return std::move(*id);
  }

  // Message i: alternates alerts from police and referrals from commission/social.
  Bytes seal(int i, Logged* l, const Identity* signer_override = nullptr) {
    SealParams p;
    const Identity* sender = nullptr;
    nlohmann::json doc;
    if (i % 3 == 2) {
      sender = (i % 2) ? &commission : &social;
      p.topic = "referral.committee.golfe";
      p.type = "referral/1";
      p.readers = {{"committee.golfe", committee.card.seal_pk}, {"auditor", auditor.card.seal_pk}};
      doc = {{"kind", "referral"}, {"n", i}};
    } else {
      sender = &police;
      p.topic = (i % 2) ? "alert.suspected_trafficking.maritime.golfe" : "alert.missing_child.maritime.golfe";
      p.type = "alert/1";
      p.readers = {{"commission", commission.card.seal_pk}, {"committee.golfe", committee.card.seal_pk}};
      if (i % 4 == 0) p.readers.push_back({"auditor", auditor.card.seal_pk});
      doc = {{"kind", "alert"}, {"n", i}};
    }
    p.from = sender->card.name;
    p.ts_ms = kBaseTs + i * 1000;
    p.expires_ms = p.ts_ms + 86400000;
    p.bundle_serial = bundle.serial;
    p.case_ref = "case-" + std::to_string(i % 5);
    auto body = json_to_msgpack(doc.dump());
    REQUIRE(body.ok());
    auto env = seal_envelope(p, *body, signer_override ? signer_override->sign_sk : sender->sign_sk);
    REQUIRE(env.ok());
    auto d = decode_envelope(*env);
    REQUIRE(d.ok());
    if (l != nullptr) {
      l->message = true;
      l->id = d->header.id;
      l->from = p.from;
      l->topic = p.topic;
      l->type = p.type;
      for (const auto& r : d->header.to) l->readers.push_back(r.name);
      l->envelope = *env;
    }
    return *env;
  }

  void write_log(int messages, uint64_t segment_bytes) {
    LogFile log(data, broker.sign_sk, segment_bytes);
    auto keep = [&](Logged l, std::pair<uint64_t, Hash256> got) {
      l.seq = got.first;
      l.leaf = got.second;
      REQUIRE(l.seq == logged.size() + 1);
      logged.push_back(std::move(l));
    };
    for (int i = 0; i < messages; ++i) {
      Logged l;
      Bytes env = seal(i, &l);
      l.ts_ms = kBaseTs + i * 1000 + 5;
      auto got = log.message(l.ts_ms, env);
      keep(std::move(l), got);
      // An event after most messages: a delivery, a connect or a refusal.
      EventBuilder ev;
      if (i % 3 == 0)
        ev.begin("delivery", 1).array("items", 1).raw().pack_array(4).pack(std::string("commission")).pack(1).pack(
            logged.back().seq).pack(1);
      else if (i % 3 == 1)
        ev.begin("connect", 2).str("who", "police.golfe").str("addr", "127.0.0.1");
      else
        ev.begin("refusal", 3).str("who", "ngo.x").str("code", "acl").str("why", "may not publish");
      Logged e;
      e.ts_ms = kBaseTs + i * 1000 + 500;
      auto logged_event = log.event(e.ts_ms, ev.bytes());
      keep(std::move(e), logged_event);
    }
    log.close();
  }
};

// Every record of a data folder, for tampering.
struct Rec {
  std::string path;  // segment path
  std::string segment;
  uint64_t offset = 0;
  uint32_t length = 0;
  RecordKind kind{};
  uint64_t seq = 0;
};

inline std::vector<Rec> records_of(const std::string& dir) {
  auto r = LogReader::open(dir);
  REQUIRE(r.ok());
  std::vector<Rec> out;
  LogEntry e;
  for (;;) {
    auto more = (*r)->next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    out.push_back({dir + "/" + e.segment, e.segment, e.offset, e.length, e.record.kind, e.record.seq});
  }
  return out;
}

inline std::string copy_data(const std::string& data, const std::string& to) {
  fs::remove_all(to);
  fs::copy(data, to, fs::copy_options::recursive);
  return to;
}

inline Bytes slurp(const std::string& path) {
  auto b = read_file(path);
  REQUIRE(b.ok());
  return *b;
}
inline void spit(const std::string& path, const Bytes& b) {
  fs::remove(path);
  REQUIRE(write_file_durable(path, b, 0644, false).ok());
}

// Recomputes the CRC of the record at `offset` of file bytes `b`.
inline void fix_crc(Bytes* b, uint64_t offset) {
  uint32_t len = b->at(offset) | (b->at(offset + 1) << 8) | (b->at(offset + 2) << 16) |
                 (static_cast<uint32_t>(b->at(offset + 3)) << 24);
  write_frame_header(b->data() + offset, ByteView(b->data() + offset + kRecordHeaderSize, len));
}

// Position of `needle` inside the record's bytes (absolute file offset).
inline uint64_t find_in(const Bytes& file, const Rec& r, ByteView needle) {
  auto begin = file.begin() + static_cast<std::ptrdiff_t>(r.offset);
  auto end = begin + static_cast<std::ptrdiff_t>(kRecordHeaderSize + r.length);
  auto it = std::search(begin, end, needle.begin(), needle.end());
  REQUIRE(it != end);
  return static_cast<uint64_t>(it - file.begin());
}

}  // namespace relais::audit_test
