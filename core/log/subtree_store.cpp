#include "log/subtree_store.h"

#include <bit>
#include <cassert>

namespace relais {

void SubtreeStore::carry() {
  // A new block: every level whose count became even gains a parent.
  for (size_t j = 0; j < levels_.size() && levels_[j].size() % 2 == 0; ++j) {
    const auto& l = levels_[j];
    const Hash256 parent = merkle::node_hash(l[l.size() - 2], l[l.size() - 1]);
    if (j + 1 == levels_.size()) levels_.emplace_back();
    levels_[j + 1].push_back(parent);
  }
}

void SubtreeStore::append(const Hash256& leaf_hash) {
  tail_.push_back(leaf_hash);
  ++size_;
  if (tail_.size() < kBlockLeaves) return;
  // Hash the block's perfect tree in place.
  for (size_t n = kBlockLeaves; n > 1; n /= 2)
    for (size_t i = 0; i < n / 2; ++i) tail_[i] = merkle::node_hash(tail_[2 * i], tail_[2 * i + 1]);
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(tail_[0]);
  tail_.clear();
  carry();
}

void SubtreeStore::restore(const std::vector<Hash256>& blocks) {
  levels_.clear();
  tail_.clear();
  size_ = 0;
  for (const Hash256& b : blocks) {
    if (levels_.empty()) levels_.emplace_back();
    levels_[0].push_back(b);
    size_ += kBlockLeaves;
    carry();
  }
}

Result<Hash256> SubtreeStore::leaf(uint64_t index, const LeafSource& leaves) const {
  const uint64_t first_tail = blocks() * kBlockLeaves;
  if (index >= first_tail) return tail_[index - first_tail];
  return leaves(index);
}

Result<Hash256> SubtreeStore::subtree(uint64_t begin, uint64_t end, const LeafSource& leaves) const {
  const uint64_t n = end - begin;
  if (n == 0) return merkle::empty_root();
  if (n == 1) return leaf(begin, leaves);
  if (std::has_single_bit(n) && n >= kBlockLeaves && begin % n == 0) {
    const unsigned level = static_cast<unsigned>(std::countr_zero(n)) - kBlockLevel;
    const uint64_t i = begin / n;
    if (level < levels_.size() && i < levels_[level].size()) return levels_[level][i];
  }
  const uint64_t k = merkle::split_point(n);
  auto left = subtree(begin, begin + k, leaves);
  if (!left.ok()) return left.status();
  auto right = subtree(begin + k, end, leaves);
  if (!right.ok()) return right.status();
  return merkle::node_hash(*left, *right);
}

Result<Hash256> SubtreeStore::root_at(uint64_t size, const LeafSource& leaves) const {
  assert(size <= size_);
  return subtree(0, size, leaves);
}

Status SubtreeStore::path(uint64_t m, uint64_t begin, uint64_t end, const LeafSource& leaves,
                          std::vector<Hash256>* out) const {
  const uint64_t n = end - begin;
  if (n <= 1) return Status::Ok();
  const uint64_t k = merkle::split_point(n);
  Result<Hash256> sibling = Hash256{};
  if (m < k) {
    RELAIS_RETURN_IF_ERROR(path(m, begin, begin + k, leaves, out));
    sibling = subtree(begin + k, end, leaves);
  } else {
    RELAIS_RETURN_IF_ERROR(path(m - k, begin + k, end, leaves, out));
    sibling = subtree(begin, begin + k, leaves);
  }
  if (!sibling.ok()) return sibling.status();
  out->push_back(*sibling);
  return Status::Ok();
}

Result<std::vector<Hash256>> SubtreeStore::inclusion_proof(uint64_t index, uint64_t size,
                                                          const LeafSource& leaves) const {
  assert(index < size && size <= size_);
  std::vector<Hash256> out;
  RELAIS_RETURN_IF_ERROR(path(index, 0, size, leaves, &out));
  return out;
}

Status SubtreeStore::subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole, const LeafSource& leaves,
                              std::vector<Hash256>* out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (whole) return Status::Ok();
    auto h = subtree(begin, end, leaves);
    if (!h.ok()) return h.status();
    out->push_back(*h);
    return Status::Ok();
  }
  const uint64_t k = merkle::split_point(n);
  Result<Hash256> sibling = Hash256{};
  if (m <= k) {
    RELAIS_RETURN_IF_ERROR(subproof(m, begin, begin + k, whole, leaves, out));
    sibling = subtree(begin + k, end, leaves);
  } else {
    RELAIS_RETURN_IF_ERROR(subproof(m - k, begin + k, end, false, leaves, out));
    sibling = subtree(begin, begin + k, leaves);
  }
  if (!sibling.ok()) return sibling.status();
  out->push_back(*sibling);
  return Status::Ok();
}

Result<std::vector<Hash256>> SubtreeStore::consistency_proof(uint64_t old_size, uint64_t new_size,
                                                            const LeafSource& leaves) const {
  assert(old_size > 0 && old_size <= new_size && new_size <= size_);
  std::vector<Hash256> out;
  if (old_size == new_size) return out;
  RELAIS_RETURN_IF_ERROR(subproof(old_size, 0, new_size, true, leaves, &out));
  return out;
}

}  // namespace relais
