#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include <msgpack.hpp>
#include <sodium.h>

#include "crypto/envelope.h"

using namespace relais;

namespace {

// Raw libsodium keypairs (keys.cpp is not needed by these tests).
struct Party {
  std::string name;
  PublicKey sign_pk{};
  SecretBytes sign_sk{64};
  PublicKey seal_pk{};
  SecretBytes seal_sk{32};
  explicit Party(std::string n) : name(std::move(n)) {
    REQUIRE(sodium_init() >= 0);
    crypto_sign_keypair(sign_pk.data(), sign_sk.data());
    crypto_box_keypair(seal_pk.data(), seal_sk.data());
  }
};

constexpr int64_t kTs = 1718000000000;

SealParams base_params(const Party& from, std::initializer_list<const Party*> readers) {
  SealParams p;
  p.from = from.name;
  p.topic = "alert.labour.maritime.golfe";
  p.type = "alert/1";
  p.urgency = "urgent";
  p.handling = "H2";
  p.bundle_serial = 7;
  p.ts_ms = kTs;
  p.expires_ms = kTs + 86400000;
  for (const Party* r : readers) p.readers.emplace_back(r->name, r->seal_pk);
  return p;
}

Bytes body_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes sealed_or_fail(const SealParams& p, ByteView body, const Party& sender) {
  auto r = seal_envelope(p, body, sender.sign_sk);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return *r;
}

size_t find_bytes(const Bytes& hay, ByteView needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  REQUIRE(it != hay.end());
  return static_cast<size_t>(it - hay.begin());
}

// Re-packs a valid core map with an edit applied to its list of key/value pairs.
using Pairs = std::vector<std::pair<std::string, msgpack::object>>;
Bytes repack_core(const Bytes& core, const std::function<void(Pairs&, msgpack::zone&)>& edit) {
  msgpack::object_handle oh = msgpack::unpack(reinterpret_cast<const char*>(core.data()), core.size());
  Pairs pairs;
  const msgpack::object& m = oh.get();
  for (uint32_t i = 0; i < m.via.map.size; ++i) {
    pairs.emplace_back(m.via.map.ptr[i].key.as<std::string>(), m.via.map.ptr[i].val);
  }
  msgpack::zone zone;
  edit(pairs, zone);
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(static_cast<uint32_t>(pairs.size()));
  for (const auto& [k, v] : pairs) {
    pk.pack(k);
    pk.pack(v);
  }
  return Bytes(reinterpret_cast<const uint8_t*>(buf.data()), reinterpret_cast<const uint8_t*>(buf.data()) + buf.size());
}

Bytes with_core(const Envelope& env, const Bytes& core) { return encode_envelope(1, core, env.ct, env.sig); }

void require_invalid(ByteView bytes, std::string_view expected_fragment) {
  auto r = decode_envelope(bytes);
  REQUIRE_FALSE(r.ok());
  INFO(r.status().message());
  REQUIRE(r.status().message().rfind("envelope: ", 0) == 0);
  REQUIRE(r.status().message().find(expected_fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("A sealed envelope round-trips for every reader", "[envelope]") {
  Party sender("police.golfe"), a("commission"), b("committee.golfe");
  SealParams p = base_params(sender, {&b, &a});  // unsorted on purpose
  p.case_ref = "c-5f2a9e";
  p.in_reply_to = new_uuid_v7(kTs - 10);
  const Bytes body = body_of(R"({"kind":"labour","location":{"region":"maritime"}})");
  const Bytes wire = sealed_or_fail(p, body, sender);

  auto env = decode_envelope(wire);
  REQUIRE(env.ok());
  const EnvelopeHeader& h = env->header;
  REQUIRE(env->version == 1);
  REQUIRE(is_uuid_v7(h.id));
  REQUIRE(uuid_v7_ms(h.id) == kTs);
  REQUIRE(h.from == "police.golfe");
  REQUIRE(h.ts_ms == kTs);
  REQUIRE(h.expires_ms == kTs + 86400000);
  REQUIRE(h.bundle_serial == 7);
  REQUIRE(h.topic == "alert.labour.maritime.golfe");
  REQUIRE(h.type == "alert/1");
  REQUIRE(h.urgency == "urgent");
  REQUIRE(h.handling == "H2");
  REQUIRE(h.case_ref == p.case_ref);
  REQUIRE(h.in_reply_to == p.in_reply_to);
  REQUIRE(h.to.size() == 2);
  REQUIRE(h.to[0].name == "commission");
  REQUIRE(h.to[1].name == "committee.golfe");
  REQUIRE(env->core_hash == blake2b_256(env->core));
  REQUIRE(env->ct_hash == blake2b_256(env->ct));
  REQUIRE(encode_envelope(1, env->core, env->ct, env->sig) == wire);
  REQUIRE(encode_core(h) == env->core);  // our own packing is reproducible

  REQUIRE(verify_envelope(*env, sender.sign_pk).ok());
  for (const Party* r : {&a, &b}) {
    auto opened = open_envelope(*env, r->name, r->seal_pk, r->seal_sk);
    INFO(opened.status().message());
    REQUIRE(opened.ok());
    REQUIRE(*opened == body);
  }
}

TEST_CASE("Bodies of every size near a padding boundary round-trip", "[envelope]") {
  Party sender("ngo.refuge"), a("social.golfe");
  SealParams p = base_params(sender, {&a});
  for (size_t n : {0, 1, 254, 255, 256, 257, 511, 512, 4096}) {
    Bytes body(n);
    if (n > 0) randombytes_buf(body.data(), body.size());
    const Bytes wire = sealed_or_fail(p, body, sender);
    auto env = decode_envelope(wire);
    REQUIRE(env.ok());
    REQUIRE(env->ct.size() == (n / 256 + 1) * 256 + 16);
    REQUIRE(verify_envelope(*env, sender.sign_pk).ok());
    auto opened = open_envelope(*env, a.name, a.seal_pk, a.seal_sk);
    REQUIRE(opened.ok());
    REQUIRE(*opened == body);
  }
}

TEST_CASE("The id given by the sender is kept and case_ref and in_reply_to may be nil", "[envelope]") {
  Party sender("police.golfe"), a("commission");
  SealParams p = base_params(sender, {&a});
  p.id = new_uuid_v7(kTs);
  auto env = decode_envelope(sealed_or_fail(p, body_of("x"), sender));
  REQUIRE(env.ok());
  REQUIRE(env->header.id == *p.id);
  REQUIRE_FALSE(env->header.case_ref.has_value());
  REQUIRE_FALSE(env->header.in_reply_to.has_value());
}

TEST_CASE("A reused EnvelopeDecoder gives what a fresh decode gives, whatever it decoded before", "[envelope]") {
  Party sender("police.golfe"), a("commission"), b("committee.golfe"), c("social.golfe");
  SealParams full = base_params(sender, {&a, &b, &c});
  full.case_ref = "TG-2026-000123";
  full.in_reply_to = new_uuid_v7(kTs);
  SealParams small = base_params(sender, {&b});
  small.topic = "referral.child.golfe";
  small.type = "referral/1";
  const Bytes wire_full = sealed_or_fail(full, body_of("three readers, a case and a reply"), sender);
  const Bytes wire_small = sealed_or_fail(small, body_of("one reader"), sender);
  const Bytes truncated(wire_full.begin(), wire_full.begin() + static_cast<std::ptrdiff_t>(wire_full.size() / 2));

  EnvelopeDecoder decoder;
  for (const Bytes* wire : {&wire_full, &wire_small, &wire_full, &truncated, &wire_small, &wire_full}) {
    auto fresh = decode_envelope_view(*wire);
    Status st = decoder.decode(*wire);
    REQUIRE(st.ok() == fresh.ok());
    if (!st.ok()) {
      REQUIRE(st.message() == fresh.status().message());
      continue;
    }
    const EnvelopeView& v = decoder.view();
    REQUIRE(v.header == fresh->header);
    REQUIRE(v.core.data() == fresh->core.data());
    REQUIRE(v.core.size() == fresh->core.size());
    REQUIRE(v.ct.data() == fresh->ct.data());
    REQUIRE(v.ct.size() == fresh->ct.size());
    REQUIRE(v.sig == fresh->sig);
    REQUIRE(v.header.to.size() == (wire == &wire_full ? 3u : 1u));
    REQUIRE(v.header.case_ref.has_value() == (wire == &wire_full));
    REQUIRE(v.header.in_reply_to.has_value() == (wire == &wire_full));
  }
}

TEST_CASE("Flipping any byte of the envelope is detected by decode, verify or open", "[envelope][tamper]") {
  Party sender("police.golfe"), a("commission"), b("committee.golfe");
  SealParams p = base_params(sender, {&a, &b});
  p.case_ref = "c-1";
  const Bytes wire = sealed_or_fail(p, body_of(std::string(700, 'q')), sender);
  auto good = decode_envelope(wire);
  REQUIRE(good.ok());

  const size_t core_off = find_bytes(wire, good->core);
  const size_t ct_off = find_bytes(wire, good->ct);
  const size_t sig_off = wire.size() - 64;
  const size_t key_a_off = find_bytes(wire, good->header.to[0].sealed_key);
  REQUIRE(good->header.to[0].name == "commission");

  size_t sealed_key_flips = 0;
  size_t detected_by_decode = 0, detected_by_verify = 0, detected_by_open = 0;
  for (size_t i = 0; i < wire.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      Bytes t = wire;
      t[i] ^= mask;
      auto env = decode_envelope(t);
      if (!env.ok()) {
        ++detected_by_decode;
        continue;
      }
      const bool verified = verify_envelope(*env, sender.sign_pk).ok();
      const bool opened_a = open_envelope(*env, a.name, a.seal_pk, a.seal_sk).ok();
      const bool opened_b = open_envelope(*env, b.name, b.seal_pk, b.seal_sk).ok();
      INFO("byte " << i << " mask " << int(mask));
      REQUIRE_FALSE((verified && opened_a && opened_b));
      if (!verified) ++detected_by_verify;
      else ++detected_by_open;

      // Region-specific expectations.
      if (i >= sig_off) {
        REQUIRE_FALSE(verified);
        REQUIRE(opened_a);  // the signature is not an input to decryption
      } else if (i >= ct_off && i < ct_off + good->ct.size()) {
        REQUIRE_FALSE(verified);
        REQUIRE_FALSE(opened_a);
        REQUIRE_FALSE(opened_b);
      } else if (i >= core_off && i < core_off + good->core.size()) {
        // Anything in core (a sealed key included) breaks the signature and,
        // through the AAD, decryption for every reader.
        REQUIRE_FALSE(verified);
        REQUIRE_FALSE(opened_a);
        REQUIRE_FALSE(opened_b);
        if (i >= key_a_off && i < key_a_off + kSealedKeyBytes) ++sealed_key_flips;
      }
    }
  }
  // Every flip is caught, and the signature is what catches most that decode
  // cannot see.
  REQUIRE(detected_by_decode + detected_by_verify + detected_by_open == wire.size() * 3);
  REQUIRE(detected_by_open == 0);
  REQUIRE(sealed_key_flips == kSealedKeyBytes * 3);  // a sealed key never affects decode
}

TEST_CASE("A participant not among the readers cannot open", "[envelope]") {
  Party sender("police.golfe"), a("commission"), eve("police.kozah");
  const Bytes wire = sealed_or_fail(base_params(sender, {&a}), body_of("secret"), sender);
  auto env = decode_envelope(wire);
  REQUIRE(env.ok());
  auto r = open_envelope(*env, eve.name, eve.seal_pk, eve.seal_sk);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().code() == Code::kRefused);
  REQUIRE(r.status().message().find("not among the readers") != std::string::npos);
  // Claiming a reader's name without its key does not help either.
  auto r2 = open_envelope(*env, a.name, eve.seal_pk, eve.seal_sk);
  REQUIRE_FALSE(r2.ok());
  REQUIRE(r2.status().message().find("cannot unseal") != std::string::npos);
}

TEST_CASE("A signature from another key does not verify", "[envelope]") {
  Party sender("police.golfe"), other("police.kozah"), a("commission");
  auto env = decode_envelope(sealed_or_fail(base_params(sender, {&a}), body_of("x"), sender));
  REQUIRE(env.ok());
  Status s = verify_envelope(*env, other.sign_pk);
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.message().find("envelope: bad signature") == 0);
}

TEST_CASE("A validly signed envelope whose readers got different keys fails the key commitment",
          "[envelope][commit]") {
  Party sender("police.golfe"), a("commission"), b("committee.golfe");
  // A malicious sender: K1 for a (and the commitment, and the ciphertext), K2 for b.
  std::array<uint8_t, 32> k1{}, k2{};
  crypto_kdf_keygen(k1.data());
  crypto_kdf_keygen(k2.data());
  ContentSubkeys s1, s2;
  derive_content_subkeys(k1, s1);
  derive_content_subkeys(k2, s2);

  EnvelopeHeader h;
  h.id = new_uuid_v7(kTs);
  h.from = sender.name;
  h.ts_ms = kTs;
  h.expires_ms = kTs + 1000;
  h.bundle_serial = 1;
  h.topic = "referral.commission";
  h.type = "referral/1";
  h.urgency = "routine";
  h.handling = "H3";
  for (auto [party, key] : {std::pair{&a, &k1}, std::pair{&b, &k2}}) {
    EnvelopeReader r{party->name, Bytes(kSealedKeyBytes)};
    REQUIRE(crypto_box_seal(r.sealed_key.data(), key->data(), 32, party->seal_pk.data()) == 0);
    h.to.push_back(std::move(r));
  }
  randombytes_buf(h.nonce.data(), h.nonce.size());
  h.key_commit = compute_key_commit(s1.k_commit, h.id);
  const Bytes core = encode_core(h);
  const Bytes ct = encrypt_body(body_of("text for a"), h.nonce, s1.k_enc, core);
  const auto msg = envelope_signing_message(blake2b_256(core), blake2b_256(ct));
  std::array<uint8_t, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sender.sign_sk.data());
  const Bytes wire = encode_envelope(1, core, ct, sig);

  auto env = decode_envelope(wire);
  REQUIRE(env.ok());
  REQUIRE(verify_envelope(*env, sender.sign_pk).ok());  // the signature is valid
  auto for_a = open_envelope(*env, a.name, a.seal_pk, a.seal_sk);
  REQUIRE(for_a.ok());
  auto for_b = open_envelope(*env, b.name, b.seal_pk, b.seal_sk);
  REQUIRE_FALSE(for_b.ok());
  REQUIRE(for_b.status().message().rfind(kKeyCommitMismatch, 0) == 0);
}

TEST_CASE("Every truncated prefix of an envelope is refused", "[envelope][malformed]") {
  Party sender("police.golfe"), a("commission");
  const Bytes wire = sealed_or_fail(base_params(sender, {&a}), body_of("hello"), sender);
  for (size_t n = 0; n < wire.size(); ++n) {
    REQUIRE_FALSE(decode_envelope(ByteView(wire.data(), n)).ok());
  }
  Bytes longer = wire;
  longer.push_back(0xc0);
  require_invalid(longer, "trailing");
}

TEST_CASE("Oversized, deeply nested and huge-declared inputs are refused", "[envelope][malformed]") {
  Party sender("police.golfe"), a("commission");
  const Bytes wire = sealed_or_fail(base_params(sender, {&a}), body_of("hello"), sender);
  EnvelopeLimits small;
  small.max_bytes = wire.size() - 1;
  REQUIRE_FALSE(decode_envelope(wire, small).ok());
  REQUIRE_FALSE(decode_envelope(Bytes((17u << 20) + 1, 0x00)).ok());  // over the default max_bytes

  Bytes nested(10000, 0x91);
  nested.push_back(0xc0);
  require_invalid(nested, "nesting");

  require_invalid(Bytes{0xdd, 0xff, 0xff, 0xff, 0xff}, "array");                    // 4G elements
  require_invalid(Bytes{0x94, 0x01, 0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00}, "msgpack");  // 2 GB core, never allocated
  require_invalid(Bytes{0x94, 0x01, 0xc6, 0x00, 0x00, 0x01, 0x00, 0x00}, "truncated");
  require_invalid(Bytes{0xdf, 0xff, 0xff, 0xff, 0xff}, "map");
  require_invalid(Bytes{}, "empty");
  require_invalid(Bytes{0xc1}, "malformed");

  // A core that declares a huge `to` array.
  auto env = decode_envelope(wire);
  REQUIRE(env.ok());
  Bytes huge_to = {0x81, 0xa2, 't', 'o', 0xdd, 0x7f, 0xff, 0xff, 0xff};
  require_invalid(with_core(*env, huge_to), "array");
  // Nesting inside core beyond its depth.
  Bytes deep_core = {0x81, 0xa2, 't', 'o'};
  deep_core.insert(deep_core.end(), 5000, 0x91);
  deep_core.push_back(0xc0);
  require_invalid(with_core(*env, deep_core), "nesting");
  // Too many readers for the limit.
  EnvelopeLimits one_reader;
  one_reader.max_readers = 0;
  REQUIRE_FALSE(decode_envelope(wire, one_reader).ok());
}

TEST_CASE("Wrong outer shapes and versions are refused", "[envelope][malformed]") {
  Party sender("police.golfe"), a("commission");
  auto env = decode_envelope(sealed_or_fail(base_params(sender, {&a}), body_of("hello"), sender));
  REQUIRE(env.ok());

  auto v2 = decode_envelope(encode_envelope(2, env->core, env->ct, env->sig));
  REQUIRE_FALSE(v2.ok());
  REQUIRE(v2.status().code() == Code::kUnsupported);

  Bytes three = {0x93, 0x01, 0xc4, 0x00, 0xc4, 0x00};
  require_invalid(three, "not an array");
  require_invalid(Bytes{0x80}, "");
  // sig of 63 bytes
  const Bytes full = encode_envelope(1, env->core, env->ct, env->sig);
  REQUIRE(full.size() > 66);
  Bytes short_sig(full.begin(), full.end() - 66);  // drop the sig's bin header and body
  short_sig.push_back(0xc4);
  short_sig.push_back(63);
  short_sig.insert(short_sig.end(), env->sig.begin(), env->sig.begin() + 63);
  require_invalid(short_sig, "sig");
  // ct that is not a padded block plus a tag
  Bytes odd_ct = env->ct;
  odd_ct.pop_back();
  require_invalid(encode_envelope(1, env->core, odd_ct, env->sig), "ct length");
  EnvelopeLimits tiny_body;
  tiny_body.max_body = 0;
  Bytes big_ct(512 + 16, 0);  // a body of at least 256 bytes, over a limit of 0
  auto over = decode_envelope(encode_envelope(1, env->core, big_ct, env->sig), tiny_body);
  REQUIRE_FALSE(over.ok());
  REQUIRE(over.status().message().find("exceeds the body limit") != std::string::npos);
  REQUIRE(decode_envelope(encode_envelope(1, env->core, env->ct, env->sig), tiny_body).ok());
}

TEST_CASE("Missing, unknown, duplicate, mistyped and wrongly sized core keys are refused",
          "[envelope][malformed]") {
  Party sender("police.golfe"), a("commission"), b("committee.golfe");
  auto env = decode_envelope(sealed_or_fail(base_params(sender, {&a, &b}), body_of("hello"), sender));
  REQUIRE(env.ok());
  const Bytes& core = env->core;

  SECTION("keys in another order are accepted") {
    Bytes reordered = repack_core(core, [](Pairs& p, msgpack::zone&) { std::reverse(p.begin(), p.end()); });
    REQUIRE(reordered != core);
    auto r = decode_envelope(with_core(*env, reordered));
    REQUIRE(r.ok());
    REQUIRE(r->header == env->header);
  }
  const char* keys[] = {"id",       "from",     "ts",       "expires",     "bundle", "topic", "type",
                        "urgency",  "handling", "case_ref", "in_reply_to", "to",     "nonce", "key_commit"};
  for (const char* key : keys) {
    INFO(key);
    Bytes missing = repack_core(core, [&](Pairs& p, msgpack::zone&) {
      p.erase(std::remove_if(p.begin(), p.end(), [&](const auto& kv) { return kv.first == key; }), p.end());
    });
    require_invalid(with_core(*env, missing), std::string("lacks the key '") + key + "'");
    Bytes dup = repack_core(core, [&](Pairs& p, msgpack::zone&) {
      auto it = std::find_if(p.begin(), p.end(), [&](const auto& kv) { return kv.first == key; });
      p.push_back(*it);
    });
    require_invalid(with_core(*env, dup), "duplicate key");
    // Every field with a wrong type: a float is never valid.
    Bytes wrong = repack_core(core, [&](Pairs& p, msgpack::zone&) {
      for (auto& [k, v] : p) {
        if (k == key) v = msgpack::object(1.5);
      }
    });
    require_invalid(with_core(*env, wrong), key);
  }
  Bytes unknown = repack_core(core, [](Pairs& p, msgpack::zone& z) { p.emplace_back("extra", msgpack::object("x", z)); });
  require_invalid(with_core(*env, unknown), "unknown key 'extra'");

  auto replace = [&](const char* key, msgpack::object value) {
    return with_core(*env, repack_core(core, [&](Pairs& p, msgpack::zone&) {
      for (auto& [k, v] : p) {
        if (k == key) v = value;
      }
    }));
  };
  msgpack::zone z;
  std::vector<char> bin_bytes(15, 0);  // packs as a bin of 15 bytes
  const msgpack::object short_bin(bin_bytes, z);
  require_invalid(replace("id", short_bin), "id");
  require_invalid(replace("nonce", short_bin), "nonce");
  require_invalid(replace("key_commit", short_bin), "key_commit");
  require_invalid(replace("in_reply_to", short_bin), "in_reply_to");
  require_invalid(replace("from", msgpack::object(std::string(""), z)), "from is empty");
  require_invalid(replace("urgency", msgpack::object(std::string("soon"), z)), "urgency");
  require_invalid(replace("handling", msgpack::object(std::string("H4"), z)), "handling");
  require_invalid(replace("topic", msgpack::object(std::string("a b"), z)), "visible ASCII");
  require_invalid(replace("bundle", msgpack::object(int64_t{-1})), "bundle");
  require_invalid(replace("expires", msgpack::object(int64_t{kTs - 1})), "expires is before ts");
  require_invalid(replace("ts", msgpack::object(uint64_t{UINT64_MAX})), "int64");
  require_invalid(replace("to", msgpack::object(std::vector<int>{}, z)), "no readers");

  // Readers out of order or repeated.
  EnvelopeHeader h = env->header;
  std::swap(h.to[0], h.to[1]);
  require_invalid(with_core(*env, encode_core(h)), "not sorted");
  h = env->header;
  h.to[1].name = h.to[0].name;
  require_invalid(with_core(*env, encode_core(h)), "not sorted");
  h = env->header;
  h.to[0].sealed_key.pop_back();
  require_invalid(with_core(*env, encode_core(h)), "sealed_key");
  h = env->header;
  h.id[6] = 0x40;  // a UUIDv4 version nibble
  require_invalid(with_core(*env, encode_core(h)), "UUIDv7");
  // Core that is not a map, or has trailing bytes.
  require_invalid(with_core(*env, Bytes{0x90}), "not a map");
  Bytes trailing = core;
  trailing.push_back(0xc0);
  require_invalid(with_core(*env, trailing), "trailing");
}

TEST_CASE("Bad seal parameters are refused", "[envelope]") {
  Party sender("police.golfe"), a("commission"), b("committee.golfe");
  const Bytes body = body_of("x");
  auto refused = [&](const SealParams& p, std::string_view fragment) {
    auto r = seal_envelope(p, body, sender.sign_sk);
    REQUIRE_FALSE(r.ok());
    INFO(r.status().message());
    REQUIRE(r.status().message().find(fragment) != std::string::npos);
  };
  SealParams p = base_params(sender, {&a});
  p.urgency = "later";
  refused(p, "urgency");
  p = base_params(sender, {&a});
  p.handling = "H9";
  refused(p, "handling");
  p = base_params(sender, {&a});
  p.expires_ms = p.ts_ms - 1;
  refused(p, "expires");
  p = base_params(sender, {});
  refused(p, "no readers");
  p = base_params(sender, {&a});
  p.readers.emplace_back(a.name, b.seal_pk);
  refused(p, "two different seal keys");
  p = base_params(sender, {&a});
  p.id = Uuid{};
  refused(p, "UUIDv7");
  p = base_params(sender, {&a});
  p.from = "";
  refused(p, "from is empty");

  p = base_params(sender, {&a, &a, &b});  // exact duplicates collapse
  auto ok = seal_envelope(p, body, sender.sign_sk);
  REQUIRE(ok.ok());
  REQUIRE(decode_envelope(*ok)->header.to.size() == 2);

  EnvelopeLimits limits;
  limits.max_body = 10;
  auto too_big = seal_envelope(base_params(sender, {&a}), Bytes(11), sender.sign_sk, limits);
  REQUIRE_FALSE(too_big.ok());
  SecretBytes short_key(32);
  REQUIRE_FALSE(seal_envelope(base_params(sender, {&a}), body, short_key).ok());
}

TEST_CASE("Envelope throughput", "[.bench][envelope]") {
  Party sender("police.golfe");
  std::vector<std::unique_ptr<Party>> readers;
  for (int i = 0; i < 10; ++i) readers.push_back(std::make_unique<Party>("reader." + std::to_string(i)));
  Bytes body(1024);
  randombytes_buf(body.data(), body.size());
  using Clock = std::chrono::steady_clock;
  for (size_t n : {1, 3, 10}) {
    SealParams p = base_params(sender, {});
    for (size_t i = 0; i < n; ++i) p.readers.emplace_back(readers[i]->name, readers[i]->seal_pk);
    const int iters = 2000;
    Bytes wire;
    auto t0 = Clock::now();
    for (int i = 0; i < iters; ++i) wire = *seal_envelope(p, body, sender.sign_sk);
    auto t1 = Clock::now();
    for (int i = 0; i < iters; ++i) {
      auto env = decode_envelope(wire);
      REQUIRE(env.ok());
    }
    auto t2 = Clock::now();
    for (int i = 0; i < iters; ++i) {
      auto env = decode_envelope(wire);
      REQUIRE(verify_envelope(*env, sender.sign_pk).ok());
      REQUIRE(open_envelope(*env, readers[0]->name, readers[0]->seal_pk, readers[0]->seal_sk).ok());
    }
    auto t3 = Clock::now();
    auto us = [&](auto a, auto b) { return std::chrono::duration<double, std::micro>(b - a).count() / iters; };
    std::printf("readers=%zu envelope=%zu B  seal %.1f us  decode %.1f us  decode+verify+open %.1f us\n", n,
                wire.size(), us(t0, t1), us(t1, t2), us(t2, t3));
  }
}
