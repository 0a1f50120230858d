#include "net/protocol.h"

#include <cassert>
#include <charconv>
#include <cstring>
#include <msgpack.hpp>

#include "util/clock.h"
#include "util/log_text.h"

namespace relais {
namespace {

constexpr std::string_view kCommandNames[] = {
    "HELLO", "PING", "PUB", "SUB", "UNSUB", "ACK", "NACK", "BYE",
    "WELCOME", "PONG", "PUBACK", "SUBOK", "ERROR", "MSG",
    "FETCH", "DATA", "NOTICE",
};
static_assert(std::size(kCommandNames) == static_cast<size_t>(kLastCommand) + 1);

// Appends msgpack output to a Bytes buffer.
struct BytesSink {
  Bytes* out;
  void write(const char* data, size_t len) { out->insert(out->end(), data, data + len); }
};

using Packer = msgpack::packer<BytesSink>;

// Argument frames are tiny: tight limits make hostile input cheap to refuse.
constexpr size_t kMaxArgFrame = 4096;
constexpr size_t kMaxArgString = 1024;
constexpr size_t kMaxArgItems = 2 + kMaxAckMore;  // a full ACK batch
constexpr size_t kArgZoneChunk = 512;

// A decoded argument array, bounded; accessors check types and never throw.
class Args {
 public:
  Status parse(ByteView in, size_t min_count, const char* what) {
    if (in.size() > kMaxArgFrame) return Status::Invalid(std::string("protocol: ") + what + " arguments too large");
    try {
      msgpack::unpack_limit limit(kMaxArgItems, 0, kMaxArgString, kMaxArgString, 0, 2);
      object_ = msgpack::unpack(zone_, reinterpret_cast<const char*>(in.data()), in.size(), nullptr, nullptr, limit);
    } catch (const std::exception&) {
      return Status::Invalid(std::string("protocol: ") + what + " arguments are not valid msgpack");
    }
    const msgpack::object& o = object_;
    if (o.type != msgpack::type::ARRAY || o.via.array.size < min_count)
      return Status::Invalid(std::string("protocol: ") + what + " arguments must be an array of at least " +
                             std::to_string(min_count));
    items_ = o.via.array.ptr;
    count_ = o.via.array.size;
    what_ = what;
    return Status::Ok();
  }
  size_t count() const { return count_; }
  Status u64(size_t i, uint64_t* out) const {
    if (i >= count_ || items_[i].type != msgpack::type::POSITIVE_INTEGER) return bad(i, "an unsigned integer");
    *out = items_[i].via.u64;
    return Status::Ok();
  }
  Status u32(size_t i, uint32_t* out) const {
    uint64_t v = 0;
    RELAIS_RETURN_IF_ERROR(u64(i, &v));
    if (v > UINT32_MAX) return bad(i, "a 32-bit unsigned integer");
    *out = static_cast<uint32_t>(v);
    return Status::Ok();
  }
  Status str(size_t i, std::string* out) const {
    if (i >= count_ || items_[i].type != msgpack::type::STR) return bad(i, "a string");
    out->assign(items_[i].via.str.ptr, items_[i].via.str.size);
    return Status::Ok();
  }
  // An unsigned integer, or an array of at most kMaxNoticeValues of them.
  Status u64_or_array(size_t i, std::vector<uint64_t>* out, bool* is_array) const {
    out->clear();
    if (i < count_ && items_[i].type == msgpack::type::POSITIVE_INTEGER) {
      out->push_back(items_[i].via.u64);
      *is_array = false;
      return Status::Ok();
    }
    if (i >= count_ || items_[i].type != msgpack::type::ARRAY || items_[i].via.array.size > kMaxNoticeValues)
      return bad(i, "an unsigned integer or a short array of them");
    const msgpack::object_array& arr = items_[i].via.array;
    for (uint32_t k = 0; k < arr.size; ++k) {
      if (arr.ptr[k].type != msgpack::type::POSITIVE_INTEGER) return bad(i, "an array of unsigned integers");
      out->push_back(arr.ptr[k].via.u64);
    }
    *is_array = true;
    return Status::Ok();
  }
  Status bin(size_t i, Bytes* out) const {
    if (i >= count_ || items_[i].type != msgpack::type::BIN) return bad(i, "binary");
    const auto* p = reinterpret_cast<const uint8_t*>(items_[i].via.bin.ptr);
    out->assign(p, p + items_[i].via.bin.size);
    return Status::Ok();
  }

 private:
  Status bad(size_t i, const char* expected) const {
    return Status::Invalid(std::string("protocol: ") + what_ + " argument " + std::to_string(i) + " must be " +
                           expected);
  }
  // A small zone per decode: argument arrays are tiny, and the default zone
  // (a heap-allocated zone plus an 8 KB chunk) cost more than the decode
  // (docs/performance.md).
  msgpack::zone zone_{kArgZoneChunk};
  msgpack::object object_;
  const msgpack::object* items_ = nullptr;
  size_t count_ = 0;
  const char* what_ = "";
};

// Starts an argument frame of n items in *out.
struct ArgWriter {
  BytesSink sink;
  Packer p;
  ArgWriter(Bytes* out, size_t n) : sink{out}, p(sink) {
    out->clear();
    p.pack_array(static_cast<uint32_t>(n));
  }
};

void pack_str(Packer& p, std::string_view s) {
  p.pack_str(static_cast<uint32_t>(s.size()));
  p.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

}  // namespace

std::string_view command_name(Command c) { return kCommandNames[static_cast<size_t>(c)]; }

std::optional<Command> parse_command(std::string_view name) {
  for (size_t i = 0; i < std::size(kCommandNames); ++i)
    if (kCommandNames[i] == name) return static_cast<Command>(i);
  return std::nullopt;
}

std::string_view error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kNotAuthenticated: return "not_authenticated";
    case ErrorCode::kSenderMismatch: return "sender_mismatch";
    case ErrorCode::kStaleBundle: return "stale_bundle";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kTypeNotAllowed: return "type_not_allowed";
    case ErrorCode::kReadersMismatch: return "readers_mismatch";
    case ErrorCode::kClockSkew: return "clock_skew";
    case ErrorCode::kBadSignature: return "bad_signature";
    case ErrorCode::kStorage: return "storage";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kUnknownSubscription: return "unknown_subscription";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kRevoked: return "revoked";
    case ErrorCode::kUnknownKey: return "unknown_key";
    case ErrorCode::kStaleId: return "stale_id";
    case ErrorCode::kDurableInUse: return "durable_in_use";
  }
  return "unknown";
}

void encode_empty_args(Bytes* out) { ArgWriter w(out, 0); }

void encode_args(const HelloArgs& a, Bytes* out) {
  ArgWriter w(out, 2); Packer& p = w.p;
  p.pack_uint32(a.version); p.pack_uint64(a.bundle_serial);
}
void encode_args(const WelcomeArgs& a, Bytes* out) {
  ArgWriter w(out, 4); Packer& p = w.p;
  p.pack_uint32(a.version); pack_str(p, a.name); p.pack_uint64(a.bundle_serial); p.pack_uint32(a.heartbeat_ms);
}
void encode_args(const PubArgs& a, Bytes* out) {
  ArgWriter w(out, 1); Packer& p = w.p;
  p.pack_uint64(a.req_id);
}
void encode_args(const SubArgs& a, Bytes* out) {
  ArgWriter w(out, 6); Packer& p = w.p;
  p.pack_uint64(a.req_id); p.pack_uint32(a.sub_id); pack_str(p, a.pattern); pack_str(p, a.from); pack_str(p, a.durable);
  p.pack_uint32(a.flags);
}
void encode_args(const UnsubArgs& a, Bytes* out) {
  const bool remove = !a.durable.empty();
  ArgWriter w(out, remove ? 3 : 1); Packer& p = w.p;
  p.pack_uint32(a.sub_id);
  if (remove) {
    p.pack_str(static_cast<uint32_t>(a.durable.size()));
    p.pack_str_body(a.durable.data(), static_cast<uint32_t>(a.durable.size()));
    p.pack_uint64(a.req_id);
  }
}
void encode_args(const AckArgs& a, Bytes* out) {
  assert(a.more_count <= kMaxAckMore);
  ArgWriter w(out, 2 + a.more_count); Packer& p = w.p;
  p.pack_uint32(a.sub_id); p.pack_uint64(a.seq);
  for (uint32_t i = 0; i < a.more_count; ++i) p.pack_uint64(a.more[i]);
}
void encode_args(const NackArgs& a, Bytes* out) {
  ArgWriter w(out, 4); Packer& p = w.p;
  p.pack_uint32(a.sub_id); p.pack_uint64(a.seq); p.pack_uint32(static_cast<uint32_t>(a.code));
  // log_text may add "..." after max_bytes: cut 3 earlier.
  pack_str(p, log_text(a.detail, kMaxNackDetail - 3));
}
void encode_args(const PubAckArgs& a, Bytes* out) {
  ArgWriter w(out, 3); Packer& p = w.p;
  p.pack_uint64(a.req_id); p.pack_uint64(a.seq);
  p.pack_bin(static_cast<uint32_t>(a.receipt.size()));
  p.pack_bin_body(reinterpret_cast<const char*>(a.receipt.data()), static_cast<uint32_t>(a.receipt.size()));
}
void encode_args(const SubOkArgs& a, Bytes* out) {
  ArgWriter w(out, 2); Packer& p = w.p;
  p.pack_uint64(a.req_id); p.pack_uint32(a.sub_id);
}
void encode_args(const ErrorArgs& a, Bytes* out) {
  ArgWriter w(out, 3); Packer& p = w.p;
  p.pack_uint64(a.req_id); p.pack_uint32(static_cast<uint32_t>(a.code)); pack_str(p, a.reason.substr(0, kMaxArgString / 2));
}
void encode_args(const MsgArgs& a, Bytes* out) {
  ArgWriter w(out, 3); Packer& p = w.p;
  p.pack_uint32(a.sub_id); p.pack_uint64(a.seq); p.pack_uint32(a.delivery_count);
}
void encode_args(const FetchArgs& a, Bytes* out) {
  ArgWriter w(out, 3); Packer& p = w.p;
  p.pack_uint64(a.req_id); pack_str(p, a.kind.substr(0, kMaxArgString / 2)); pack_str(p, a.arg.substr(0, kMaxArgString / 2));
}
void encode_args(const DataArgs& a, Bytes* out) {
  ArgWriter w(out, 3); Packer& p = w.p;
  p.pack_uint64(a.req_id); pack_str(p, a.kind.substr(0, kMaxArgString / 2)); pack_str(p, a.arg.substr(0, kMaxArgString / 2));
}
void encode_args(const NoticeArgs& a, Bytes* out) {
  assert(a.values.size() <= kMaxNoticeValues && (a.is_array || a.values.size() == 1));
  ArgWriter w(out, 2); Packer& p = w.p;
  pack_str(p, a.kind.substr(0, kMaxArgString / 2));
  if (a.is_array) {
    p.pack_array(static_cast<uint32_t>(a.values.size()));
    for (uint64_t v : a.values) p.pack_uint64(v);
  } else {
    p.pack_uint64(a.values.empty() ? 0 : a.values[0]);
  }
}

Status decode_args(ByteView in, HelloArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 2, "HELLO"));
  RELAIS_RETURN_IF_ERROR(a.u32(0, &out->version));
  return a.u64(1, &out->bundle_serial);
}
Status decode_args(ByteView in, WelcomeArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 4, "WELCOME"));
  RELAIS_RETURN_IF_ERROR(a.u32(0, &out->version));
  RELAIS_RETURN_IF_ERROR(a.str(1, &out->name));
  RELAIS_RETURN_IF_ERROR(a.u64(2, &out->bundle_serial));
  return a.u32(3, &out->heartbeat_ms);
}
Status decode_args(ByteView in, PubArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 1, "PUB"));
  return a.u64(0, &out->req_id);
}
Status decode_args(ByteView in, SubArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 6, "SUB"));
  RELAIS_RETURN_IF_ERROR(a.u64(0, &out->req_id));
  RELAIS_RETURN_IF_ERROR(a.u32(1, &out->sub_id));
  RELAIS_RETURN_IF_ERROR(a.str(2, &out->pattern));
  RELAIS_RETURN_IF_ERROR(a.str(3, &out->from));
  RELAIS_RETURN_IF_ERROR(a.str(4, &out->durable));
  return a.u32(5, &out->flags);
}
Status decode_args(ByteView in, UnsubArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 1, "UNSUB"));
  RELAIS_RETURN_IF_ERROR(a.u32(0, &out->sub_id));
  out->durable.clear();
  out->req_id = 0;
  if (a.count() == 1) return Status::Ok();
  RELAIS_RETURN_IF_ERROR(a.str(1, &out->durable));
  if (a.count() > 2) RELAIS_RETURN_IF_ERROR(a.u64(2, &out->req_id));
  return Status::Ok();
}
Status decode_args(ByteView in, AckArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 2, "ACK"));
  RELAIS_RETURN_IF_ERROR(a.u32(0, &out->sub_id));
  RELAIS_RETURN_IF_ERROR(a.u64(1, &out->seq));
  out->more_count = static_cast<uint32_t>(a.count() - 2);  // <= kMaxAckMore by the unpack limit
  for (uint32_t i = 0; i < out->more_count; ++i) RELAIS_RETURN_IF_ERROR(a.u64(2 + i, &out->more[i]));
  return Status::Ok();
}
Status decode_args(ByteView in, NackArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 4, "NACK"));
  RELAIS_RETURN_IF_ERROR(a.u32(0, &out->sub_id));
  RELAIS_RETURN_IF_ERROR(a.u64(1, &out->seq));
  uint32_t code = 0;
  RELAIS_RETURN_IF_ERROR(a.u32(2, &code));
  out->code = static_cast<ErrorCode>(code);
  RELAIS_RETURN_IF_ERROR(a.str(3, &out->detail));
  if (out->detail.size() > kMaxNackDetail)
    return Status::Invalid("protocol: NACK detail longer than " + std::to_string(kMaxNackDetail) + " bytes");
  return Status::Ok();
}
Status decode_args(ByteView in, PubAckArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 3, "PUBACK"));
  RELAIS_RETURN_IF_ERROR(a.u64(0, &out->req_id));
  RELAIS_RETURN_IF_ERROR(a.u64(1, &out->seq));
  return a.bin(2, &out->receipt);
}
Status decode_args(ByteView in, SubOkArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 2, "SUBOK"));
  RELAIS_RETURN_IF_ERROR(a.u64(0, &out->req_id));
  return a.u32(1, &out->sub_id);
}
Status decode_args(ByteView in, ErrorArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 3, "ERROR"));
  RELAIS_RETURN_IF_ERROR(a.u64(0, &out->req_id));
  uint32_t code = 0;
  RELAIS_RETURN_IF_ERROR(a.u32(1, &code));
  out->code = static_cast<ErrorCode>(code);
  return a.str(2, &out->reason);
}
Status decode_args(ByteView in, MsgArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 3, "MSG"));
  RELAIS_RETURN_IF_ERROR(a.u32(0, &out->sub_id));
  RELAIS_RETURN_IF_ERROR(a.u64(1, &out->seq));
  return a.u32(2, &out->delivery_count);
}
Status decode_args(ByteView in, FetchArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 3, "FETCH"));
  RELAIS_RETURN_IF_ERROR(a.u64(0, &out->req_id));
  RELAIS_RETURN_IF_ERROR(a.str(1, &out->kind));
  return a.str(2, &out->arg);
}
Status decode_args(ByteView in, DataArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 3, "DATA"));
  RELAIS_RETURN_IF_ERROR(a.u64(0, &out->req_id));
  RELAIS_RETURN_IF_ERROR(a.str(1, &out->kind));
  return a.str(2, &out->arg);
}
Status decode_args(ByteView in, NoticeArgs* out) {
  Args a; RELAIS_RETURN_IF_ERROR(a.parse(in, 2, "NOTICE"));
  RELAIS_RETURN_IF_ERROR(a.str(0, &out->kind));
  return a.u64_or_array(1, &out->values, &out->is_array);
}

namespace {

void put_u64(Bytes* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void put_hashes(Bytes* out, const std::vector<ProofHash>& proof) {
  assert(proof.size() <= kMaxProofHashes);
  out->push_back(static_cast<uint8_t>(proof.size()));
  for (const auto& h : proof) out->insert(out->end(), h.begin(), h.end());
}
Status get_hashes(ByteView in, size_t at, const char* what, std::vector<ProofHash>* out) {
  if (in.size() <= at) return Status::Invalid(std::string("protocol: ") + what + " payload too short");
  const size_t count = in[at];
  if (count > kMaxProofHashes) return Status::Invalid(std::string("protocol: ") + what + " proof too long");
  if (in.size() != at + 1 + 32 * count)
    return Status::Invalid(std::string("protocol: ") + what + " payload has the wrong length");
  out->resize(count);
  for (size_t i = 0; i < count; ++i) std::memcpy((*out)[i].data(), in.data() + at + 1 + 32 * i, 32);
  return Status::Ok();
}

}  // namespace

Bytes encode_fetch_data(const CheckpointData& d) {
  Bytes out;
  out.reserve(120);
  put_u64(&out, d.epoch);
  put_u64(&out, d.size);
  out.insert(out.end(), d.root.begin(), d.root.end());
  put_u64(&out, static_cast<uint64_t>(d.ts_ms));
  out.insert(out.end(), d.sig.begin(), d.sig.end());
  return out;
}
Bytes encode_fetch_data(const RestoredData& d) {
  Bytes out;
  out.reserve(16 + d.body.size());
  put_u64(&out, d.seq);
  put_u64(&out, static_cast<uint64_t>(d.ts_ms));
  out.insert(out.end(), d.body.begin(), d.body.end());
  return out;
}
Status decode_fetch_data(ByteView in, RestoredData* out) {
  if (in.size() <= 16) return Status::Invalid("protocol: a restored record payload is too short");
  out->seq = get_u64(in.data());
  out->ts_ms = static_cast<int64_t>(get_u64(in.data() + 8));
  out->body.assign(in.begin() + 16, in.end());
  return Status::Ok();
}
Bytes encode_fetch_data(const ConsistencyData& d) {
  Bytes out;
  put_u64(&out, d.old_size);
  put_u64(&out, d.new_size);
  put_hashes(&out, d.proof);
  return out;
}
Bytes encode_fetch_data(const InclusionData& d) {
  Bytes out;
  put_u64(&out, d.seq);
  put_u64(&out, d.size);
  out.insert(out.end(), d.leaf.begin(), d.leaf.end());
  put_hashes(&out, d.proof);
  return out;
}
Status decode_fetch_data(ByteView in, CheckpointData* out) {
  if (in.size() != 120) return Status::Invalid("protocol: a checkpoint payload is 120 bytes");
  out->epoch = get_u64(in.data());
  out->size = get_u64(in.data() + 8);
  std::memcpy(out->root.data(), in.data() + 16, 32);
  out->ts_ms = static_cast<int64_t>(get_u64(in.data() + 48));
  std::memcpy(out->sig.data(), in.data() + 56, 64);
  return Status::Ok();
}
Status decode_fetch_data(ByteView in, ConsistencyData* out) {
  if (in.size() < 16) return Status::Invalid("protocol: consistency payload too short");
  out->old_size = get_u64(in.data());
  out->new_size = get_u64(in.data() + 8);
  return get_hashes(in, 16, "consistency", &out->proof);
}
Status decode_fetch_data(ByteView in, InclusionData* out) {
  if (in.size() < 48) return Status::Invalid("protocol: inclusion payload too short");
  out->seq = get_u64(in.data());
  out->size = get_u64(in.data() + 8);
  std::memcpy(out->leaf.data(), in.data() + 16, 32);
  return get_hashes(in, 48, "inclusion", &out->proof);
}

bool parse_fetch_pair(std::string_view arg, uint64_t* a, uint64_t* b) {
  const size_t colon = arg.find(':');
  if (colon == std::string_view::npos) return false;
  auto num = [](std::string_view s, uint64_t* v) {
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && end == s.data() + s.size();
  };
  return num(arg.substr(0, colon), a) && num(arg.substr(colon + 1), b);
}

namespace {

// A non-negative decimal integer that fits in int64_t, digits only.
bool parse_count(std::string_view s, int64_t* out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

Result<StartPosition> parse_start_position_text(std::string_view text) {
  StartPosition p;
  if (text == "new") return p;
  if (text == "first") { p.kind = StartPosition::Kind::kFirst; return p; }
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (!parse_count(text, &p.value)) return Status::Usage("--from: sequence number out of range");
    if (p.value < 1) return Status::Usage("--from: sequence numbers start at 1");
    p.kind = StartPosition::Kind::kSeq;
    return p;
  }
  auto t = parse_rfc3339(text);
  if (!t.ok())
    return Status::Usage("--from: expected first, new, a sequence number or an RFC 3339 time, got '" +
                         std::string(text.substr(0, 64)) + "'");
  if (*t < 0) return Status::Usage("--from: times before 1970 are not in any log");
  p.kind = StartPosition::Kind::kTime;
  p.value = *t;
  return p;
}

std::string start_position_to_wire(const StartPosition& p) {
  switch (p.kind) {
    case StartPosition::Kind::kNew: return "new";
    case StartPosition::Kind::kFirst: return "first";
    case StartPosition::Kind::kSeq: return "seq:" + std::to_string(p.value);
    case StartPosition::Kind::kTime: return "time:" + std::to_string(p.value);
  }
  return "new";
}

Result<StartPosition> parse_start_position_wire(std::string_view w) {
  StartPosition p;
  if (w == "new") return p;
  if (w == "first") { p.kind = StartPosition::Kind::kFirst; return p; }
  if (w.rfind("seq:", 0) == 0 && parse_count(w.substr(4), &p.value)) {
    // Seqs start at 1: "seq:0" (an older client's "from the start") is "first",
    // never a read of a record 0 that does not exist.
    p.kind = p.value == 0 ? StartPosition::Kind::kFirst : StartPosition::Kind::kSeq;
    return p;
  }
  if (w.rfind("time:", 0) == 0 && parse_count(w.substr(5), &p.value)) { p.kind = StartPosition::Kind::kTime; return p; }
  return Status::Invalid("protocol: bad subscription start position");
}

}  // namespace relais
