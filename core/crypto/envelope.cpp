// Envelope seal/encode/decode/verify/open. Wire format: docs/envelope.md.
#include "crypto/envelope.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <msgpack.hpp>
#include <sodium.h>

#include "util/msgpack_limits.h"

namespace relais {

namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "relais01";
constexpr std::string_view kAadContext = "relais/aad/v1";
constexpr std::string_view kCommitContext = "relais/commit/v1";
// 18 characters plus the terminating NUL, which is part of the signed message.
constexpr std::string_view kSigContext{"relais/envelope/v1\0", 19};
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// An EnvelopeDecoder's zone: room for a core with dozens of readers in one chunk.
constexpr size_t kDecoderZoneChunk = 4096;

static_assert(kSealedKeyBytes == crypto_box_SEALBYTES + 32);
static_assert(kEnvelopeNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kEnvelopeSigBytes == crypto_sign_BYTES);
static_assert(crypto_kdf_KEYBYTES == 32 && crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

void init_sodium() {
  if (sodium_init() < 0) std::abort();
}

// The core keys, in the order seal_envelope packs them.
enum Field : unsigned {
  kId, kFrom, kTs, kExpires, kBundle, kTopic, kType, kUrgency, kHandling, kCaseRef, kInReplyTo, kTo, kNonce,
  kKeyCommit, kFieldCount
};
constexpr std::string_view kFieldNames[kFieldCount] = {
    "id",       "from",     "ts",      "expires",     "bundle", "topic", "type",
    "urgency",  "handling", "case_ref", "in_reply_to", "to",    "nonce", "key_commit"};

// A msgpack stream writing straight into Bytes.
struct ByteSink {
  Bytes* out;
  void write(const char* data, size_t n) {
    // resize + memcpy rather than insert(): g++ 12 -O2 reports a false
    // -Wstringop-overflow on the inlined vector::insert.
    if (n == 0) return;
    const size_t old = out->size();
    out->resize(old + n);
    std::memcpy(out->data() + old, data, n);
  }
};

void pack_str(msgpack::packer<ByteSink>& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}
void pack_bin(msgpack::packer<ByteSink>& pk, ByteView b) {
  pk.pack_bin(static_cast<uint32_t>(b.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
}

Status invalid(const std::string& what) { return Status::Invalid("envelope: " + what); }

// Visible ASCII only (0x21..0x7e), non-empty, bounded.
Status check_token(std::string_view s, std::string_view field, size_t max_len) {
  if (s.empty()) return invalid(std::string(field) + " is empty");
  if (s.size() > max_len) {
    return invalid(std::string(field) + " is longer than " + std::to_string(max_len) + " bytes");
  }
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return invalid(std::string(field) + " holds a character outside visible ASCII");
  }
  return Status::Ok();
}

size_t max_ct_bytes(size_t max_body) { return (max_body / kEnvelopePadBlock + 1) * kEnvelopePadBlock + kTagBytes; }

// Semantic checks shared by seal (before packing) and decode (after parsing).
Status validate_header(const EnvelopeHeader& h, const EnvelopeLimits& limits) {
  if (!is_uuid_v7(h.id)) return invalid("id does not have the UUIDv7 layout");
  RELAIS_RETURN_IF_ERROR(check_token(h.from, "from", limits.max_string));
  RELAIS_RETURN_IF_ERROR(check_token(h.topic, "topic", limits.max_string));
  RELAIS_RETURN_IF_ERROR(check_token(h.type, "type", limits.max_string));
  if (h.expires_ms < h.ts_ms) return invalid("expires is before ts");
  if (h.urgency != "immediate" && h.urgency != "urgent" && h.urgency != "routine") {
    return invalid("urgency must be immediate, urgent or routine");
  }
  if (h.handling.size() != 2 || h.handling[0] != 'H' || h.handling[1] < '0' || h.handling[1] > '3') {
    return invalid("handling must be H0, H1, H2 or H3");
  }
  if (h.case_ref) RELAIS_RETURN_IF_ERROR(check_token(*h.case_ref, "case_ref", limits.max_string));
  if (h.in_reply_to && !is_uuid_v7(*h.in_reply_to)) return invalid("in_reply_to does not have the UUIDv7 layout");
  if (h.to.empty()) return invalid("no readers in to");
  if (h.to.size() > limits.max_readers) {
    return invalid(std::to_string(h.to.size()) + " readers exceed the limit of " +
                   std::to_string(limits.max_readers));
  }
  for (size_t i = 0; i < h.to.size(); ++i) {
    RELAIS_RETURN_IF_ERROR(check_token(h.to[i].name, "reader name", limits.max_string));
    if (h.to[i].sealed_key.size() != kSealedKeyBytes) return invalid("sealed_key is not 80 bytes");
    if (i > 0 && !(h.to[i - 1].name < h.to[i].name)) {
      return invalid("readers in to are not sorted by name and unique (at '" + h.to[i].name + "')");
    }
  }
  return Status::Ok();
}

// ---- decoding helpers over msgpack objects (str/bin point into the input) ----

std::string_view str_of(const msgpack::object& o) { return {o.via.str.ptr, o.via.str.size}; }
ByteView bin_of(const msgpack::object& o) {
  return {reinterpret_cast<const uint8_t*>(o.via.bin.ptr), o.via.bin.size};
}

Status wrong_type(std::string_view field, std::string_view expected) {
  return invalid(std::string(field) + " must be " + std::string(expected));
}

Result<std::string> get_str(const msgpack::object& o, std::string_view field) {
  if (o.type != msgpack::type::STR) return wrong_type(field, "a str");
  return std::string(str_of(o));
}

template <size_t N>
Status get_fixed_bin(const msgpack::object& o, std::string_view field, std::array<uint8_t, N>& out) {
  if (o.type != msgpack::type::BIN || o.via.bin.size != N) {
    return wrong_type(field, "a bin of " + std::to_string(N) + " bytes");
  }
  std::memcpy(out.data(), o.via.bin.ptr, N);
  return Status::Ok();
}

Status get_int64(const msgpack::object& o, std::string_view field, int64_t& out) {
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 > static_cast<uint64_t>(INT64_MAX)) return wrong_type(field, "an integer within int64");
    out = static_cast<int64_t>(o.via.u64);
    return Status::Ok();
  }
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    out = o.via.i64;
    return Status::Ok();
  }
  return wrong_type(field, "an integer");
}

// Fills `out` in place: a reused header keeps its readers' string and key
// capacity, so a warm decoder allocates nothing here.
Status decode_readers(const msgpack::object& o, std::vector<EnvelopeReader>& out) {
  if (o.type != msgpack::type::ARRAY) return wrong_type("to", "an array");
  out.resize(o.via.array.size);
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    const msgpack::object& e = o.via.array.ptr[i];
    if (e.type != msgpack::type::ARRAY || e.via.array.size != 2) {
      return wrong_type("each entry of to", "an array [name, sealed_key]");
    }
    const msgpack::object& name = e.via.array.ptr[0];
    const msgpack::object& key = e.via.array.ptr[1];
    if (name.type != msgpack::type::STR) return wrong_type("a reader name", "a str");
    if (key.type != msgpack::type::BIN || key.via.bin.size != kSealedKeyBytes) {
      return wrong_type("sealed_key", "a bin of 80 bytes");
    }
    ByteView k = bin_of(key);
    out[i].name.assign(str_of(name));
    out[i].sealed_key.assign(k.begin(), k.end());
  }
  return Status::Ok();
}

Status decode_field(Field f, const msgpack::object& v, EnvelopeHeader& h) {
  switch (f) {
    case kId: return get_fixed_bin(v, "id", h.id);
    case kFrom:
      if (v.type != msgpack::type::STR) return wrong_type("from", "a str");
      h.from.assign(str_of(v));
      return Status::Ok();
    case kTs: return get_int64(v, "ts", h.ts_ms);
    case kExpires: return get_int64(v, "expires", h.expires_ms);
    case kBundle:
      if (v.type != msgpack::type::POSITIVE_INTEGER) return wrong_type("bundle", "an unsigned integer");
      h.bundle_serial = v.via.u64;
      return Status::Ok();
    case kTopic:
    case kType:
    case kUrgency:
    case kHandling: {
      if (v.type != msgpack::type::STR) return wrong_type(kFieldNames[f], "a str");
      std::string& dst = f == kTopic ? h.topic : f == kType ? h.type : f == kUrgency ? h.urgency : h.handling;
      dst.assign(str_of(v));
      return Status::Ok();
    }
    case kCaseRef: {
      if (v.type == msgpack::type::NIL) return Status::Ok();
      auto s = get_str(v, "case_ref");
      if (!s.ok()) return wrong_type("case_ref", "a str or nil");
      h.case_ref = std::move(*s);
      return Status::Ok();
    }
    case kInReplyTo: {
      if (v.type == msgpack::type::NIL) return Status::Ok();
      Uuid id{};
      if (!get_fixed_bin(v, "in_reply_to", id).ok()) return wrong_type("in_reply_to", "a bin of 16 bytes or nil");
      h.in_reply_to = id;
      return Status::Ok();
    }
    case kTo: return decode_readers(v, h.to);
    case kNonce: return get_fixed_bin(v, "nonce", h.nonce);
    case kKeyCommit: return get_fixed_bin(v, "key_commit", h.key_commit);
    case kFieldCount: break;
  }
  return invalid("internal: unknown field");
}

// Decodes core into h, reusing h's storage (every field is set or reset).
// The objects go into `zone`, which the caller clears.
Status decode_core_into(ByteView core, const EnvelopeLimits& limits, msgpack::zone& zone, EnvelopeHeader& h) {
  MsgpackLimits ml;
  ml.max_bytes = core.size();
  ml.depth = 3;  // map -> to -> [name, sealed_key]
  ml.array = std::max<size_t>(limits.max_readers, 2);
  ml.map = 2 * kFieldCount;  // room to report unknown or duplicate keys by name
  ml.str = limits.max_string;
  ml.bin = kSealedKeyBytes;
  ml.ext = 0;
  auto obj = unpack_bounded_into(zone, core, ml, MsgpackCopy::kReference);
  if (!obj.ok()) return obj.status().with_prefix("envelope: core");
  const msgpack::object& m = *obj;
  if (m.type != msgpack::type::MAP) return invalid("core is not a map");

  h.case_ref.reset();  // nil leaves these unset
  h.in_reply_to.reset();
  unsigned seen = 0;
  for (uint32_t i = 0; i < m.via.map.size; ++i) {
    const msgpack::object_kv& kv = m.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) return invalid("core has a key that is not a str");
    const std::string_view key = str_of(kv.key);
    unsigned f = 0;
    while (f < kFieldCount && kFieldNames[f] != key) ++f;
    if (f == kFieldCount) return invalid("core has an unknown key '" + std::string(key.substr(0, 64)) + "'");
    if (seen & (1u << f)) return invalid("core has a duplicate key '" + std::string(key) + "'");
    seen |= 1u << f;
    RELAIS_RETURN_IF_ERROR(decode_field(static_cast<Field>(f), kv.val, h));
  }
  for (unsigned f = 0; f < kFieldCount; ++f) {
    if (!(seen & (1u << f))) return invalid("core lacks the key '" + std::string(kFieldNames[f]) + "'");
  }
  return validate_header(h, limits);
}

// decode_envelope_view's work, into `env` (storage reused) with `zone`
// (cleared here before each unpack).
Status decode_envelope_view_into(ByteView bytes, const EnvelopeLimits& limits, msgpack::zone& zone,
                                 EnvelopeView& env) {
  MsgpackLimits ml;
  ml.max_bytes = limits.max_bytes;
  ml.depth = 1;
  ml.array = 4;
  ml.map = 0;
  ml.str = 0;
  ml.bin = limits.max_bytes;
  ml.ext = 0;
  zone.clear();
  auto obj = unpack_bounded_into(zone, bytes, ml, MsgpackCopy::kReference);
  if (!obj.ok()) return obj.status().with_prefix("envelope");
  const msgpack::object& a = *obj;
  if (a.type != msgpack::type::ARRAY || a.via.array.size != 4) {
    return invalid("not an array [v, core, ct, sig]");
  }
  const msgpack::object& v = a.via.array.ptr[0];
  const msgpack::object& core = a.via.array.ptr[1];
  const msgpack::object& ct = a.via.array.ptr[2];
  const msgpack::object& sig = a.via.array.ptr[3];
  if (v.type != msgpack::type::POSITIVE_INTEGER) return wrong_type("v", "an unsigned integer");
  if (v.via.u64 != kEnvelopeVersion) {
    return Status::Unsupported("envelope: version " + std::to_string(v.via.u64) +
                               " is not supported (this build reads version 1)");
  }
  if (core.type != msgpack::type::BIN) return wrong_type("core", "a bin");
  if (ct.type != msgpack::type::BIN) return wrong_type("ct", "a bin");
  const size_t ct_size = ct.via.bin.size;
  if (ct_size < kEnvelopePadBlock + kTagBytes || (ct_size - kTagBytes) % kEnvelopePadBlock != 0) {
    return invalid("ct length " + std::to_string(ct_size) + " is not a padded body plus a tag");
  }
  if (ct_size > max_ct_bytes(limits.max_body)) {
    return invalid("ct length " + std::to_string(ct_size) + " exceeds the body limit of " +
                   std::to_string(limits.max_body) + " bytes");
  }
  env.version = kEnvelopeVersion;
  RELAIS_RETURN_IF_ERROR(get_fixed_bin(sig, "sig", env.sig));
  env.core = bin_of(core);
  env.ct = bin_of(ct);
  // The outer array is no longer needed: its views point into `bytes`.
  zone.clear();
  return decode_core_into(env.core, limits, zone, env.header);
}

}  // namespace

// ---- building blocks ----

const EnvelopeReader* EnvelopeHeader::find_reader(std::string_view name) const {
  auto it = std::lower_bound(to.begin(), to.end(), name,
                             [](const EnvelopeReader& r, std::string_view n) { return r.name < n; });
  if (it == to.end() || it->name != name) return nullptr;
  return &*it;
}

ContentSubkeys::~ContentSubkeys() {
  sodium_memzero(k_enc.data(), k_enc.size());
  sodium_memzero(k_commit.data(), k_commit.size());
}

void derive_content_subkeys(const std::array<uint8_t, 32>& k, ContentSubkeys& out) {
  init_sodium();
  crypto_kdf_derive_from_key(out.k_enc.data(), out.k_enc.size(), 1, kKdfContext, k.data());
  crypto_kdf_derive_from_key(out.k_commit.data(), out.k_commit.size(), 2, kKdfContext, k.data());
}

Hash256 compute_key_commit(const std::array<uint8_t, 32>& k_commit, const Uuid& id) {
  return blake2b_256_keyed(k_commit, kCommitContext, {ByteView(id)});
}

Bytes encode_core(const EnvelopeHeader& h) {
  Bytes out;
  size_t estimate = 256 + h.from.size() + h.topic.size() + h.type.size();
  for (const auto& r : h.to) estimate += r.name.size() + kSealedKeyBytes + 8;
  out.reserve(estimate);
  ByteSink sink{&out};
  msgpack::packer<ByteSink> pk(sink);
  pk.pack_map(kFieldCount);
  pack_str(pk, kFieldNames[kId]);
  pack_bin(pk, h.id);
  pack_str(pk, kFieldNames[kFrom]);
  pack_str(pk, h.from);
  pack_str(pk, kFieldNames[kTs]);
  pk.pack_int64(h.ts_ms);
  pack_str(pk, kFieldNames[kExpires]);
  pk.pack_int64(h.expires_ms);
  pack_str(pk, kFieldNames[kBundle]);
  pk.pack_uint64(h.bundle_serial);
  pack_str(pk, kFieldNames[kTopic]);
  pack_str(pk, h.topic);
  pack_str(pk, kFieldNames[kType]);
  pack_str(pk, h.type);
  pack_str(pk, kFieldNames[kUrgency]);
  pack_str(pk, h.urgency);
  pack_str(pk, kFieldNames[kHandling]);
  pack_str(pk, h.handling);
  pack_str(pk, kFieldNames[kCaseRef]);
  if (h.case_ref) pack_str(pk, *h.case_ref); else pk.pack_nil();
  pack_str(pk, kFieldNames[kInReplyTo]);
  if (h.in_reply_to) pack_bin(pk, *h.in_reply_to); else pk.pack_nil();
  pack_str(pk, kFieldNames[kTo]);
  pk.pack_array(static_cast<uint32_t>(h.to.size()));
  for (const auto& r : h.to) {
    pk.pack_array(2);
    pack_str(pk, r.name);
    pack_bin(pk, r.sealed_key);
  }
  pack_str(pk, kFieldNames[kNonce]);
  pack_bin(pk, h.nonce);
  pack_str(pk, kFieldNames[kKeyCommit]);
  pack_bin(pk, h.key_commit);
  return out;
}

Bytes encrypt_body(ByteView body, const std::array<uint8_t, 24>& nonce, const std::array<uint8_t, 32>& k_enc,
                   ByteView core) {
  init_sodium();
  const Hash256 aad = blake2b_256_ctx(kAadContext, core);
  const size_t padded_max = (body.size() / kEnvelopePadBlock + 1) * kEnvelopePadBlock;
  Bytes buf(padded_max + kTagBytes);
  if (!body.empty()) std::memcpy(buf.data(), body.data(), body.size());
  size_t padded_len = 0;
  [[maybe_unused]] int rc = sodium_pad(&padded_len, buf.data(), body.size(), kEnvelopePadBlock, padded_max);
  assert(rc == 0 && padded_len == padded_max);
  unsigned long long ct_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(buf.data(), &ct_len, buf.data(), padded_len, aad.data(), aad.size(),
                                             nullptr, nonce.data(), k_enc.data());
  assert(ct_len == buf.size());
  return buf;
}

std::array<uint8_t, 83> envelope_signing_message(const Hash256& core_hash, const Hash256& ct_hash) {
  static_assert(19 + 32 + 32 == 83);
  std::array<uint8_t, 83> msg{};
  std::memcpy(msg.data(), kSigContext.data(), kSigContext.size());
  std::memcpy(msg.data() + 19, core_hash.data(), 32);
  std::memcpy(msg.data() + 51, ct_hash.data(), 32);
  return msg;
}

Bytes encode_envelope(uint32_t version, ByteView core, ByteView ct, const std::array<uint8_t, 64>& sig) {
  Bytes out;
  out.reserve(core.size() + ct.size() + sig.size() + 16);
  ByteSink sink{&out};
  msgpack::packer<ByteSink> pk(sink);
  pk.pack_array(4);
  pk.pack_uint32(version);
  pack_bin(pk, core);
  pack_bin(pk, ct);
  pack_bin(pk, sig);
  return out;
}

// ---- the public operations ----

Result<Bytes> seal_envelope(const SealParams& p, ByteView body, const SecretBytes& sign_sk,
                            const EnvelopeLimits& limits) {
  init_sodium();
  if (sign_sk.size() != crypto_sign_SECRETKEYBYTES) return invalid("the signing secret key is not 64 bytes");
  if (body.size() > limits.max_body) {
    return invalid("body of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                   std::to_string(limits.max_body));
  }
  if (p.readers.empty()) return invalid("no readers: an envelope needs at least one");

  std::vector<std::pair<std::string, PublicKey>> readers = p.readers;
  std::sort(readers.begin(), readers.end());
  readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
  for (size_t i = 1; i < readers.size(); ++i) {
    if (readers[i - 1].first == readers[i].first) {
      return invalid("reader '" + readers[i].first + "' is listed with two different seal keys");
    }
  }

  EnvelopeHeader h;
  h.id = p.id ? *p.id : new_uuid_v7(p.ts_ms);
  h.from = p.from;
  h.ts_ms = p.ts_ms;
  h.expires_ms = p.expires_ms;
  h.bundle_serial = p.bundle_serial;
  h.topic = p.topic;
  h.type = p.type;
  h.urgency = p.urgency;
  h.handling = p.handling;
  h.case_ref = p.case_ref;
  h.in_reply_to = p.in_reply_to;

  // K, the subkeys, the sealed keys, the commitment and the nonce all go into
  // core, so they come first; then core is packed; then the body is encrypted
  // with the AAD over core; then core and ct are signed.
  std::array<uint8_t, 32> k{};
  crypto_kdf_keygen(k.data());
  ContentSubkeys sub;
  derive_content_subkeys(k, sub);
  h.to.reserve(readers.size());
  for (const auto& [name, pk] : readers) {
    EnvelopeReader r{name, Bytes(kSealedKeyBytes)};
    if (crypto_box_seal(r.sealed_key.data(), k.data(), k.size(), pk.data()) != 0) {
      sodium_memzero(k.data(), k.size());
      return invalid("the seal public key of '" + name + "' is not usable");
    }
    h.to.push_back(std::move(r));
  }
  sodium_memzero(k.data(), k.size());
  randombytes_buf(h.nonce.data(), h.nonce.size());
  h.key_commit = compute_key_commit(sub.k_commit, h.id);
  RELAIS_RETURN_IF_ERROR(validate_header(h, limits));

  const Bytes core = encode_core(h);
  const Bytes ct = encrypt_body(body, h.nonce, sub.k_enc, core);
  const auto msg = envelope_signing_message(blake2b_256(core), blake2b_256(ct));
  std::array<uint8_t, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sign_sk.data());
  Bytes out = encode_envelope(kEnvelopeVersion, core, ct, sig);
  if (out.size() > limits.max_bytes) {
    return invalid("sealed envelope of " + std::to_string(out.size()) + " bytes exceeds the limit of " +
                   std::to_string(limits.max_bytes));
  }
  return out;
}

Result<EnvelopeView> decode_envelope_view(ByteView bytes, const EnvelopeLimits& limits) {
  msgpack::zone zone;
  EnvelopeView env;
  RELAIS_RETURN_IF_ERROR(decode_envelope_view_into(bytes, limits, zone, env));
  return env;
}

struct EnvelopeDecoder::State {
  msgpack::zone zone{kDecoderZoneChunk};
  EnvelopeView view;
};

EnvelopeDecoder::EnvelopeDecoder() : state_(std::make_unique<State>()) {}
EnvelopeDecoder::~EnvelopeDecoder() = default;

Status EnvelopeDecoder::decode(ByteView bytes, const EnvelopeLimits& limits) {
  return decode_envelope_view_into(bytes, limits, state_->zone, state_->view);
}

const EnvelopeView& EnvelopeDecoder::view() const { return state_->view; }

Result<Envelope> decode_envelope(ByteView bytes, const EnvelopeLimits& limits) {
  auto view = decode_envelope_view(bytes, limits);
  if (!view.ok()) return view.status();
  Envelope env;
  env.version = view->version;
  env.header = std::move(view->header);
  env.core.assign(view->core.begin(), view->core.end());
  env.ct.assign(view->ct.begin(), view->ct.end());
  env.sig = view->sig;
  env.core_hash = blake2b_256(env.core);
  env.ct_hash = blake2b_256(env.ct);
  return env;
}

Status verify_envelope(const Envelope& env, const PublicKey& sender_sign_pk) {
  init_sodium();
  const auto msg = envelope_signing_message(env.core_hash, env.ct_hash);
  if (crypto_sign_verify_detached(env.sig.data(), msg.data(), msg.size(), sender_sign_pk.data()) != 0) {
    return invalid("bad signature from '" + env.header.from + "' on " + uuid_to_string(env.header.id) +
                   " (tampered, or signed with another key)");
  }
  return Status::Ok();
}

Result<Bytes> open_envelope(const Envelope& env, std::string_view reader_name, const PublicKey& seal_pk,
                            const SecretBytes& seal_sk) {
  init_sodium();
  const EnvelopeReader* r = env.header.find_reader(reader_name);
  if (r == nullptr) {
    return Status::Refused("envelope: '" + std::string(reader_name) + "' is not among the readers of " +
                           uuid_to_string(env.header.id));
  }
  if (seal_sk.size() != crypto_box_SECRETKEYBYTES) return invalid("the seal secret key is not 32 bytes");
  if (r->sealed_key.size() != kSealedKeyBytes) return invalid("sealed_key is not 80 bytes");
  if (env.ct.size() < kEnvelopePadBlock + kTagBytes) return invalid("ct is too short");

  std::array<uint8_t, 32> k{};
  if (crypto_box_seal_open(k.data(), r->sealed_key.data(), r->sealed_key.size(), seal_pk.data(),
                           seal_sk.data()) != 0) {
    return invalid("cannot unseal the content key for '" + std::string(reader_name) +
                   "' (tampered, or not this reader's seal key pair)");
  }
  ContentSubkeys sub;
  derive_content_subkeys(k, sub);
  sodium_memzero(k.data(), k.size());
  const Hash256 commit = compute_key_commit(sub.k_commit, env.header.id);
  if (sodium_memcmp(commit.data(), env.header.key_commit.data(), commit.size()) != 0) {
    return Status::Invalid(std::string(kKeyCommitMismatch) + " for '" + std::string(reader_name) + "' on " +
                           uuid_to_string(env.header.id) + " (the sender sealed different keys: keep as evidence)");
  }

  const Hash256 aad = blake2b_256_ctx(kAadContext, env.core);
  Bytes body(env.ct.size() - kTagBytes);
  unsigned long long padded_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(body.data(), &padded_len, nullptr, env.ct.data(), env.ct.size(),
                                                 aad.data(), aad.size(), env.header.nonce.data(),
                                                 sub.k_enc.data()) != 0) {
    return invalid("ciphertext does not authenticate (tampered core or ct)");
  }
  size_t body_len = 0;
  if (sodium_unpad(&body_len, body.data(), static_cast<size_t>(padded_len), kEnvelopePadBlock) != 0) {
    sodium_memzero(body.data(), body.size());
    return invalid("bad padding in the decrypted body");
  }
  sodium_memzero(body.data() + body_len, body.size() - body_len);
  body.resize(body_len);
  return body;
}

}  // namespace relais
