// JSON text <-> MessagePack, losslessly and safely.
//
// json_to_msgpack parses JSON through nlohmann-json's SAX interface so that
// the two cases nlohmann accepts silently are refused instead:
//   - a duplicate key in one object  -> Status::Invalid
//       'json: duplicate key "x" at /a/b'
//   - an integer outside int64/uint64 -> Status::Invalid
//       'json: integer 18446744073709551616 out of range at /n'
// Integers become msgpack int/uint (smallest encoding), numbers written with a
// fraction or exponent become float64 (so 1.0 stays a float), strings stay
// UTF-8 text (nlohmann rejects invalid UTF-8). Nesting deeper than
// kMaxJsonDepth is refused.
//
// unpack_document decodes a document body: a linear pre-scan first proves
// that no container claims more elements than bytes remain (so a tiny header
// cannot make the decoder allocate gigabytes, at any depth), then
// unpack_bounded (util/msgpack_limits.h) runs with document_msgpack_limits().
// Trailing bytes after the value are refused.
//
// msgpack_to_json is for printing: bin becomes a base64 string, ext is
// refused, non-string map keys are printed as their JSON text, NaN/inf become
// null. All functions are thread-safe and never throw.
#pragma once

#include <cstddef>
#include <string_view>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include "util/bytes.h"
#include "util/msgpack_limits.h"
#include "util/status.h"

namespace relais {

inline constexpr int kMaxJsonDepth = 64;

// Limits for payload documents (and for printing msgpack as JSON).
inline MsgpackLimits document_msgpack_limits() {
  MsgpackLimits l;
  l.max_bytes = 8u << 20;
  l.depth = kMaxJsonDepth + 1;
  l.array = 1u << 16;
  l.map = 1u << 16;
  l.str = 1u << 20;
  l.bin = 8u << 20;
  l.ext = 0;
  return l;
}

Result<Bytes> json_to_msgpack(std::string_view json_text);

Result<msgpack::object_handle> unpack_document(ByteView msgpack_bytes);

Result<nlohmann::json> msgpack_to_json(ByteView msgpack_bytes);
// Same, for an object already decoded (its zone must stay alive during the call).
Result<nlohmann::json> msgpack_object_to_json(const msgpack::object& obj);

}  // namespace relais
