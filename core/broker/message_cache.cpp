#include "broker/message_cache.h"

#include <spdlog/spdlog.h>

#include "crypto/envelope.h"
#include "log/erased_message.h"

namespace relais {

void MessageCache::evict_oldest() {
  auto it = recent_.find(order_.front());
  if (it != recent_.end()) {
    if (it->second) bytes_ -= it->second->envelope.size();
    recent_.erase(it);
  }
  order_.pop_front();
}

void MessageCache::insert(uint64_t seq, std::shared_ptr<CachedMessage> m) {
  const size_t size = m ? m->envelope.size() : 0;
  if (size > max_bytes_) return;  // never cached: read from the log when needed
  auto [it, inserted] = recent_.try_emplace(seq);
  if (!inserted) {
    if (it->second) bytes_ -= it->second->envelope.size();
  } else {
    order_.push_back(seq);
  }
  it->second = std::move(m);
  bytes_ += size;
  while (!order_.empty() && (order_.size() > capacity_ || bytes_ > max_bytes_)) evict_oldest();
}

std::shared_ptr<CachedMessage> MessageCache::load(uint64_t seq, bool* is_message) {
  if (auto it = recent_.find(seq); it != recent_.end()) {
    *is_message = it->second != nullptr;
    return it->second;
  }
  *is_message = false;
  auto rec = log_.read(seq);
  if (!rec.ok()) {
    spdlog::error("broker: cannot read record {} from the log: {}", seq, rec.status().message());
    return nullptr;
  }
  if (!is_message_kind(rec->kind)) return nullptr;
  const bool erased = rec->kind == RecordKind::kErasedMessage || (!erasing_.empty() && erasing_.count(seq) != 0);
  auto env = rec->kind == RecordKind::kErasedMessage ? erased_envelope(RecordView{rec->kind, seq, rec->ts_ms,
                                                                                  rec->core_hash, rec->ct_hash,
                                                                                  rec->payload, rec->erased_by,
                                                                                  ByteView(rec->sig), std::nullopt})
                                                     : decode_envelope(rec->payload);
  if (!env.ok()) {
    spdlog::error("broker: logged record {} does not decode: {}", seq, env.status().message());
    return nullptr;
  }
  // Its own route: the readers are the envelope's `to`, which a bundle
  // changed since it was logged does not change.
  auto route = std::make_shared<TopicRoute>();
  route->topic = env->header.topic;
  route->readers.reserve(env->header.to.size());
  for (const auto& r : env->header.to) route->readers.push_back(r.name);
  auto m = std::make_shared<CachedMessage>();
  m->seq = seq;
  m->route = std::move(route);
  m->expires_ms = env->header.expires_ms;
  m->erased = erased;
  if (!erased) m->envelope = std::move(rec->payload);
  *is_message = true;
  return m;
}

void MessageCache::begin_erasure(const std::vector<uint64_t>& seqs) {
  for (uint64_t seq : seqs) {
    erasing_.insert(seq);
    auto it = recent_.find(seq);
    if (it == recent_.end() || !it->second) continue;
    bytes_ -= it->second->envelope.size();
    recent_.erase(it);  // its place in order_ is skipped when it comes up
  }
}

void MessageCache::end_erasure(const std::vector<uint64_t>& seqs) {
  for (uint64_t seq : seqs) erasing_.erase(seq);
}

}  // namespace relais
