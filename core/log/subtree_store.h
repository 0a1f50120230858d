// SubtreeStore: the hashes of the log's perfect, aligned Merkle subtrees of
// 16 leaves and more, so that inclusion and consistency proofs (RFC 6962
// PATH and PROOF, docs/log-format.md §Merkle tree) cost O(log n) hashes and
// never rescan the log.
//
// Level j holds the hash of every complete subtree of 2^(4+j) leaves aligned
// on its size: about n/8 hashes in all (4 bytes of memory per leaf). The leaf
// hashes themselves are kept only for the last, incomplete block of 16;
// ranges smaller than a block elsewhere are hashed from leaves read back
// through a LeafSource (a proof needs at most two such blocks: the leaf's
// own and the one where the tree of `size` ends). The level-4 hashes (one
// per block of 16 leaves) are what the Log saves in DATA/subtrees; the upper
// levels are rebuilt from them.
//
// A plain value, not thread-safe (the Log guards it with its index lock).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "log/merkle.h"
#include "util/status.h"

namespace relais {

class SubtreeStore {
 public:
  static constexpr unsigned kBlockLevel = 4;
  static constexpr uint64_t kBlockLeaves = uint64_t{1} << kBlockLevel;
  // The hash of leaf `index` (0-based, seq - 1), read back from the log.
  using LeafSource = std::function<Result<Hash256>(uint64_t index)>;

  // Appends leaf size().
  void append(const Hash256& leaf_hash);
  uint64_t size() const { return size_; }
  // Complete blocks of 16 leaves, and the hash of block i (< blocks()).
  uint64_t blocks() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const Hash256& block(uint64_t i) const { return levels_[0][i]; }
  // Starts again from saved block hashes (the first blocks.size() * 16
  // leaves); the leaves after them are appended next.
  void restore(const std::vector<Hash256>& blocks);

  // MTH of the first `size` leaves (size <= size()).
  Result<Hash256> root_at(uint64_t size, const LeafSource& leaves) const;
  // RFC 6962 PATH(index, D[0:size]); index < size <= size().
  Result<std::vector<Hash256>> inclusion_proof(uint64_t index, uint64_t size, const LeafSource& leaves) const;
  // RFC 6962 PROOF(old_size, D[0:new_size]); 0 < old_size <= new_size <= size().
  Result<std::vector<Hash256>> consistency_proof(uint64_t old_size, uint64_t new_size,
                                                 const LeafSource& leaves) const;

 private:
  Result<Hash256> leaf(uint64_t index, const LeafSource& leaves) const;
  Result<Hash256> subtree(uint64_t begin, uint64_t end, const LeafSource& leaves) const;
  Status path(uint64_t m, uint64_t begin, uint64_t end, const LeafSource& leaves, std::vector<Hash256>* out) const;
  Status subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole, const LeafSource& leaves,
                  std::vector<Hash256>* out) const;
  void carry();

  std::vector<std::vector<Hash256>> levels_;  // levels_[j]: subtrees of 2^(4+j) leaves
  std::vector<Hash256> tail_;                 // leaves of the incomplete last block
  uint64_t size_ = 0;
};

}  // namespace relais
