#include "broker/receipt.h"

#include <cstring>
#include <msgpack.hpp>
#include <sodium.h>

#include "util/msgpack_limits.h"

namespace relais {
namespace {

constexpr char kReceiptContext[] = "relais/receipt/v1";  // + its NUL

std::array<uint8_t, sizeof(kReceiptContext) + 16 + 8 + 32 + 8> signing_message(const Receipt& r) {
  std::array<uint8_t, sizeof(kReceiptContext) + 16 + 8 + 32 + 8> m{};
  size_t o = 0;
  std::memcpy(m.data(), kReceiptContext, sizeof(kReceiptContext));
  o += sizeof(kReceiptContext);
  std::memcpy(m.data() + o, r.id.data(), 16); o += 16;
  for (int i = 0; i < 8; ++i) m[o++] = static_cast<uint8_t>(r.seq >> (8 * i));
  std::memcpy(m.data() + o, r.leaf_hash.data(), 32); o += 32;
  uint64_t ts = static_cast<uint64_t>(r.ts_ms);
  for (int i = 0; i < 8; ++i) m[o++] = static_cast<uint8_t>(ts >> (8 * i));
  return m;
}

struct Sink {
  Bytes* out;
  void write(const char* d, size_t n) { out->insert(out->end(), d, d + n); }
};

}  // namespace

Receipt sign_receipt(const Uuid& id, uint64_t seq, const std::array<uint8_t, 32>& leaf_hash, int64_t ts_ms,
                     const SecretBytes& sk) {
  assert(sk.size() == crypto_sign_SECRETKEYBYTES);
  Receipt r;
  r.id = id;
  r.seq = seq;
  r.leaf_hash = leaf_hash;
  r.ts_ms = ts_ms;
  auto m = signing_message(r);
  crypto_sign_detached(r.sig.data(), nullptr, m.data(), m.size(), sk.data());
  return r;
}

Status verify_receipt(const Receipt& r, const PublicKey& pk) {
  auto m = signing_message(r);
  if (crypto_sign_verify_detached(r.sig.data(), m.data(), m.size(), pk.data()) != 0)
    return Status::Invalid("receipt: bad broker signature");
  return Status::Ok();
}

Bytes encode_receipt(const Receipt& r) {
  Bytes out;
  Sink s{&out};
  msgpack::packer<Sink> p(s);
  p.pack_array(6);
  p.pack_uint32(1);
  p.pack_bin(16); p.pack_bin_body(reinterpret_cast<const char*>(r.id.data()), 16);
  p.pack_uint64(r.seq);
  p.pack_bin(32); p.pack_bin_body(reinterpret_cast<const char*>(r.leaf_hash.data()), 32);
  p.pack_int64(r.ts_ms);
  p.pack_bin(64); p.pack_bin_body(reinterpret_cast<const char*>(r.sig.data()), 64);
  return out;
}

Result<Receipt> decode_receipt(ByteView bytes) {
  MsgpackLimits lim;
  lim.max_bytes = 512; lim.depth = 1; lim.array = 8; lim.map = 0; lim.str = 64; lim.bin = 64;
  auto h = unpack_bounded(bytes, lim);
  const Status bad = Status::Invalid("receipt: malformed receipt");
  if (!h.ok()) return bad;
  const msgpack::object& o = h->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 6) return bad;
  const msgpack::object* a = o.via.array.ptr;
  auto bin_of = [&](const msgpack::object& x, size_t n, uint8_t* dst) {
    if (x.type != msgpack::type::BIN || x.via.bin.size != n) return false;
    std::memcpy(dst, x.via.bin.ptr, n);
    return true;
  };
  Receipt r;
  if (a[0].type != msgpack::type::POSITIVE_INTEGER || a[0].via.u64 != 1) return bad;
  if (!bin_of(a[1], 16, r.id.data())) return bad;
  if (a[2].type != msgpack::type::POSITIVE_INTEGER) return bad;
  r.seq = a[2].via.u64;
  if (!bin_of(a[3], 32, r.leaf_hash.data())) return bad;
  if (a[4].type == msgpack::type::POSITIVE_INTEGER) r.ts_ms = static_cast<int64_t>(a[4].via.u64);
  else if (a[4].type == msgpack::type::NEGATIVE_INTEGER) r.ts_ms = a[4].via.i64;
  else return bad;
  if (!bin_of(a[5], 64, r.sig.data())) return bad;
  return r;
}

}  // namespace relais
