// Packed framing and batched ACKs.
#include <catch2/catch.hpp>

#include "net/framing.h"
#include "net/protocol.h"

using namespace relais;

TEST_CASE("a packed frame splits back into its command, arguments and envelope", "[framing]") {
  Bytes args;
  MsgArgs m{7, 42, 1};
  encode_args(m, &args);
  const Bytes envelope(1500, 0xab);
  Bytes frame;
  pack_frame(Command::kMsg, args, envelope, &frame);
  CHECK(frame.size() == 1 + 3 + 4 + args.size() + envelope.size());
  auto f = split_packed_frame(frame);
  REQUIRE(f.ok());
  REQUIRE(f->cmd == Command::kMsg);
  CHECK(f->name == "MSG");
  CHECK(Bytes(f->args.begin(), f->args.end()) == args);
  CHECK(Bytes(f->envelope.begin(), f->envelope.end()) == envelope);
  MsgArgs back;
  REQUIRE(decode_args(f->args, &back).ok());
  CHECK(back.seq == 42);

  pack_frame(Command::kPing, Bytes{0x90}, {}, &frame);
  auto ping = split_packed_frame(frame);
  REQUIRE(ping.ok());
  CHECK(ping->cmd == Command::kPing);
  CHECK(ping->envelope.empty());
}

TEST_CASE("every truncation of a packed frame is refused or keeps within the frame", "[framing]") {
  Bytes args;
  encode_args(PubArgs{9}, &args);
  Bytes frame;
  pack_frame(Command::kPub, args, Bytes(64, 1), &frame);
  const size_t head = 1 + 3 + 4 + args.size();
  for (size_t cut = 0; cut < frame.size(); ++cut) {
    auto f = split_packed_frame(ByteView(frame.data(), cut));
    if (cut < head) {
      REQUIRE_FALSE(f.ok());
      CHECK(f.status().message().find("protocol:") == 0);
    } else {
      REQUIRE(f.ok());
      CHECK(f->envelope.size() == cut - head);
    }
  }
  CHECK_FALSE(split_packed_frame(Bytes{0}).ok());  // empty name
  auto unknown = split_packed_frame(Bytes{3, 'X', 'Y', 'Z', 0, 0, 0, 0});
  REQUIRE(unknown.ok());
  CHECK_FALSE(unknown->cmd.has_value());
  CHECK_FALSE(split_packed_frame(Bytes{3, 'A', 'C', 'K', 0xff, 0xff, 0xff, 0xff, 0x90}).ok());
}

TEST_CASE("an ACK carries one seq or a full batch and refuses more", "[framing]") {
  AckArgs a;
  a.sub_id = 3;
  a.seq = 100;
  Bytes b;
  encode_args(a, &b);
  AckArgs back;
  REQUIRE(decode_args(b, &back).ok());
  CHECK(back.sub_id == 3);
  CHECK(back.seq == 100);
  CHECK(back.more_count == 0);

  a.more_count = static_cast<uint32_t>(kMaxAckMore);
  for (uint32_t i = 0; i < a.more_count; ++i) a.more[i] = 101 + i;
  encode_args(a, &b);
  REQUIRE(decode_args(b, &back).ok());
  REQUIRE(back.more_count == kMaxAckMore);
  CHECK(back.more[kMaxAckMore - 1] == 100 + kMaxAckMore);

  // One seq too many: the array limit refuses it.
  Bytes over{0xdc, 0x01, 0x01};  // array16 of 257: sub_id and 256 seqs
  over.push_back(0x03);
  for (int i = 0; i < 256; ++i) over.push_back(0x01);
  CHECK_FALSE(decode_args(over, &back).ok());
  // A non-integer seq in the batch.
  Bytes bad{0x93, 0x03, 0x01, 0xa1, 'x'};
  CHECK_FALSE(decode_args(bad, &back).ok());
}

TEST_CASE("an ACK batch takes one subscription's seqs until it is full", "[framing]") {
  AckBatch b;
  CHECK(b.empty());
  REQUIRE(b.add(4, 10));
  CHECK_FALSE(b.add(5, 11));  // another subscription: send first
  for (uint64_t s = 11; s < 11 + kMaxAckMore; ++s) REQUIRE(b.add(4, s));
  CHECK_FALSE(b.add(4, 999));  // full
  CHECK(b.args().seq == 10);
  CHECK(b.args().more_count == kMaxAckMore);
  Bytes wire;
  encode_args(b.args(), &wire);
  AckArgs back;
  REQUIRE(decode_args(wire, &back).ok());
  CHECK(back.more[kMaxAckMore - 1] == 10 + kMaxAckMore);
  b.clear();
  CHECK(b.empty());
  REQUIRE(b.add(5, 1));
  CHECK(b.args().sub_id == 5);
  CHECK(b.args().more_count == 0);
}
