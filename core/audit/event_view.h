// Event record bodies as the auditor sees them (the kinds and fields are
// listed in broker/event.h). event_to_json decodes a body with bounded
// msgpack (never more than the body's size in memory) and requires a map
// with a string "event"; bin values (hashes, keys) print as base64.
// Pure and thread-safe; Status::Invalid "event: ..." on a malformed body.
#pragma once

#include <nlohmann/json.hpp>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

Result<nlohmann::json> event_to_json(ByteView body);

}  // namespace relais
