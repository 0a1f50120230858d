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
//
// decode_bundle_loaded reads a bundle_loaded event's serial, hash and the
// whole signed bundle file it carries ("bundle", bin; empty when the broker
// that wrote it did not carry it). readable_event_json is the view replay
// prints: delivery and ack items become objects with named fields
//   delivery items: {"participant","sub","seq","attempt"}
//   ack items:      {"participant","seq"}
// and a carried bundle prints as its size ("bundle_bytes"), not its bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/erasure_ground.h"
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

// True when body may be a bundle_loaded event (a cheap byte search; the
// verifier's scanning thread uses it to decode only those events).
bool maybe_bundle_loaded(ByteView body);

struct BundleLoadedFacts {
  bool has_serial = false;
  uint64_t serial = 0;
  std::string hash_hex;  // as in EventFacts
  Bytes bundle;          // the exact signed file bytes; empty when not carried
};

// Status::Invalid when body is not a well-formed event, or not bundle_loaded
// (Status::NotFound then), or "bundle" is present but not a bin.
Result<BundleLoadedFacts> decode_bundle_loaded(ByteView body);

// An erasure event (broker/event.h): the ground, the serial of the bundle in
// force when it was logged, and the seqs it erases (strictly ascending).
// Status::NotFound when body is not an erasure event; Status::Invalid when
// it is one without that shape.
struct ErasureFacts {
  ErasureGround ground;
  uint64_t serial = 0;
  std::vector<uint64_t> seqs;
};
Result<ErasureFacts> decode_erasure(ByteView body);

Result<nlohmann::json> readable_event_json(ByteView body);

}  // namespace relais
