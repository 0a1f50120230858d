// Bounded MessagePack decoding.
//
// msgpack-cxx allocates for a container's declared size before reading its
// elements, so an unbounded unpack of a 5-byte header can ask for gigabytes,
// and deep nesting costs stack and memory. unpack_bounded() always passes a
// msgpack::unpack_limit built from MsgpackLimits, converts every exception
// msgpack-cxx throws into a Status, and requires the whole input to be one
// value (trailing bytes are an error unless allowed).
//
// With those limits the memory used is linear in the input size: every
// declared element must be backed by at least one input byte, except in the
// at most `depth` containers still open when input ends.
//
// Thread-safe (no shared state). Never throws.
#pragma once

#include <cstddef>

#include <msgpack.hpp>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

struct MsgpackLimits {
  size_t max_bytes = 1u << 20;  // whole input
  size_t depth = 8;             // nested containers (1 = a flat array or map)
  size_t array = 1024;          // elements in any one array
  size_t map = 256;             // key/value pairs in any one map
  size_t str = 64u << 10;       // bytes in any one str
  size_t bin = 1u << 20;        // bytes in any one bin
  size_t ext = 0;               // bytes in any one ext (0: ext values refused)
};

enum class MsgpackCopy {
  kCopy,       // str/bin/ext bytes are copied into the handle's zone
  kReference,  // str/bin/ext point into the input: it must outlive the handle
};

// Decodes exactly one value from `data`.
// Errors (Status::Invalid, message starting "msgpack: "): input larger than
// max_bytes, truncated input, malformed bytes, any limit exceeded, trailing
// bytes (unless consumed != nullptr, in which case the number of bytes used
// is stored there and trailing bytes are left to the caller).
Result<msgpack::object_handle> unpack_bounded(ByteView data, const MsgpackLimits& limits,
                                              MsgpackCopy copy = MsgpackCopy::kCopy,
                                              size_t* consumed = nullptr);

// The same, decoding into a caller's zone, which a hot loop clears and reuses
// (zone.clear() keeps its first chunk): no allocation once warm. The object
// lives until the zone is cleared or destroyed.
Result<msgpack::object> unpack_bounded_into(msgpack::zone& zone, ByteView data, const MsgpackLimits& limits,
                                            MsgpackCopy copy = MsgpackCopy::kCopy, size_t* consumed = nullptr);

}  // namespace relais
