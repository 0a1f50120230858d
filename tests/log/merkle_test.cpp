#include <catch2/catch.hpp>

#include "log/merkle.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;

namespace {

Hash256 leaf(uint64_t i) { return hash_of(i, 0x5a); }
Hash256 N(const Hash256& l, const Hash256& r) { return merkle::node_hash(l, r); }

MerkleTree tree_of(uint64_t n) {
  MerkleTree t;
  for (uint64_t i = 0; i < n; ++i) t.append(leaf(i));
  return t;
}

}  // namespace

TEST_CASE("The node hash is BLAKE2b-256 of 0x01 then both children", "[merkle]") {
  const Hash256 l = leaf(0), r = leaf(1);
  Bytes m{0x01};
  m.insert(m.end(), l.begin(), l.end());
  m.insert(m.end(), r.begin(), r.end());
  CHECK(N(leaf(0), leaf(1)) == blake2b_256(m));
  CHECK(merkle::empty_root() == blake2b_256(ByteView()));
}

TEST_CASE("Small trees have the RFC 6962 shape with no duplicated last node", "[merkle]") {
  const Hash256 a = leaf(0), b = leaf(1), c = leaf(2), d = leaf(3), e = leaf(4), f = leaf(5), g = leaf(6);
  CHECK(tree_of(0).root() == merkle::empty_root());
  CHECK(tree_of(1).root() == a);
  CHECK(tree_of(2).root() == N(a, b));
  CHECK(tree_of(3).root() == N(N(a, b), c));
  CHECK(tree_of(4).root() == N(N(a, b), N(c, d)));
  CHECK(tree_of(5).root() == N(N(N(a, b), N(c, d)), e));
  CHECK(tree_of(6).root() == N(N(N(a, b), N(c, d)), N(e, f)));
  CHECK(tree_of(7).root() == N(N(N(a, b), N(c, d)), N(N(e, f), g)));
}

TEST_CASE("The frontier gives the same root as the full tree at every size", "[merkle]") {
  MerkleFrontier f;
  MerkleTree t;
  CHECK(f.root() == t.root());
  for (uint64_t i = 0; i < 300; ++i) {
    f.append(leaf(i));
    t.append(leaf(i));
    REQUIRE(f.size() == t.size());
    REQUIRE(f.root() == t.root());
    REQUIRE(f.nodes().size() == static_cast<size_t>(std::popcount(f.size())));
  }
  MerkleFrontier g;
  REQUIRE(g.restore(f.size(), f.nodes()));
  CHECK(g.root() == f.root());
  CHECK_FALSE(g.restore(3, {leaf(0)}));
}

TEST_CASE("Inclusion proofs verify for every index and size up to 20 leaves", "[merkle]") {
  const MerkleTree t = tree_of(20);
  for (uint64_t size = 1; size <= 20; ++size) {
    const Hash256 root = t.root_at(size);
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = t.inclusion_proof(i, size);
      REQUIRE(MerkleTree::verify_inclusion(i, size, leaf(i), proof, root));
      // Wrong leaf, wrong index, wrong size, tampered path, truncated or extended path all fail.
      CHECK_FALSE(MerkleTree::verify_inclusion(i, size, leaf(i + 100), proof, root));
      if (size > 1) CHECK_FALSE(MerkleTree::verify_inclusion((i + 1) % size, size, leaf(i), proof, root));
      if (!proof.empty()) {
        auto bad = proof;
        bad[0][0] ^= 1;
        CHECK_FALSE(MerkleTree::verify_inclusion(i, size, leaf(i), bad, root));
        bad = proof;
        bad.pop_back();
        CHECK_FALSE(MerkleTree::verify_inclusion(i, size, leaf(i), bad, root));
      }
      auto longer = proof;
      longer.push_back(leaf(0));
      CHECK_FALSE(MerkleTree::verify_inclusion(i, size, leaf(i), longer, root));
    }
  }
}

TEST_CASE("Consistency proofs verify for every pair of sizes up to 20 leaves", "[merkle]") {
  const MerkleTree t = tree_of(20);
  MerkleTree other;  // same sizes, one different leaf in the middle
  for (uint64_t i = 0; i < 20; ++i) other.append(i == 9 ? leaf(99) : leaf(i));
  for (uint64_t m = 1; m <= 20; ++m) {
    for (uint64_t n = m; n <= 20; ++n) {
      auto proof = t.consistency_proof(m, n);
      REQUIRE(MerkleTree::verify_consistency(m, n, t.root_at(m), t.root_at(n), proof));
      if (m < n) {
        // A history rewritten anywhere inside the new tree is refused.
        if (m <= 9 && n > 9) CHECK_FALSE(MerkleTree::verify_consistency(m, n, t.root_at(m), other.root_at(n), proof));
        CHECK_FALSE(MerkleTree::verify_consistency(m, n, t.root_at(m), t.root_at(n - 1), proof));
        auto bad = proof;
        bad.back()[5] ^= 0x80;
        CHECK_FALSE(MerkleTree::verify_consistency(m, n, t.root_at(m), t.root_at(n), bad));
        CHECK_FALSE(MerkleTree::verify_consistency(m, n, t.root_at(m), t.root_at(n), {}));
      }
    }
  }
  CHECK_FALSE(MerkleTree::verify_consistency(0, 3, merkle::empty_root(), t.root_at(3), {}));
  CHECK_FALSE(MerkleTree::verify_consistency(4, 3, t.root_at(4), t.root_at(3), {}));
}

TEST_CASE("Known proofs for a seven-leaf tree match RFC 6962's worked example shape", "[merkle]") {
  const MerkleTree t = tree_of(7);
  const Hash256 a = leaf(0), b = leaf(1), c = leaf(2), d = leaf(3), e = leaf(4), f = leaf(5), g = leaf(6);
  // RFC 6962 §2.1.3: the path for d0 (a) in the 7-leaf tree is [b, h(c,d), h(h(e,f),g)].
  CHECK(t.inclusion_proof(0, 7) == std::vector<Hash256>{b, N(c, d), N(N(e, f), g)});
  // The path for d6 (g) is [h(e,f), h(h(a,b),h(c,d))].
  CHECK(t.inclusion_proof(6, 7) == std::vector<Hash256>{N(e, f), N(N(a, b), N(c, d))});
  // Consistency 3 -> 7 is [c, d, h(a,b), h(h(e,f),g)].
  CHECK(t.consistency_proof(3, 7) == std::vector<Hash256>{c, d, N(a, b), N(N(e, f), g)});
  // Consistency 4 -> 7 is [h(h(e,f),g)].
  CHECK(t.consistency_proof(4, 7) == std::vector<Hash256>{N(N(e, f), g)});
}
