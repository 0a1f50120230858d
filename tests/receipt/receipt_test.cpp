// Receipts: batch signatures, their paths against the RFC 6962 tree, the
// wire form and refusal of every alteration.
#include <catch2/catch.hpp>
#include <cstring>
#include <sodium.h>

#include "log/merkle.h"
#include "receipt/receipt.h"

using namespace relais;

namespace {

Identity broker_identity() {
  auto id = generate_identity("broker", Role::kBroker, "", "");
  REQUIRE(id.ok());
  return std::move(id).value();
}

std::vector<ReceiptFields> fields(size_t n) {
  std::vector<ReceiptFields> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i].id = new_uuid_v7(1700000000000 + static_cast<int64_t>(i));
    v[i].seq = 1000 + i;
    v[i].leaf_hash.fill(static_cast<uint8_t>(i));
    v[i].ts_ms = 1700000000000 + static_cast<int64_t>(i);
    v[i].epoch = 2;
  }
  return v;
}

void put_le(Bytes* b, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// prefix ‖ context ‖ NUL ‖ epoch u64le ‖ id ‖ seq u64le ‖ leaf ‖ ts i64le, as receipt.h documents.
Bytes documented_fields(Bytes prefix, const std::string& context, const ReceiptFields& f) {
  Bytes m = std::move(prefix);
  m.insert(m.end(), context.begin(), context.end());
  m.push_back(0);
  put_le(&m, f.epoch, 8);
  m.insert(m.end(), f.id.begin(), f.id.end());
  put_le(&m, f.seq, 8);
  m.insert(m.end(), f.leaf_hash.begin(), f.leaf_hash.end());
  put_le(&m, static_cast<uint64_t>(f.ts_ms), 8);
  return m;
}

Hash256 documented_item(const ReceiptFields& f) {
  return blake2b_256(documented_fields(Bytes{0x00}, "relais/receipt/v3", f));
}

}  // namespace

TEST_CASE("every receipt of a batch verifies and its path is the RFC 6962 inclusion proof", "[receipt]") {
  const Identity b = broker_identity();
  for (size_t n : {1u, 2u, 3u, 5u, 7u, 8u, 9u, 31u, 64u, 100u}) {
    auto items = fields(n);
    std::vector<Receipt> rs;
    sign_receipt_batch(items, b.sign_sk, &rs);
    REQUIRE(rs.size() == n);
    MerkleTree tree;
    for (const auto& f : items) tree.append(documented_item(f));
    const Hash256 root = tree.root();
    Bytes msg;
    const std::string ctx = "relais/receipt-batch/v3";
    msg.insert(msg.end(), ctx.begin(), ctx.end());
    msg.push_back(0);
    msg.insert(msg.end(), root.begin(), root.end());
    put_le(&msg, n, 4);
    for (size_t k = 0; k < n; ++k) {
      const Receipt& r = rs[k];
      CHECK(r.version == 3);
      CHECK(r.index == k);
      CHECK(r.count == n);
      CHECK(r.seq == items[k].seq);
      CHECK(verify_receipt(r, b.card.sign_pk).ok());
      CHECK(r.path == tree.inclusion_proof(k, n));
      CHECK(crypto_sign_verify_detached(r.sig.data(), msg.data(), msg.size(), b.card.sign_pk.data()) == 0);
    }
  }
}

TEST_CASE("a receipt survives its wire form and refuses any altered field", "[receipt]") {
  const Identity b = broker_identity();
  auto items = fields(6);
  std::vector<Receipt> rs;
  sign_receipt_batch(items, b.sign_sk, &rs);
  const Bytes wire = encode_receipt(rs[4]);
  auto back = decode_receipt(wire);
  REQUIRE(back.ok());
  CHECK(verify_receipt(*back, b.card.sign_pk).ok());
  CHECK(encode_receipt(*back) == wire);

  auto altered = [&](auto change) {
    Receipt r = *back;
    change(r);
    return verify_receipt(r, b.card.sign_pk);
  };
  CHECK_FALSE(altered([](Receipt& r) { r.seq += 1; }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.id[0] ^= 1; }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.leaf_hash[31] ^= 1; }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.ts_ms += 1; }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.index = 5; }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.count = 7; }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.path[0][0] ^= 1; }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.path.pop_back(); }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.path.push_back(r.path[0]); }).ok());
  CHECK_FALSE(altered([](Receipt& r) { r.sig[0] ^= 1; }).ok());
  const Identity other = broker_identity();
  CHECK_FALSE(verify_receipt(*back, other.card.sign_pk).ok());
  // Another receipt's fields under this one's path and signature.
  Receipt swapped = rs[3];
  swapped.path = rs[4].path;
  swapped.index = 4;
  CHECK_FALSE(verify_receipt(swapped, b.card.sign_pk).ok());
}

TEST_CASE("a receipt of another version than 3 is refused", "[receipt]") {
  const Identity b = broker_identity();
  std::vector<Receipt> rs;
  sign_receipt_batch(fields(1), b.sign_sk, &rs);
  Bytes wire = encode_receipt(rs[0]);
  REQUIRE(wire[1] == 3);  // fixarray of 10, then the version
  wire[1] = 2;
  CHECK_FALSE(decode_receipt(wire).ok());
  Receipt v2 = rs[0];
  v2.version = 2;
  CHECK_FALSE(verify_receipt(v2, b.card.sign_pk).ok());
}

TEST_CASE("a receipt carries its log epoch, signed", "[receipt]") {
  const Identity b = broker_identity();
  std::vector<Receipt> rs;
  sign_receipt_batch(fields(2), b.sign_sk, &rs);
  REQUIRE(rs[1].epoch == 2);
  auto back = decode_receipt(encode_receipt(rs[1]));
  REQUIRE(back.ok());
  CHECK(back->epoch == 2);
  CHECK(verify_receipt(*back, b.card.sign_pk).ok());
  Receipt moved = rs[1];
  moved.epoch = 3;  // the same seq claimed in another epoch
  CHECK_FALSE(verify_receipt(moved, b.card.sign_pk).ok());
}

TEST_CASE("malformed receipts are refused with a clear error", "[receipt]") {
  const Identity b = broker_identity();
  std::vector<Receipt> rs;
  sign_receipt_batch(fields(3), b.sign_sk, &rs);
  const Bytes wire = encode_receipt(rs[2]);
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    auto r = decode_receipt(ByteView(wire.data(), cut));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("receipt:") == 0);
  }
  Bytes flipped = wire;
  for (size_t i = 0; i < flipped.size(); ++i) {
    flipped[i] ^= 0x40;
    auto r = decode_receipt(flipped);
    if (r.ok()) CHECK_FALSE(verify_receipt(*r, b.card.sign_pk).ok());
    flipped[i] ^= 0x40;
  }
  Receipt unknown = rs[0];
  unknown.version = 4;
  CHECK_FALSE(verify_receipt(unknown, b.card.sign_pk).ok());
}
