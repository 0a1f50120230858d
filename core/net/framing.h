// Framing of protocol messages on the wire (docs/protocol.md §Frames).
//
// Packed, the only framing: one ZeroMQ frame per command,
//   frame = name_len u8 ‖ name (ASCII) ‖ args_len u32 LE ‖ args (msgpack) ‖ envelope (PUB, MSG: the rest)
// CURVE encrypts and authenticates every ZeroMQ frame separately, so one
// frame instead of two or three saves a box, a MAC and an allocation on each
// side for every message (see docs/protocol.md §Frames for the figures).
//
// split_packed_frame() returns views into the frame it was given: they live
// as long as that frame. Plain functions; thread-safe.
#pragma once

#include <optional>

#include "net/protocol.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// A packed frame taken apart. `name` is what the sender wrote; cmd is empty
// when the name is not a known command.
struct PackedFrame {
  std::string_view name;
  std::optional<Command> cmd;
  ByteView args;
  ByteView envelope;  // empty when absent
};

// The packed frame's size, and writing it to dst (which has that many bytes).
size_t packed_frame_size(Command cmd, ByteView args, ByteView envelope);
void pack_frame_into(Command cmd, ByteView args, ByteView envelope, uint8_t* dst);
// Replaces *out with the packed frame.
void pack_frame(Command cmd, ByteView args, ByteView envelope, Bytes* out);
// Invalid "protocol: ..." when the frame is shorter than its own lengths say.
Result<PackedFrame> split_packed_frame(ByteView frame);

}  // namespace relais
