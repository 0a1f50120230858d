// Merkle trees over the log's leaves, RFC 6962 / RFC 9162 shape with
// BLAKE2b-256 (libsodium crypto_generichash): node = H(0x01 ‖ left ‖ right),
// the tree of n leaves splits at the largest power of two below n, and the
// last node is never duplicated. Leaf hashes are computed by the caller (see
// record.h: they already carry the 0x00 prefix); the empty tree's root is
// H("") as in RFC 6962. See docs/log-format.md §Merkle.
//
// MerkleFrontier: O(log n) memory, O(log n) append, for a writer that only
//   needs the current root. MerkleTree: keeps every leaf hash and produces
//   inclusion and consistency proofs (O(n) hashing per proof), for the
//   auditor. Neither is thread-safe; both are copyable values.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "crypto/hashing.h"
#include "util/bytes.h"

namespace relais {


namespace merkle {
Hash256 empty_root();                                     // H("")
Hash256 node_hash(const Hash256& left, const Hash256& right);  // H(0x01 ‖ l ‖ r)
// The largest power of two strictly below n (n >= 2): where RFC 6962 splits a tree of n leaves.
uint64_t split_point(uint64_t n);
}  // namespace merkle

class MerkleFrontier {
 public:
  void append(const Hash256& leaf_hash);
  uint64_t size() const { return size_; }
  Hash256 root() const;
  // The roots of the perfect subtrees, left (largest) first; one per set bit of size().
  const std::vector<Hash256>& nodes() const { return nodes_; }
  // Rebuilds a frontier from saved nodes(); false if the count does not match size's bits.
  bool restore(uint64_t size, std::vector<Hash256> nodes);

 private:
  uint64_t size_ = 0;
  std::vector<Hash256> nodes_;
};

class MerkleTree {
 public:
  void append(const Hash256& leaf_hash) { leaves_.push_back(leaf_hash); }
  uint64_t size() const { return leaves_.size(); }
  const Hash256& leaf(uint64_t index) const { return leaves_[index]; }
  Hash256 root() const { return root_at(size()); }
  // Root of the first `size` leaves; size <= size().
  Hash256 root_at(uint64_t size) const;
  // RFC 6962 PATH(index, D[0:size]); requires index < size <= size().
  std::vector<Hash256> inclusion_proof(uint64_t index, uint64_t size) const;
  // RFC 6962 PROOF(old_size, D[0:new_size]); requires 0 < old_size <= new_size <= size().
  std::vector<Hash256> consistency_proof(uint64_t old_size, uint64_t new_size) const;

  // RFC 9162 §2.1.3.2. True only if `proof` shows leaf_hash at index in the tree (size, root).
  static bool verify_inclusion(uint64_t index, uint64_t size, const Hash256& leaf_hash,
                               const std::vector<Hash256>& proof, const Hash256& root);
  // RFC 9162 §2.1.4.2. True only if the tree (old_size, old_root) is a prefix of (new_size, new_root).
  static bool verify_consistency(uint64_t old_size, uint64_t new_size, const Hash256& old_root,
                                 const Hash256& new_root, const std::vector<Hash256>& proof);

 private:
  Hash256 subtree(uint64_t begin, uint64_t end) const;
  void path(uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash256>* out) const;
  void subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole, std::vector<Hash256>* out) const;

  std::vector<Hash256> leaves_;
};

}  // namespace relais
