#include "log/merkle.h"

#include <bit>
#include <cassert>

namespace relais {
namespace merkle {

Hash256 empty_root() { return blake2b_256(ByteView()); }

Hash256 node_hash(const Hash256& left, const Hash256& right) {
  uint8_t buf[65];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  return blake2b_256(ByteView(buf, sizeof buf));
}

uint64_t split_point(uint64_t n) { return std::bit_floor(n - 1); }

}  // namespace merkle


void MerkleFrontier::append(const Hash256& leaf_hash) {
  Hash256 h = leaf_hash;
  for (uint64_t s = size_; s & 1u; s >>= 1) {
    h = merkle::node_hash(nodes_.back(), h);
    nodes_.pop_back();
  }
  nodes_.push_back(h);
  ++size_;
}

Hash256 MerkleFrontier::root() const {
  if (nodes_.empty()) return merkle::empty_root();
  Hash256 r = nodes_.back();
  for (size_t i = nodes_.size() - 1; i-- > 0;) r = merkle::node_hash(nodes_[i], r);
  return r;
}

bool MerkleFrontier::restore(uint64_t size, std::vector<Hash256> nodes) {
  if (static_cast<uint64_t>(std::popcount(size)) != nodes.size()) return false;
  size_ = size;
  nodes_ = std::move(nodes);
  return true;
}

Hash256 MerkleTree::subtree(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  if (n == 0) return merkle::empty_root();
  if (n == 1) return leaves_[begin];
  const uint64_t k = merkle::split_point(n);
  return merkle::node_hash(subtree(begin, begin + k), subtree(begin + k, end));
}

Hash256 MerkleTree::root_at(uint64_t size) const {
  assert(size <= leaves_.size());
  return subtree(0, size);
}

void MerkleTree::path(uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash256>* out) const {
  const uint64_t n = end - begin;
  if (n <= 1) return;
  const uint64_t k = merkle::split_point(n);
  if (m < k) {
    path(m, begin, begin + k, out);
    out->push_back(subtree(begin + k, end));
  } else {
    path(m - k, begin + k, end, out);
    out->push_back(subtree(begin, begin + k));
  }
}

std::vector<Hash256> MerkleTree::inclusion_proof(uint64_t index, uint64_t size) const {
  assert(index < size && size <= leaves_.size());
  std::vector<Hash256> out;
  path(index, 0, size, &out);
  return out;
}

void MerkleTree::subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                          std::vector<Hash256>* out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out->push_back(subtree(begin, end));
    return;
  }
  const uint64_t k = merkle::split_point(n);
  if (m <= k) {
    subproof(m, begin, begin + k, whole, out);
    out->push_back(subtree(begin + k, end));
  } else {
    subproof(m - k, begin + k, end, false, out);
    out->push_back(subtree(begin, begin + k));
  }
}

std::vector<Hash256> MerkleTree::consistency_proof(uint64_t old_size, uint64_t new_size) const {
  assert(old_size > 0 && old_size <= new_size && new_size <= leaves_.size());
  std::vector<Hash256> out;
  subproof(old_size, 0, new_size, true, &out);
  return out;
}

bool MerkleTree::verify_inclusion(uint64_t index, uint64_t size, const Hash256& leaf_hash,
                                  const std::vector<Hash256>& proof, const Hash256& root) {
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1u) || fn == sn) {
      r = merkle::node_hash(p, r);
      while (!(fn & 1u) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = merkle::node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && equal_ct(r, root);
}

bool MerkleTree::verify_consistency(uint64_t old_size, uint64_t new_size, const Hash256& old_root,
                                    const Hash256& new_root, const std::vector<Hash256>& proof) {
  if (old_size == 0 || old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && equal_ct(old_root, new_root);
  if (proof.empty()) return false;
  std::vector<Hash256> path;
  path.reserve(proof.size() + 1);
  if ((old_size & (old_size - 1)) == 0) path.push_back(old_root);  // old tree is a perfect subtree
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn & 1u) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash256 fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash256& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1u) || fn == sn) {
      fr = merkle::node_hash(c, fr);
      sr = merkle::node_hash(c, sr);
      while (!(fn & 1u) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = merkle::node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && equal_ct(fr, old_root) && equal_ct(sr, new_root);
}

}  // namespace relais
