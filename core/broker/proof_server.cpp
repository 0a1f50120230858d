#include "broker/proof_server.h"

#include "util/log_text.h"

namespace relais {
namespace {

ProofAnswer refused(const ProofRequest& r, ErrorCode code, std::string reason) {
  ProofAnswer a{r.rid, r.req_id, r.kind, r.arg, false, {}, code, {}};
  a.reason = "FETCH " + log_text(r.kind, 32) + ":" + log_text(r.arg, 48) + ": " + std::move(reason);
  return a;
}

ProofAnswer data(const ProofRequest& r, Bytes payload) {
  return ProofAnswer{r.rid, r.req_id, r.kind, r.arg, true, std::move(payload), ErrorCode::kMalformed, {}};
}

CheckpointData to_data(const Checkpoint& cp) {
  CheckpointData d;
  d.epoch = cp.epoch;
  d.size = cp.size;
  d.root = cp.root;
  d.ts_ms = cp.ts_ms;
  d.sig = cp.sig;
  return d;
}

std::vector<ProofHash> to_proof(const std::vector<Hash256>& v) { return std::vector<ProofHash>(v.begin(), v.end()); }

// A request beyond the log is the asker's mistake; anything else is the broker's.
ProofAnswer failed(const ProofRequest& r, const Status& s) {
  if (s.code() == Code::kNotFound || s.code() == Code::kInvalid) return refused(r, ErrorCode::kMalformed, s.message());
  return refused(r, ErrorCode::kStorage, s.message() + "; retry later");
}

}  // namespace

ProofServer::ProofServer(const Log& log, unsigned threads)
    : log_(log), pool_(threads, [this](ProofRequest& r) { done_.push(answer(log_, r)); }, PendingJobs::kDrop) {}

ProofServer::~ProofServer() { pool_.stop(PendingJobs::kDrop); }

bool ProofServer::submit(ProofRequest r) {
  if (queued_.load(std::memory_order_relaxed) >= kMaxQueued) return false;
  queued_.fetch_add(1, std::memory_order_relaxed);
  pool_.submit(std::move(r));
  return true;
}

void ProofServer::drain(std::vector<ProofAnswer>* out) {
  const size_t before = out->size();
  done_.drain(out);
  queued_.fetch_sub(out->size() - before, std::memory_order_relaxed);
}

ProofAnswer ProofServer::answer(const Log& log, const ProofRequest& r) {
  if (r.kind == kFetchCheckpoint) {
    if (r.arg == "latest") {
      auto cp = log.latest_checkpoint();
      if (!cp) return refused(r, ErrorCode::kLimit, "the broker has signed no checkpoint yet; ask again shortly");
      return data(r, encode_fetch_data(to_data(*cp)));
    }
    uint64_t seq = 0;
    const std::string_view arg = r.arg;
    uint64_t zero = 0;
    if (arg.rfind("covering:", 0) == 0 && parse_fetch_pair("0:" + std::string(arg.substr(9)), &zero, &seq) &&
        seq > 0) {  // (the pair parser reads the one decimal after "covering:")
      auto cp = log.first_checkpoint_covering(seq);
      if (!cp) {
        const auto latest = log.latest_checkpoint();
        return refused(r, ErrorCode::kLimit,
                       "no signed checkpoint covers seq " + std::to_string(seq) + " yet (the latest covers " +
                           std::to_string(latest ? latest->size : 0) +
                           "): ask again once the broker signs its next one (checkpoint_seconds)");
      }
      return data(r, encode_fetch_data(to_data(*cp)));
    }
    return refused(r, ErrorCode::kMalformed, "a checkpoint is fetched by \"latest\" or \"covering:<seq>\"");
  }
  if (r.kind == kFetchRestored) {
    uint64_t zero = 0, epoch = 0;
    if (!parse_fetch_pair("0:" + r.arg, &zero, &epoch))
      return refused(r, ErrorCode::kMalformed, "a restored record is fetched by its epoch (a decimal)");
    if (epoch == 0 || epoch != log.epoch())
      return refused(r, ErrorCode::kMalformed,
                     "the broker serves the restored record of its current epoch only (" + std::to_string(log.epoch()) +
                         (log.epoch() == 0 ? ": its log was never restored)" : ")"));
    auto rec = log.read(log.epoch_began_after() + 1);
    if (!rec.ok()) return failed(r, rec.status());
    if (rec->kind != RecordKind::kEvent)
      return refused(r, ErrorCode::kStorage, "the record that began epoch " + std::to_string(epoch) + " is not an event");
    return data(r, encode_fetch_data(RestoredData{rec->seq, rec->ts_ms, std::move(rec->payload)}));
  }
  uint64_t a = 0, b = 0;
  if (!parse_fetch_pair(r.arg, &a, &b))
    return refused(r, ErrorCode::kMalformed,
                   r.kind == kFetchInclusion ? "an inclusion proof is fetched by \"<seq>:<size>\""
                                             : "a consistency proof is fetched by \"<old size>:<new size>\"");
  if (r.kind == kFetchConsistency) {
    auto proof = log.consistency_proof(a, b);
    if (!proof.ok()) return failed(r, proof.status());
    return data(r, encode_fetch_data(ConsistencyData{a, b, to_proof(*proof)}));
  }
  auto proof = log.inclusion_proof(a, b);
  if (!proof.ok()) return failed(r, proof.status());
  auto leaf = log.leaf_hash(a);
  if (!leaf.ok()) return failed(r, leaf.status());
  return data(r, encode_fetch_data(InclusionData{a, b, *leaf, to_proof(*proof)}));
}

}  // namespace relais
