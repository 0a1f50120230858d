// Event record bodies as the auditor sees them (the kinds and fields are
// listed in broker/event.h). event_to_json decodes a body with bounded
// msgpack (never more than the body's size in memory) and requires a map
// with a string "event"; bin values (hashes, keys) print as base64.
// Pure and thread-safe; Status::Invalid "event: ..." on a malformed body.
//
// decode_event_facts is the verifier's fast path: it accepts exactly the
// bodies event_to_json accepts (same Status on the others) and returns only
// what the verifier counts, without building JSON. Where the JSON view has
// duplicate keys, the last one wins, as in event_to_json's object.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

Result<nlohmann::json> event_to_json(ByteView body);

struct EventFacts {
  std::string name;         // the "event" value, never empty
  bool has_serial = false;  // "serial" is an unsigned integer
  uint64_t serial = 0;
  // "hash" as lower-case hex when it is a bin, or a string holding base64;
  // empty when absent or not decodable (as verify has always reported it).
  std::string hash_hex;
};

Result<EventFacts> decode_event_facts(ByteView body);

}  // namespace relais
