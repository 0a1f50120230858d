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
// unpack_bounded decodes msgpack with limits on depth, container counts and
// lengths, after a linear pre-scan proving that no container claims more
// elements than bytes remain (so a tiny header cannot make the decoder
// allocate gigabytes). Trailing bytes after the first value are refused.
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
#include "util/status.h"

namespace relais {

inline constexpr int kMaxJsonDepth = 64;

struct UnpackLimits {
  size_t max_depth = 64;
  size_t max_container = 1u << 16;  // elements of one array / pairs of one map
  size_t max_str = 1u << 20;
  size_t max_bin = 16u << 20;
  size_t max_ext = 0;               // ext types are not used by Relais
};

Result<Bytes> json_to_msgpack(std::string_view json_text);

Result<msgpack::object_handle> unpack_bounded(ByteView msgpack_bytes,
                                              const UnpackLimits& limits = {});

Result<nlohmann::json> msgpack_to_json(ByteView msgpack_bytes);
// Same, for an object already decoded (its zone must stay alive during the call).
Result<nlohmann::json> msgpack_object_to_json(const msgpack::object& obj);

}  // namespace relais
