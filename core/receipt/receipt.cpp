#include "receipt/receipt.h"

#include <cassert>
#include <cstring>
#include <msgpack.hpp>
#include <sodium.h>

#include "log/merkle.h"
#include "util/msgpack_limits.h"

namespace relais {
namespace {

constexpr char kReceiptItemContext[] = "relais/receipt/v3";      // + its NUL
constexpr char kReceiptBatchContext[] = "relais/receipt-batch/v3";  // + its NUL
constexpr size_t kFieldsSize = 8 + 16 + 8 + 32 + 8;

void put_le(uint8_t* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// context ‖ NUL ‖ epoch ‖ id ‖ seq ‖ leaf ‖ ts, written at m (which has room).
size_t put_fields(uint8_t* m, const char* context, size_t context_size, const ReceiptFields& f) {
  size_t o = 0;
  std::memcpy(m, context, context_size);
  o += context_size;
  put_le(m + o, f.epoch, 8); o += 8;
  std::memcpy(m + o, f.id.data(), 16); o += 16;
  put_le(m + o, f.seq, 8); o += 8;
  std::memcpy(m + o, f.leaf_hash.data(), 32); o += 32;
  put_le(m + o, static_cast<uint64_t>(f.ts_ms), 8); o += 8;
  return o;
}

Hash256 item_hash(const ReceiptFields& f) {
  std::array<uint8_t, 1 + sizeof(kReceiptItemContext) + kFieldsSize> m{};
  m[0] = 0x00;  // leaf prefix: items never collide with nodes (0x01)
  put_fields(m.data() + 1, kReceiptItemContext, sizeof(kReceiptItemContext), f);
  return blake2b_256(m);
}

std::array<uint8_t, sizeof(kReceiptBatchContext) + 32 + 4> batch_message(const Hash256& root, uint32_t count) {
  std::array<uint8_t, sizeof(kReceiptBatchContext) + 32 + 4> m{};
  std::memcpy(m.data(), kReceiptBatchContext, sizeof(kReceiptBatchContext));
  std::memcpy(m.data() + sizeof(kReceiptBatchContext), root.data(), 32);
  put_le(m.data() + sizeof(kReceiptBatchContext) + 32, count, 4);
  return m;
}

// The root that `path` leads to from item `h` at index of count, or nullopt
// when the path's length does not fit (index, count). Level by level, a lone
// last node is promoted unchanged: this is the RFC 6962 tree.
std::optional<Hash256> root_from_path(Hash256 h, uint64_t index, uint64_t count,
                                     const std::vector<std::array<uint8_t, 32>>& path) {
  if (count == 0 || index >= count) return std::nullopt;
  size_t used = 0;
  for (uint64_t i = index, n = count; n > 1; i >>= 1, n = (n + 1) / 2) {
    if ((i ^ 1) >= n) continue;  // promoted
    if (used == path.size()) return std::nullopt;
    const Hash256& sibling = path[used++];
    h = (i & 1) ? merkle::node_hash(sibling, h) : merkle::node_hash(h, sibling);
  }
  if (used != path.size()) return std::nullopt;
  return h;
}

struct Sink {
  Bytes* out;
  void write(const char* d, size_t n) { out->insert(out->end(), d, d + n); }
};

template <typename P>
void pack_bin(P& p, const uint8_t* d, uint32_t n) {
  p.pack_bin(n);
  p.pack_bin_body(reinterpret_cast<const char*>(d), n);
}

}  // namespace

void sign_receipt_batch(std::span<const ReceiptFields> items, const SecretBytes& sk, std::vector<Receipt>* out) {
  assert(sk.size() == crypto_sign_SECRETKEYBYTES);
  assert(!items.empty() && items.size() <= kMaxReceiptBatch);
  const uint32_t count = static_cast<uint32_t>(items.size());
  // levels[0] = item hashes; each next level pairs neighbours, promoting a lone last node.
  std::vector<std::vector<Hash256>> levels(1);
  levels[0].reserve(count);
  for (const ReceiptFields& f : items) levels[0].push_back(item_hash(f));
  while (levels.back().size() > 1) {
    const std::vector<Hash256>& below = levels.back();
    std::vector<Hash256> up;
    up.reserve((below.size() + 1) / 2);
    for (size_t i = 0; i < below.size(); i += 2)
      up.push_back(i + 1 < below.size() ? merkle::node_hash(below[i], below[i + 1]) : below[i]);
    levels.push_back(std::move(up));
  }
  const auto m = batch_message(levels.back()[0], count);
  std::array<uint8_t, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, m.data(), m.size(), sk.data());
  out->resize(count);
  for (uint32_t k = 0; k < count; ++k) {
    Receipt& r = (*out)[k];
    r.version = 3;
    r.epoch = items[k].epoch;
    r.id = items[k].id;
    r.seq = items[k].seq;
    r.leaf_hash = items[k].leaf_hash;
    r.ts_ms = items[k].ts_ms;
    r.index = k;
    r.count = count;
    r.sig = sig;
    r.path.clear();
    uint64_t i = k;
    for (size_t l = 0; l + 1 < levels.size(); ++l, i >>= 1)
      if ((i ^ 1) < levels[l].size()) r.path.push_back(levels[l][i ^ 1]);
  }
}

Receipt sign_receipt(const ReceiptFields& fields, const SecretBytes& sk) {
  std::vector<Receipt> one;
  sign_receipt_batch(std::span<const ReceiptFields>(&fields, 1), sk, &one);
  return std::move(one[0]);
}

Status verify_receipt(const Receipt& r, const PublicKey& pk) {
  const ReceiptFields fields{r.id, r.seq, r.leaf_hash, r.ts_ms, r.epoch};
  if (r.version != 3) return Status::Invalid("receipt: unknown version " + std::to_string(r.version));
  auto root = root_from_path(item_hash(fields), r.index, r.count, r.path);
  if (!root) return Status::Invalid("receipt: its path does not fit its index " + std::to_string(r.index) +
                                    " in a batch of " + std::to_string(r.count));
  const auto m = batch_message(*root, r.count);
  if (crypto_sign_verify_detached(r.sig.data(), m.data(), m.size(), pk.data()) != 0)
    return Status::Invalid("receipt: bad broker signature");
  return Status::Ok();
}

void encode_receipt(const Receipt& r, Bytes* out) {
  Sink s{out};
  msgpack::packer<Sink> p(s);
  p.pack_array(10);
  p.pack_uint32(r.version);
  p.pack_uint64(r.epoch);
  pack_bin(p, r.id.data(), 16);
  p.pack_uint64(r.seq);
  pack_bin(p, r.leaf_hash.data(), 32);
  p.pack_int64(r.ts_ms);
  p.pack_uint32(r.index);
  p.pack_uint32(r.count);
  p.pack_array(static_cast<uint32_t>(r.path.size()));
  for (const auto& h : r.path) pack_bin(p, h.data(), 32);
  pack_bin(p, r.sig.data(), 64);
}

Bytes encode_receipt(const Receipt& r) {
  Bytes out;
  encode_receipt(r, &out);
  return out;
}

Result<Receipt> decode_receipt(ByteView bytes) {
  MsgpackLimits lim;
  lim.max_bytes = 1024; lim.depth = 2; lim.array = 16; lim.map = 0; lim.str = 64; lim.bin = 64;
  auto h = unpack_bounded(bytes, lim);
  const Status bad = Status::Invalid("receipt: malformed receipt");
  if (!h.ok()) return bad;
  const msgpack::object& o = h->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 1) return bad;
  const msgpack::object* a = o.via.array.ptr;
  auto bin_of = [&](const msgpack::object& x, size_t n, uint8_t* dst) {
    if (x.type != msgpack::type::BIN || x.via.bin.size != n) return false;
    std::memcpy(dst, x.via.bin.ptr, n);
    return true;
  };
  auto u32_of = [&](const msgpack::object& x, uint32_t* v) {
    if (x.type != msgpack::type::POSITIVE_INTEGER || x.via.u64 > UINT32_MAX) return false;
    *v = static_cast<uint32_t>(x.via.u64);
    return true;
  };
  Receipt r;
  if (!u32_of(a[0], &r.version)) return bad;
  if (r.version != 3 || o.via.array.size != 10) return bad;
  if (a[1].type != msgpack::type::POSITIVE_INTEGER) return bad;
  r.epoch = a[1].via.u64;
  ++a;  // the fields after the epoch, as in version 2's order
  Receipt& f = r;
  if (!bin_of(a[1], 16, f.id.data())) return bad;
  if (a[2].type != msgpack::type::POSITIVE_INTEGER) return bad;
  f.seq = a[2].via.u64;
  if (!bin_of(a[3], 32, f.leaf_hash.data())) return bad;
  if (a[4].type == msgpack::type::POSITIVE_INTEGER) f.ts_ms = static_cast<int64_t>(a[4].via.u64);
  else if (a[4].type == msgpack::type::NEGATIVE_INTEGER) f.ts_ms = a[4].via.i64;
  else return bad;
  if (!u32_of(a[5], &r.index) || !u32_of(a[6], &r.count)) return bad;
  if (r.count == 0 || r.index >= r.count || r.count > kMaxReceiptBatch) return bad;
  if (a[7].type != msgpack::type::ARRAY || a[7].via.array.size > kMaxReceiptPath) return bad;
  r.path.resize(a[7].via.array.size);
  for (size_t i = 0; i < r.path.size(); ++i)
    if (!bin_of(a[7].via.array.ptr[i], 32, r.path[i].data())) return bad;
  if (!bin_of(a[8], 64, r.sig.data())) return bad;
  return r;
}

}  // namespace relais
