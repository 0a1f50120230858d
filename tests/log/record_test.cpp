#include <catch2/catch.hpp>

#include "log/coding.h"
#include "log/record.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;

TEST_CASE("A framed message record round-trips with every field", "[record]") {
  Bytes payload, framed;
  const Bytes env = envelope_of(3, 250);
  encode_message_payload(&payload, 42, 1700000000123, hash_of(1, 1), hash_of(2, 2), env);
  append_frame(&framed, payload);
  REQUIRE(framed.size() == kRecordHeaderSize + kMessageFixedSize + env.size());
  ByteView got;
  uint64_t next = 0;
  REQUIRE(parse_frame(framed, 0, &got, &next) == FrameFault::kNone);
  CHECK(next == framed.size());
  auto r = decode_payload(got);
  REQUIRE(r.ok());
  CHECK(r->kind == RecordKind::kMessage);
  CHECK(r->seq == 42);
  CHECK(r->ts_ms == 1700000000123);
  CHECK(r->core_hash == hash_of(1, 1));
  CHECK(r->ct_hash == hash_of(2, 2));
  CHECK(Bytes(r->body.begin(), r->body.end()) == env);
  CHECK(leaf_hash(*r) == message_leaf_hash(42, 1700000000123, hash_of(1, 1), hash_of(2, 2)));
}

TEST_CASE("Event and commit records round-trip and negative timestamps survive", "[record]") {
  Bytes p1, p2;
  encode_event_payload(&p1, 7, -5, as_bytes("\x81\xa1k\xa1v"));
  encode_commit_payload(&p2, 7, 99);
  auto e = decode_payload(p1);
  auto c = decode_payload(p2);
  REQUIRE(e.ok());
  REQUIRE(c.ok());
  CHECK(e->kind == RecordKind::kEvent);
  CHECK(e->ts_ms == -5);
  CHECK(as_chars(e->body) == "\x81\xa1k\xa1v");
  CHECK(c->kind == RecordKind::kCommit);
  CHECK(c->seq == 7);
  CHECK(c->ts_ms == 99);
}

TEST_CASE("The message leaf hash is BLAKE2b-256 of the documented bytes", "[record]") {
  Bytes m;
  m.reserve(128);
  m.push_back(0x00);
  coding::append_bytes(&m, as_bytes("relais/leaf/v1"));
  m.push_back(1);
  coding::append_u64(&m, 5);
  coding::append_u64(&m, 1000);
  coding::append_bytes(&m, hash_of(1, 1));
  coding::append_bytes(&m, hash_of(2, 2));
  CHECK(message_leaf_hash(5, 1000, hash_of(1, 1), hash_of(2, 2)) == blake2b_256(m));

  Bytes e;
  e.reserve(128);
  e.push_back(0x00);
  coding::append_bytes(&e, as_bytes("relais/leaf/v1"));
  e.push_back(2);
  coding::append_u64(&e, 6);
  coding::append_u64(&e, 1001);
  coding::append_bytes(&e, blake2b_256(as_bytes("body")));
  CHECK(event_leaf_hash(6, 1001, as_bytes("body")) == blake2b_256(e));
}

TEST_CASE("Frame faults are told apart", "[record]") {
  Bytes payload, framed;
  encode_commit_payload(&payload, 1, 2);
  append_frame(&framed, payload);
  ByteView got;
  uint64_t next = 0;
  CHECK(parse_frame(ByteView(framed.data(), 5), 0, &got, &next) == FrameFault::kTruncatedHeader);
  CHECK(parse_frame(ByteView(framed.data(), framed.size() - 1), 0, &got, &next) == FrameFault::kTruncatedRecord);
  Bytes bad = framed;
  bad.back() ^= 1;
  CHECK(parse_frame(bad, 0, &got, &next) == FrameFault::kBadCrc);
  bad = framed;
  coding::put_u32(bad.data(), 0);
  CHECK(parse_frame(bad, 0, &got, &next) == FrameFault::kBadLength);
  coding::put_u32(bad.data(), kMaxRecordPayload + 1);
  CHECK(parse_frame(bad, 0, &got, &next) == FrameFault::kBadLength);
}

TEST_CASE("Payloads with an unknown kind or a wrong length are refused", "[record]") {
  const uint8_t unknown[] = {9, 0, 0};
  CHECK(decode_payload(ByteView(unknown, 3)).status().code() == Code::kCorruption);
  Bytes commit;
  encode_commit_payload(&commit, 1, 2);
  commit.push_back(0);
  CHECK(!decode_payload(commit).ok());
  Bytes msg;
  encode_message_payload(&msg, 1, 2, hash_of(1, 1), hash_of(2, 2), {});
  msg.pop_back();
  CHECK(!decode_payload(msg).ok());
  Bytes zero_seq;
  encode_event_payload(&zero_seq, 0, 2, {});
  CHECK(!decode_payload(zero_seq).ok());
}

TEST_CASE("The worked example of docs/log-format.md frames byte for byte", "[record]") {
  Bytes p, framed;
  encode_event_payload(&p, 1, 1700000000000, as_bytes("\x81\xa1k\xa1v"));
  append_frame(&framed, p);
  CHECK(to_hex(framed) == "160000000cadbcbf020100000000000000006" "8e5cf8b01000081a16ba176");
  p.clear();
  framed.clear();
  encode_commit_payload(&p, 1, 1700000000000);
  append_frame(&framed, p);
  CHECK(to_hex(framed) == "11000000051e555c030100000000000000006" "8e5cf8b010000");
}
