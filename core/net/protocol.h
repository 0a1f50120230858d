// The Relais session protocol between agents (DEALER) and the broker (ROUTER),
// version 2 (docs/protocol.md has the grammar and the rules of each command).
//
// Every protocol message is one packed ZeroMQ frame holding the command
// name, its msgpack argument array and, for PUB, MSG and DATA, a trailing
// payload: the envelope bytes exactly as signed, or DATA's fetched bytes
// (net/framing.h).
//
// Commands (agent -> broker):
//   HELLO   [protocol_version, bundle_serial]   version 1 is refused
//   PING    []
//   PUB     [req_id]                              + envelope
//   SUB     [req_id, sub_id, pattern, from, durable, flags]
//             from: "" (not given) | "new" | "first" | "seq:N" | "time:MS";
//             durable: name or ""; flags: kSubTakeOver
//   UNSUB   [sub_id]                 ends a subscription of this session
//   UNSUB   [0, durable, req_id]     deletes a durable subscription and its
//                                    cursor; answered SUBOK [req_id, 0] or ERROR
//   ACK     [sub_id, seq, seq2...]         up to 1 + kMaxAckMore seqs
//   NACK    [sub_id, seq, code, detail]    detail escaped, <= kMaxNackDetail bytes
//   FETCH   [req_id, kind, arg]            e.g. ("bundle", "latest" | "7")
//   BYE     []
// Commands (broker -> agent):
//   WELCOME [protocol_version, participant_name, bundle_serial, heartbeat_ms]
//   PONG    []
//   PUBACK  [req_id, seq, receipt(bin)]
//   SUBOK   [req_id, sub_id]
//   ERROR   [req_id, code, reason]     req_id 0 when not tied to a request
//   MSG     [sub_id, seq, delivery_count]          + envelope
//   DATA    [req_id, kind, arg]                    + payload (FETCH's answer)
//   NOTICE  [kind, value]    value: uint or array of uints
//             "bundle_serial" serial | "restored" [epoch, last_seq]
// Thread-safety: plain functions over values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

inline constexpr uint32_t kProtocolVersion = 2;

enum class Command : uint8_t {
  kHello, kPing, kPub, kSub, kUnsub, kAck, kNack, kBye,
  kWelcome, kPong, kPubAck, kSubOk, kError, kMsg,
  kFetch, kData, kNotice,  // protocol 2
};
inline constexpr Command kLastCommand = Command::kNotice;

std::string_view command_name(Command c);
std::optional<Command> parse_command(std::string_view name);

// Error codes carried by ERROR, each with a stable number scripts may rely on.
enum class ErrorCode : uint32_t {
  kMalformed = 1,        // frame or envelope cannot be decoded
  kTooLarge = 2,         // frame over max_frame_bytes
  kNotAuthenticated = 3, // no User-Id / no HELLO
  kSenderMismatch = 4,   // envelope from != transport identity
  kStaleBundle = 5,      // envelope bundle serial out of date
  kForbidden = 6,        // publish or subscribe ACL
  kTypeNotAllowed = 7,   // type not allowed on topic
  kReadersMismatch = 8,  // to != policy readers
  kClockSkew = 9,        // ts too far from broker time, or expired
  kBadSignature = 10,
  kStorage = 11,         // log could not write (disk full ...)
  kLimit = 12,           // a resource bound was hit
  kUnknownSubscription = 13,
  kInternal = 14,
  kRevoked = 15,         // the session's key was revoked, retired or removed by a reload
  kUnknownKey = 16,      // a key no bundle the broker holds names
  kStaleId = 17,         // an id too old to be accepted
  kDurableInUse = 18,    // the durable name is held by another live session
};

std::string_view error_code_name(ErrorCode c);

// Decoded arguments of each command. Strings are bounded by the decoder.
struct HelloArgs { uint32_t version = kProtocolVersion; uint64_t bundle_serial = 0; };
struct WelcomeArgs { uint32_t version = kProtocolVersion; std::string name; uint64_t bundle_serial = 0; uint32_t heartbeat_ms = 0; };
struct PubArgs { uint64_t req_id = 0; };
// SUB flags.
inline constexpr uint32_t kSubTakeOver = 1;  // take over a durable name another session holds
// The reserved durable name that attaches the participant's mailbox (with an
// empty pattern); refused by this broker for now.
inline constexpr std::string_view kMailboxDurable = "@mailbox";
struct SubArgs {
  uint64_t req_id = 0;
  uint32_t sub_id = 0;
  std::string pattern;
  std::string from;  // "" = not given: a new subscription starts at "new", a durable one at its cursor
  std::string durable;
  uint32_t flags = 0;
};
struct UnsubArgs { uint32_t sub_id = 0; std::string durable; uint64_t req_id = 0; };
// An ACK settles `seq` and, batched, up to kMaxAckMore further seqs of the
// same subscription: [sub_id, seq, seq2, ...].
inline constexpr size_t kMaxAckMore = 254;
struct AckArgs {
  uint32_t sub_id = 0;
  uint64_t seq = 0;
  uint32_t more_count = 0;
  std::array<uint64_t, kMaxAckMore> more{};
};

// AckBatch: seqs of one subscription gathered for one ACK. add() returns
// false, taking nothing, for a seq of another subscription or when the batch
// is full: send args(), clear(), then add again. Plain value.
class AckBatch {
 public:
  bool empty() const { return !has_; }
  bool add(uint32_t sub_id, uint64_t seq) {
    if (!has_) {
      args_.sub_id = sub_id;
      args_.seq = seq;
      args_.more_count = 0;
      has_ = true;
      return true;
    }
    if (args_.sub_id != sub_id || args_.more_count == kMaxAckMore) return false;
    args_.more[args_.more_count++] = seq;
    return true;
  }
  const AckArgs& args() const { return args_; }
  void clear() { has_ = false; }

 private:
  AckArgs args_;
  bool has_ = false;
};
// NACK: the reader's verdict, a code (ErrorCode numbers: bad_signature,
// malformed, stale_bundle, unknown_key, revoked...) and a detail for people.
// The encoder escapes the detail (util/log_text.h) and cuts it to
// kMaxNackDetail bytes; the decoder refuses a longer one. The detail never
// quotes a document value.
inline constexpr size_t kMaxNackDetail = 256;
struct NackArgs { uint32_t sub_id = 0; uint64_t seq = 0; ErrorCode code = ErrorCode::kMalformed; std::string detail; };
struct PubAckArgs { uint64_t req_id = 0; uint64_t seq = 0; Bytes receipt; };
struct SubOkArgs { uint64_t req_id = 0; uint32_t sub_id = 0; };
struct ErrorArgs { uint64_t req_id = 0; ErrorCode code = ErrorCode::kInternal; std::string reason; };
struct MsgArgs { uint32_t sub_id = 0; uint64_t seq = 0; uint32_t delivery_count = 0; };
// FETCH kinds and arguments (docs/protocol.md §Fetching):
//   "bundle"      "latest" | a decimal serial  -> the exact signed bundle file
//   "checkpoint"  "latest" | "covering:<seq>"  -> CheckpointData (the latest,
//                 or the first whose size >= seq)
//   "consistency" "<m>:<n>"                    -> ConsistencyData (RFC 6962 PROOF)
//   "inclusion"   "<seq>:<size>"               -> InclusionData (RFC 6962 PATH)
//   "restored"    "<epoch>"                    -> RestoredData (the restored event that began the epoch)
inline constexpr std::string_view kFetchBundle = "bundle";
inline constexpr std::string_view kFetchRestored = "restored";
inline constexpr std::string_view kFetchCheckpoint = "checkpoint";
inline constexpr std::string_view kFetchConsistency = "consistency";
inline constexpr std::string_view kFetchInclusion = "inclusion";
struct FetchArgs { uint64_t req_id = 0; std::string kind; std::string arg; };
// DATA: FETCH's answer; the payload (at most max_frame_bytes) follows the
// arguments in the frame's trailing slot.
struct DataArgs { uint64_t req_id = 0; std::string kind; std::string arg; };
// NOTICE: something the agent should know, unasked.
//   "bundle_serial"  value = the serial the broker now holds (after a reload)
//   "restored"       value = [epoch, last_seq] (reserved for backups)
inline constexpr std::string_view kNoticeBundleSerial = "bundle_serial";
inline constexpr std::string_view kNoticeRestored = "restored";
inline constexpr size_t kMaxNoticeValues = 16;
struct NoticeArgs {
  std::string kind;
  std::vector<uint64_t> values;  // one value when !is_array
  bool is_array = false;
  static NoticeArgs bundle_serial(uint64_t serial) { return NoticeArgs{std::string(kNoticeBundleSerial), {serial}, false}; }
  static NoticeArgs restored(uint64_t epoch, uint64_t last_seq) {
    return NoticeArgs{std::string(kNoticeRestored), {epoch, last_seq}, true};
  }
};

// Encoders append the msgpack argument frame to *out (cleared first).
void encode_args(const HelloArgs&, Bytes* out);
void encode_args(const WelcomeArgs&, Bytes* out);
void encode_args(const PubArgs&, Bytes* out);
void encode_args(const SubArgs&, Bytes* out);
void encode_args(const UnsubArgs&, Bytes* out);
void encode_args(const AckArgs&, Bytes* out);
void encode_args(const NackArgs&, Bytes* out);
void encode_args(const PubAckArgs&, Bytes* out);
void encode_args(const SubOkArgs&, Bytes* out);
void encode_args(const ErrorArgs&, Bytes* out);
void encode_args(const MsgArgs&, Bytes* out);
void encode_args(const FetchArgs&, Bytes* out);
void encode_args(const DataArgs&, Bytes* out);
void encode_args(const NoticeArgs&, Bytes* out);
void encode_empty_args(Bytes* out);

// Decoders: bounded, never throw; Status::Invalid "protocol: ..." on bad input.
Status decode_args(ByteView in, HelloArgs* out);
Status decode_args(ByteView in, WelcomeArgs* out);
Status decode_args(ByteView in, PubArgs* out);
Status decode_args(ByteView in, SubArgs* out);
Status decode_args(ByteView in, UnsubArgs* out);
Status decode_args(ByteView in, AckArgs* out);
Status decode_args(ByteView in, NackArgs* out);
Status decode_args(ByteView in, PubAckArgs* out);
Status decode_args(ByteView in, SubOkArgs* out);
Status decode_args(ByteView in, ErrorArgs* out);
Status decode_args(ByteView in, MsgArgs* out);
Status decode_args(ByteView in, FetchArgs* out);
Status decode_args(ByteView in, DataArgs* out);
Status decode_args(ByteView in, NoticeArgs* out);

// The payloads of FETCH checkpoint, consistency and inclusion: fixed
// little-endian layouts (docs/protocol.md §Fetching), decoded strictly
// (Status::Invalid "protocol: ..." on any other length or a proof longer
// than kMaxProofHashes).
//   checkpoint  = epoch u64 ‖ size u64 ‖ root[32] ‖ ts i64 ‖ sig[64]        (120 bytes)
//   consistency = old_size u64 ‖ new_size u64 ‖ count u8 ‖ hash[32] * count
//   inclusion   = seq u64 ‖ size u64 ‖ leaf[32] ‖ count u8 ‖ hash[32] * count
// epoch is the log epoch: 0 for a log never restored.
inline constexpr size_t kMaxProofHashes = 128;
using ProofHash = std::array<uint8_t, 32>;
struct CheckpointData {
  uint64_t epoch = 0;
  uint64_t size = 0;
  ProofHash root{};
  int64_t ts_ms = 0;
  std::array<uint8_t, 64> sig{};
};
struct ConsistencyData {
  uint64_t old_size = 0, new_size = 0;
  std::vector<ProofHash> proof;
};
struct InclusionData {
  uint64_t seq = 0, size = 0;
  ProofHash leaf{};
  std::vector<ProofHash> proof;
};
// FETCH restored: the `restored` event record that began the log's current
// epoch, as logged: seq u64 ‖ ts i64 ‖ body (its leaf is the event leaf of
// these; docs/log-format.md §Epochs).
struct RestoredData {
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  Bytes body;
};
Bytes encode_fetch_data(const RestoredData&);
Status decode_fetch_data(ByteView in, RestoredData* out);
Bytes encode_fetch_data(const CheckpointData&);
Bytes encode_fetch_data(const ConsistencyData&);
Bytes encode_fetch_data(const InclusionData&);
Status decode_fetch_data(ByteView in, CheckpointData* out);
Status decode_fetch_data(ByteView in, ConsistencyData* out);
Status decode_fetch_data(ByteView in, InclusionData* out);
// "<a>:<b>": two decimal integers (FETCH consistency and inclusion arguments).
bool parse_fetch_pair(std::string_view arg, uint64_t* a, uint64_t* b);

// "from" of a subscription: where delivery starts.
struct StartPosition {
  enum class Kind { kNew, kFirst, kSeq, kTime } kind = Kind::kNew;
  int64_t value = 0;  // seq or ms
};
// Parses "new" | "first" | a sequence number | an RFC 3339 time (agent side)
Result<StartPosition> parse_start_position_text(std::string_view text);
// Wire form: "new" | "first" | "seq:N" | "time:MS".
std::string start_position_to_wire(const StartPosition& p);
Result<StartPosition> parse_start_position_wire(std::string_view wire);

}  // namespace relais
