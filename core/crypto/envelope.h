// The Relais envelope: seal, encode, decode, verify and open (docs/design.md
// §The envelope).
// The wire format is documented byte by byte in docs/envelope.md.
//
//   envelope = msgpack [v=1, core (bin), ct (bin), sig (bin 64)]
//   core     = msgpack map: id from ts expires bundle topic type urgency
//              handling case_ref in_reply_to to nonce key_commit
//   ct       = XChaCha20-Poly1305(sodium_pad(body, 256), nonce, k_enc,
//                                 AAD = BLAKE2b-256("relais/aad/v1" || core))
//   sig      = Ed25519("relais/envelope/v1\0" || BLAKE2b-256(core) || BLAKE2b-256(ct))
//
// Hashes and the signature always cover the exact bytes received, never a
// re-serialisation (msgpack is not canonical).
//
// Typical use:
//   broker:  decode_envelope -> checks on env.header -> verify_envelope
//   reader:  decode_envelope -> verify_envelope -> open_envelope
// open_envelope does NOT check the signature: call verify_envelope first.
//
// Contracts: no function throws; errors are Status values whose message
// starts with "envelope: ". decode_envelope is bounded by EnvelopeLimits and
// safe on any input. All functions are thread-safe (no shared state); an
// Envelope is a plain value that may be read from many threads. Decrypted
// bodies are returned as Bytes: the caller must not log them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/hashing.h"
#include "crypto/keys.h"
#include "crypto/secret.h"
#include "crypto/uuid.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

inline constexpr uint32_t kEnvelopeVersion = 1;
inline constexpr size_t kSealedKeyBytes = 80;   // crypto_box_SEALBYTES + 32
inline constexpr size_t kEnvelopeNonceBytes = 24;
inline constexpr size_t kEnvelopeSigBytes = 64;
inline constexpr size_t kEnvelopePadBlock = 256;
// open_envelope's message for a reader whose sealed key does not match the
// key commitment: evidence of a malicious sender, to be NACKed as such.
inline constexpr std::string_view kKeyCommitMismatch = "envelope: key commitment mismatch";

// One entry of `to`: a reader's name and K sealed to its seal key.
struct EnvelopeReader {
  std::string name;
  Bytes sealed_key;  // kSealedKeyBytes
  bool operator==(const EnvelopeReader&) const = default;
};

// The decoded `core` map.
struct EnvelopeHeader {
  Uuid id{};
  std::string from;
  int64_t ts_ms = 0;
  int64_t expires_ms = 0;
  uint64_t bundle_serial = 0;
  std::string topic, type, urgency, handling;
  std::optional<std::string> case_ref;
  std::optional<Uuid> in_reply_to;
  std::vector<EnvelopeReader> to;  // sorted by name, unique
  std::array<uint8_t, 24> nonce{};
  std::array<uint8_t, 32> key_commit{};
  bool operator==(const EnvelopeHeader&) const = default;

  // The reader entry for `name`, or nullptr (binary search; `to` is sorted).
  const EnvelopeReader* find_reader(std::string_view name) const;
};

// A decoded envelope. Byte fields are exact copies of what was received, and
// the hashes are computed once by decode_envelope. Treat as immutable: the
// hashes are not recomputed if a field is changed afterwards.
struct Envelope {
  uint32_t version = kEnvelopeVersion;
  EnvelopeHeader header;
  Bytes core;
  Bytes ct;
  std::array<uint8_t, 64> sig{};
  Hash256 core_hash{};  // BLAKE2b-256(core)
  Hash256 ct_hash{};    // BLAKE2b-256(ct)
};

// Bodies carry attachments (photos, PDFs), so the defaults allow a 16 MiB body
// in an envelope of 17 MiB (the broker's limits.max_frame_bytes and max_body).
struct EnvelopeLimits {
  size_t max_bytes = 17u << 20;     // whole encoded envelope
  size_t max_readers = 64;          // entries in `to`
  size_t max_body = 16u << 20;      // plaintext body (before padding)
  size_t max_string = 256;          // any str in core (names, topic, type, case_ref)
};

// The largest `ct` a body of at most max_body bytes seals to: the body padded
// to the next kEnvelopePadBlock (always at least one byte of padding) plus the
// 16-byte AEAD tag. What a reader without the key can tell of a body's size.
inline constexpr size_t envelope_max_ct_bytes(size_t max_body) {
  return (max_body / kEnvelopePadBlock + 1) * kEnvelopePadBlock + 16;
}

struct SealParams {
  std::string from, topic, type, urgency = "routine", handling = "H2";
  std::optional<std::string> case_ref;
  std::optional<Uuid> in_reply_to;
  uint64_t bundle_serial = 0;
  int64_t ts_ms = 0;
  int64_t expires_ms = 0;
  std::optional<Uuid> id;  // a fresh new_uuid_v7(ts_ms) when absent
  // Readers: name + seal public key, in any order. Sorted by name and exact
  // duplicates dropped; one name with two different keys is Status::Invalid.
  std::vector<std::pair<std::string, PublicKey>> readers;
};

// Seals `body` for params.readers and signs with sign_sk (64-byte Ed25519
// secret key). Status::Invalid for bad parameters (empty or non-printable
// strings, unknown urgency or handling, expires before ts, no readers, too
// many readers, a body or envelope over the limits, an id without the v7
// layout, an invalid reader public key).
Result<Bytes> seal_envelope(const SealParams& params, ByteView body, const SecretBytes& sign_sk,
                            const EnvelopeLimits& limits = {});

// Decodes and checks the shape of an envelope: bounded msgpack, every core
// key present exactly once with its type and length, no unknown key, readers
// sorted and unique, version 1, no trailing bytes. Does not verify the
// signature. Status::Invalid ("envelope: ..."), or Status::Unsupported for a
// version other than 1.
Result<Envelope> decode_envelope(ByteView bytes, const EnvelopeLimits& limits = {});

// The same checks without copies or hashes, for the broker's hot path: core
// and ct are views into `bytes`, which must outlive the result; the caller
// hashes them (BLAKE2b-256) where it likes.
struct EnvelopeView {
  uint32_t version = kEnvelopeVersion;
  EnvelopeHeader header;
  ByteView core;
  ByteView ct;
  std::array<uint8_t, 64> sig{};
};
Result<EnvelopeView> decode_envelope_view(ByteView bytes, const EnvelopeLimits& limits = {});

// decode_envelope_view for a hot loop (the broker's ingest): it keeps one
// msgpack zone and the last view's string and vector capacity, so once warm a
// decode allocates nothing. After an ok decode(), view() describes `bytes`,
// which must outlive it; the view is overwritten by the next decode. Same
// errors as decode_envelope_view. Not thread-safe: one per thread.
class EnvelopeDecoder {
 public:
  EnvelopeDecoder();
  ~EnvelopeDecoder();
  EnvelopeDecoder(const EnvelopeDecoder&) = delete;
  EnvelopeDecoder& operator=(const EnvelopeDecoder&) = delete;
  Status decode(ByteView bytes, const EnvelopeLimits& limits = {});
  const EnvelopeView& view() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Checks sig against the sender's Ed25519 public key.
// Status::Invalid "envelope: bad signature ..." on failure.
Status verify_envelope(const Envelope& env, const PublicKey& sender_sign_pk);

// Opens the body for one reader: finds reader_name in `to` (Status::Refused
// "... not among the readers"), unseals K with the reader's seal keypair
// (seal_sk: 32 bytes), checks key_commit (Status::Invalid starting with
// kKeyCommitMismatch), decrypts with the AAD over core, and unpads.
// Any other failure is Status::Invalid.
Result<Bytes> open_envelope(const Envelope& env, std::string_view reader_name, const PublicKey& seal_pk,
                            const SecretBytes& seal_sk);

// ---- Building blocks. seal_envelope is built from these; tests and tools use
// them to construct unusual (e.g. deliberately malicious) envelopes. ----

// The two subkeys of a content key K: crypto_kdf context "relais01",
// subkey 1 = k_enc, subkey 2 = k_commit.
struct ContentSubkeys {
  std::array<uint8_t, 32> k_enc{};
  std::array<uint8_t, 32> k_commit{};
  ~ContentSubkeys();  // wiped
};
void derive_content_subkeys(const std::array<uint8_t, 32>& k, ContentSubkeys& out);

// BLAKE2b-256 keyed with k_commit over ("relais/commit/v1" || id).
Hash256 compute_key_commit(const std::array<uint8_t, 32>& k_commit, const Uuid& id);

// Packs `core` with the keys in the documented order. Does not validate.
Bytes encode_core(const EnvelopeHeader& header);

// XChaCha20-Poly1305 of sodium_pad(body, 256) under k_enc with the AAD over core.
Bytes encrypt_body(ByteView body, const std::array<uint8_t, 24>& nonce, const std::array<uint8_t, 32>& k_enc,
                   ByteView core);

// The 83 bytes that sig covers.
std::array<uint8_t, 83> envelope_signing_message(const Hash256& core_hash, const Hash256& ct_hash);

// Packs [v, core, ct, sig].
Bytes encode_envelope(uint32_t version, ByteView core, ByteView ct, const std::array<uint8_t, 64>& sig);

}  // namespace relais
