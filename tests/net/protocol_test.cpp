// Protocol frames: round trips, and hostile argument frames refused cleanly.
#include <catch2/catch.hpp>

#include "net/protocol.h"

using namespace relais;

TEST_CASE("every command name round-trips and unknown names are refused", "[protocol]") {
  for (int c = 0; c <= static_cast<int>(kLastCommand); ++c) {
    auto cmd = static_cast<Command>(c);
    auto back = parse_command(command_name(cmd));
    REQUIRE(back.has_value());
    CHECK(*back == cmd);
  }
  CHECK(parse_command("FETCH") == Command::kFetch);
  CHECK(parse_command("DATA") == Command::kData);
  CHECK(parse_command("NOTICE") == Command::kNotice);
  CHECK_FALSE(parse_command("pub").has_value());
  CHECK_FALSE(parse_command("").has_value());
}

TEST_CASE("argument frames round-trip", "[protocol]") {
  Bytes buf;
  SubArgs s{7, 3, "alert.>", "seq:42", "inbox", kSubTakeOver};
  encode_args(s, &buf);
  SubArgs s2;
  REQUIRE(decode_args(buf, &s2).ok());
  CHECK(s2.req_id == 7);
  CHECK(s2.sub_id == 3);
  CHECK(s2.pattern == "alert.>");
  CHECK(s2.from == "seq:42");
  CHECK(s2.durable == "inbox");
  CHECK(s2.flags == kSubTakeOver);
  SubArgs unset;  // from not given
  unset.durable = "inbox";
  encode_args(unset, &buf);
  REQUIRE(decode_args(buf, &s2).ok());
  CHECK(s2.from.empty());
  CHECK(s2.flags == 0);

  PubAckArgs a{9, 1234, Bytes{1, 2, 3}};
  encode_args(a, &buf);
  PubAckArgs a2;
  REQUIRE(decode_args(buf, &a2).ok());
  CHECK(a2.seq == 1234);
  CHECK(a2.receipt == Bytes{1, 2, 3});

  ErrorArgs e{5, ErrorCode::kForbidden, "police.kozah may not publish on stats.golfe"};
  encode_args(e, &buf);
  ErrorArgs e2;
  REQUIRE(decode_args(buf, &e2).ok());
  CHECK(e2.code == ErrorCode::kForbidden);
  CHECK(e2.reason == e.reason);
}

TEST_CASE("protocol 2: FETCH, DATA, NOTICE, NACK with a code, and the new error codes", "[protocol]") {
  CHECK(kProtocolVersion == 2);
  Bytes buf;
  encode_args(FetchArgs{11, "bundle", "latest"}, &buf);
  FetchArgs f;
  REQUIRE(decode_args(buf, &f).ok());
  CHECK(f.req_id == 11);
  CHECK(f.kind == "bundle");
  CHECK(f.arg == "latest");
  DataArgs d;
  encode_args(DataArgs{11, "bundle", "3"}, &buf);
  REQUIRE(decode_args(buf, &d).ok());
  CHECK(d.req_id == 11);
  CHECK(d.arg == "3");
  CHECK_FALSE(decode_args(Bytes{0x92, 0x01, 0xa1, 'x'}, &d).ok());  // too few items

  NoticeArgs n;
  encode_args(NoticeArgs::bundle_serial(9), &buf);
  REQUIRE(decode_args(buf, &n).ok());
  CHECK(n.kind == "bundle_serial");
  CHECK_FALSE(n.is_array);
  CHECK(n.values == std::vector<uint64_t>{9});
  encode_args(NoticeArgs::restored(4, 1200), &buf);
  REQUIRE(decode_args(buf, &n).ok());
  CHECK(n.kind == "restored");
  CHECK(n.is_array);
  CHECK(n.values == std::vector<uint64_t>{4, 1200});
  // A value that is neither a uint nor an array of them is refused.
  CHECK_FALSE(decode_args(Bytes{0x92, 0xa1, 'k', 0xa1, 'v'}, &n).ok());
  CHECK_FALSE(decode_args(Bytes{0x92, 0xa1, 'k', 0x91, 0xa1, 'v'}, &n).ok());

  // NACK: a code and an escaped detail of at most 256 bytes.
  encode_args(NackArgs{2, 99, ErrorCode::kBadSignature, "line one\nline two\x01" + std::string(1000, 'y')}, &buf);
  NackArgs k;
  REQUIRE(decode_args(buf, &k).ok());
  CHECK(k.code == ErrorCode::kBadSignature);
  CHECK(k.detail.size() <= kMaxNackDetail);
  CHECK(k.detail.find('\n') == std::string::npos);
  CHECK(k.detail.rfind("line one\\n", 0) == 0);
  {  // a longer detail on the wire is refused
    Bytes raw{0x94, 0x02, 0x63, 0x0a, 0xda, 0x01, 0x2c};  // [2, 99, 10, str16 of 300 bytes]
    raw.insert(raw.end(), 300, 'z');
    CHECK_FALSE(decode_args(raw, &k).ok());
  }

  CHECK(static_cast<uint32_t>(ErrorCode::kRevoked) == 15);
  CHECK(static_cast<uint32_t>(ErrorCode::kUnknownKey) == 16);
  CHECK(static_cast<uint32_t>(ErrorCode::kStaleId) == 17);
  CHECK(static_cast<uint32_t>(ErrorCode::kDurableInUse) == 18);
  CHECK(error_code_name(ErrorCode::kRevoked) == "revoked");
  CHECK(error_code_name(ErrorCode::kDurableInUse) == "durable_in_use");
}

TEST_CASE("malformed argument frames are refused with a protocol error", "[protocol]") {
  Bytes buf;
  SubArgs sub;
  CHECK_FALSE(decode_args(Bytes{}, &sub).ok());                  // empty
  CHECK_FALSE(decode_args(Bytes{0xc1}, &sub).ok());              // reserved byte
  CHECK_FALSE(decode_args(Bytes{0x91, 0x01}, &sub).ok());        // too few items
  CHECK_FALSE(decode_args(Bytes{0xdd, 0xff, 0xff, 0xff, 0xff}, &sub).ok());  // array of 4G items
  CHECK_FALSE(decode_args(Bytes{0xdb, 0x7f, 0xff, 0xff, 0xff}, &sub).ok());  // str of 2 GB
  Bytes deep(100, 0x91);  // 100 nested arrays
  deep.push_back(0x01);
  CHECK_FALSE(decode_args(deep, &sub).ok());
  NackArgs nack;
  encode_args(AckArgs{1, 2}, &buf);
  Status s = decode_args(buf, &nack);  // an ACK frame is not a NACK
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::StartsWith("protocol: "));
  // Every truncation of a valid frame is refused, never a crash.
  encode_args(SubArgs{1, 2, "alert.*.maritime.golfe", "time:1700000000000", "d"}, &buf);
  for (size_t n = 0; n < buf.size(); ++n) {
    SubArgs out;
    CHECK_FALSE(decode_args(ByteView(buf.data(), n), &out).ok());
  }
}

TEST_CASE("subscription start positions parse from text and wire forms", "[protocol]") {
  auto first = parse_start_position_text("first");
  REQUIRE(first.ok());
  CHECK(first->kind == StartPosition::Kind::kFirst);
  auto seq = parse_start_position_text("42");
  REQUIRE(seq.ok());
  CHECK(start_position_to_wire(*seq) == "seq:42");
  auto t = parse_start_position_text("2026-11-28T10:00:00Z");
  REQUIRE(t.ok());
  CHECK(t->kind == StartPosition::Kind::kTime);
  auto w = parse_start_position_wire(start_position_to_wire(*t));
  REQUIRE(w.ok());
  CHECK(w->value == t->value);
  CHECK_FALSE(parse_start_position_text("yesterday").ok());
  CHECK_FALSE(parse_start_position_text("0").ok());
  CHECK_FALSE(parse_start_position_wire("seq:").ok());
  CHECK_FALSE(parse_start_position_wire("seq:12x").ok());
  // Seqs start at 1: a client's seq 0 means from the start, not a record 0
  // the broker would fail to read on every attempt.
  auto zero = parse_start_position_wire("seq:0");
  REQUIRE(zero.ok());
  CHECK(zero->kind == StartPosition::Kind::kFirst);
}

TEST_CASE("FETCH checkpoint, consistency and inclusion payloads round-trip in their fixed layouts and are decoded "
          "strictly",
          "[protocol]") {
  CheckpointData cp;
  cp.epoch = 0;
  cp.size = 1234;
  cp.root.fill(0x5a);
  cp.ts_ms = 1796083200000;
  cp.sig.fill(0x33);
  const Bytes cb = encode_fetch_data(cp);
  REQUIRE(cb.size() == 120);
  CheckpointData cp2;
  REQUIRE(decode_fetch_data(cb, &cp2).ok());
  CHECK(cp2.size == 1234);
  CHECK(cp2.root == cp.root);
  CHECK(cp2.ts_ms == cp.ts_ms);
  CHECK(cp2.sig == cp.sig);
  CHECK_FALSE(decode_fetch_data(ByteView(cb.data(), 119), &cp2).ok());

  InclusionData in{42, 1000, ProofHash{}, std::vector<ProofHash>(10, ProofHash{})};
  in.proof[3].fill(7);
  const Bytes ib = encode_fetch_data(in);
  InclusionData in2;
  REQUIRE(decode_fetch_data(ib, &in2).ok());
  CHECK(in2.seq == 42);
  CHECK(in2.size == 1000);
  CHECK(in2.proof == in.proof);
  Bytes longer = ib;
  longer.push_back(0);
  CHECK_FALSE(decode_fetch_data(longer, &in2).ok());

  ConsistencyData cd{10, 20, std::vector<ProofHash>(3, ProofHash{})};
  ConsistencyData cd2;
  REQUIRE(decode_fetch_data(encode_fetch_data(cd), &cd2).ok());
  CHECK(cd2.old_size == 10);
  CHECK(cd2.new_size == 20);
  CHECK(cd2.proof.size() == 3);
  Bytes too_many(16, 0);
  too_many.push_back(static_cast<uint8_t>(kMaxProofHashes + 1));
  too_many.resize(too_many.size() + 32 * (kMaxProofHashes + 1));
  CHECK_FALSE(decode_fetch_data(too_many, &cd2).ok());

  uint64_t a = 0, b = 0;
  CHECK(parse_fetch_pair("12:345", &a, &b));
  CHECK((a == 12 && b == 345));
  for (const char* bad : {"", ":", "12:", ":5", "1:2:3", "-1:2", "a:b", "99999999999999999999999:1"})
    CHECK_FALSE(parse_fetch_pair(bad, &a, &b));
}
