// Proofs from stored subtree hashes (log/subtree_store.h, Log::inclusion_proof
// and consistency_proof) against the reference MerkleTree, which hashes every
// leaf: the same bytes for every size and index, across restarts, with
// DATA/subtrees missing, short or wrong, and each proof verifying.
#include <filesystem>
#include <fstream>

#include "log/subtree_store.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;

namespace {

Hash256 leaf_of(uint64_t i) { return hash_of(i, 3); }

}  // namespace

TEST_CASE("stored subtree hashes give the reference tree's roots and proofs, with leaves read back only near the edges",
          "[log][proof]") {
  SubtreeStore store;
  MerkleTree tree;
  size_t reads = 0;
  const SubtreeStore::LeafSource source = [&](uint64_t i) -> Result<Hash256> {
    ++reads;
    return tree.leaf(i);
  };
  for (uint64_t n = 1; n <= 300; ++n) {
    store.append(leaf_of(n));
    tree.append(leaf_of(n));
    auto root = store.root_at(n, source);
    REQUIRE(root.ok());
    REQUIRE(*root == tree.root());
    for (uint64_t m = 1; m <= n; m += (n > 40 ? 7 : 1)) {
      reads = 0;
      auto inc = store.inclusion_proof(m - 1, n, source);
      REQUIRE(inc.ok());
      REQUIRE(*inc == tree.inclusion_proof(m - 1, n));
      CHECK(reads <= 2 * SubtreeStore::kBlockLeaves);
      reads = 0;
      auto con = store.consistency_proof(m, n, source);
      REQUIRE(con.ok());
      REQUIRE(*con == tree.consistency_proof(m, n));
      CHECK(reads <= 2 * SubtreeStore::kBlockLeaves);
    }
  }
  // Restored from its block hashes, it answers the same.
  SubtreeStore again;
  std::vector<Hash256> blocks;
  for (uint64_t b = 0; b < store.blocks(); ++b) blocks.push_back(store.block(b));
  again.restore(blocks);
  for (uint64_t i = again.size(); i < tree.size(); ++i) again.append(tree.leaf(i));
  REQUIRE(again.size() == tree.size());
  auto p = again.inclusion_proof(100, 300, source);
  REQUIRE(p.ok());
  CHECK(*p == tree.inclusion_proof(100, 300));
}

TEST_CASE("the log serves proofs that verify against its checkpoints, after a restart too, whatever DATA/subtrees "
          "holds",
          "[log][proof]") {
  TempDir dir;
  SignKey key;
  LogOptions o = options_for(dir.path);
  o.checkpoint_every = 50;
  o.segment_bytes = 4096;  // several segments
  MerkleTree tree;
  {
    auto log = Log::open(o, key.sk);
    REQUIRE(log.ok());
    for (uint64_t i = 1; i <= 237; i += 30) {  // groups of 30, each waited for
      const uint64_t end = std::min<uint64_t>(i + 30, 238);
      for (uint64_t k = i; k < end; ++k)
        (*log)->submit_message(k, 1700000000000 + static_cast<int64_t>(k), hash_of(k, 1), hash_of(k, 2), envelope_of(k));
      for (const Completion& c : wait_for(**log, end - i)) {
        REQUIRE(c.status.ok());
        REQUIRE(c.seq == tree.size() + 1);
        tree.append(c.leaf_hash);
      }
    }
    // Checkpoints fall at batch boundaries, and where the writer cuts a batch
    // depends on when its thread wakes: only their order is fixed.
    auto cp = (*log)->first_checkpoint_covering(121);
    REQUIRE(cp);
    CHECK(cp->size >= 121);
    CHECK(cp->size <= 237);
    auto earlier = (*log)->first_checkpoint_covering(120);
    REQUIRE(earlier);
    CHECK(earlier->size >= 120);
    CHECK(earlier->size <= cp->size);
    CHECK(cp->verify(key.pk));
    auto inc = (*log)->inclusion_proof(121, cp->size);
    REQUIRE(inc.ok());
    CHECK(MerkleTree::verify_inclusion(120, cp->size, tree.leaf(120), *inc, cp->root));
    CHECK_FALSE((*log)->first_checkpoint_covering(238));
    CHECK((*log)->inclusion_proof(1, 238).status().code() == Code::kNotFound);
    CHECK((*log)->consistency_proof(5, 4).status().code() == Code::kInvalid);
  }
  const std::string subtrees = dir.path + "/subtrees";
  REQUIRE(std::filesystem::exists(subtrees));
  SECTION("as saved") {}
  SECTION("missing") { std::filesystem::remove(subtrees); }
  SECTION("cut short") { std::filesystem::resize_file(subtrees, 8 + 32 * 3 + 5); }
  SECTION("with a wrong hash") {
    std::fstream f(subtrees, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 + 32 * 2);
    f.put('\x55');
  }
  auto log = Log::open(o, key.sk);
  REQUIRE(log.ok());
  const uint64_t n = (*log)->last_durable_seq();
  REQUIRE(n == tree.size());  // the close's checkpoint adds no leaf
  for (uint64_t size : {uint64_t{1}, uint64_t{16}, uint64_t{17}, uint64_t{100}, n}) {
    auto root = (*log)->root_at(size);
    REQUIRE(root.ok());
    CHECK(*root == tree.root_at(size));
    for (uint64_t seq : {uint64_t{1}, size / 2 + 1, size}) {
      auto inc = (*log)->inclusion_proof(seq, size);
      REQUIRE(inc.ok());
      CHECK(*inc == tree.inclusion_proof(seq - 1, size));
      auto con = (*log)->consistency_proof(seq, size);
      REQUIRE(con.ok());
      CHECK(*con == tree.consistency_proof(seq, size));
    }
  }
  auto latest = (*log)->latest_checkpoint();
  REQUIRE(latest);
  auto con = (*log)->consistency_proof(120, latest->size);
  REQUIRE(con.ok());
  CHECK(MerkleTree::verify_consistency(120, latest->size, tree.root_at(120), latest->root, *con));
  // Records appended after the restart extend the stored hashes.
  (*log)->submit_event(1, 1700000001000, Bytes{0x80});
  auto done = wait_for(**log, 1);
  tree.append(done[0].leaf_hash);
  auto inc = (*log)->inclusion_proof(n + 1, n + 1);
  REQUIRE(inc.ok());
  CHECK(*inc == tree.inclusion_proof(n, n + 1));
}
