#include "audit/event_view.h"

#include <algorithm>
#include <string_view>

#include "policy/bundle.h"
#include "util/json_msgpack.h"
#include "util/msgpack_limits.h"

namespace relais {

namespace {

Result<msgpack::object_handle> unpack_event(ByteView body) {
  MsgpackLimits limits;
  limits.max_bytes = 32u << 20;
  limits.depth = 4;             // map -> items array -> item array
  limits.array = 1u << 20;      // a delivery batch may list many items
  limits.map = 64;
  limits.str = 64u << 10;
  limits.bin = kMaxBundleBytes;  // bundle_loaded carries the whole bundle file
  auto h = unpack_bounded(body, limits);
  if (!h.ok()) return Status::Invalid("event: " + h.status().message());
  return h;
}

std::string_view str_of(const msgpack::object& o) { return std::string_view(o.via.str.ptr, o.via.str.size); }

// The shape both decoders require: a map with string keys and a non-empty
// string "event".
Status check_shape(const msgpack::object& o) {
  if (o.type != msgpack::type::MAP) return Status::Invalid("event: body is not a map");
  bool named = false;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) return Status::Invalid("event: a key is not a string");
    if (str_of(kv.key) == "event") {
      if (kv.val.type != msgpack::type::STR || kv.val.via.str.size == 0)
        return Status::Invalid("event: \"event\" is not a non-empty string");
      named = true;
    }
  }
  if (!named) return Status::Invalid("event: no \"event\" name");
  return Status::Ok();
}

// True when msgpack_object_to_json cannot fail on o: no ext value and no
// non-string map key (whose JSON dump may throw) anywhere. The verifier
// takes the JSON path for anything else, so both paths agree.
bool plainly_printable(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::EXT: return false;
    case msgpack::type::ARRAY:
      for (uint32_t k = 0; k < o.via.array.size; ++k)
        if (!plainly_printable(o.via.array.ptr[k])) return false;
      return true;
    case msgpack::type::MAP:
      for (uint32_t k = 0; k < o.via.map.size; ++k) {
        const auto& kv = o.via.map.ptr[k];
        if (kv.key.type != msgpack::type::STR || !plainly_printable(kv.val)) return false;
      }
      return true;
    default: return true;
  }
}

std::string hex_of_base64(std::string_view b64) {
  auto raw = from_base64(b64);
  return raw.ok() ? to_hex(*raw) : std::string();
}

EventFacts facts_from_json(const nlohmann::json& j) {
  EventFacts f;
  f.name = j["event"].get<std::string>();
  if (j.contains("serial") && j["serial"].is_number_unsigned()) {
    f.has_serial = true;
    f.serial = j["serial"].get<uint64_t>();
  }
  if (j.contains("hash") && j["hash"].is_string()) f.hash_hex = hex_of_base64(j["hash"].get<std::string>());
  return f;
}

}  // namespace

Result<nlohmann::json> event_to_json(ByteView body) {
  auto h = unpack_event(body);
  if (!h.ok()) return h.status();
  const msgpack::object& o = h->get();
  RELAIS_RETURN_IF_ERROR(check_shape(o));
  auto j = msgpack_object_to_json(o);
  if (!j.ok()) return Status::Invalid("event: " + j.status().message());
  return j;
}

Result<EventFacts> decode_event_facts(ByteView body) {
  auto h = unpack_event(body);
  if (!h.ok()) return h.status();
  const msgpack::object& o = h->get();
  RELAIS_RETURN_IF_ERROR(check_shape(o));
  if (!plainly_printable(o)) {
    auto j = event_to_json(body);
    if (!j.ok()) return j.status();
    return facts_from_json(*j);
  }
  EventFacts f;
  std::string_view name;  // check_shape saw at least one
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    const std::string_view key = str_of(kv.key);
    if (key == "event") {
      name = str_of(kv.val);
    } else if (key == "serial") {
      f.has_serial = kv.val.type == msgpack::type::POSITIVE_INTEGER;
      f.serial = f.has_serial ? kv.val.via.u64 : 0;
    } else if (key == "hash") {
      if (kv.val.type == msgpack::type::BIN)
        f.hash_hex = to_hex(ByteView(reinterpret_cast<const uint8_t*>(kv.val.via.bin.ptr), kv.val.via.bin.size));
      else if (kv.val.type == msgpack::type::STR)
        f.hash_hex = hex_of_base64(str_of(kv.val));
      else
        f.hash_hex.clear();
    }
  }
  f.name.assign(name);
  return f;
}

bool maybe_bundle_loaded(ByteView body) {
  static constexpr std::string_view kName = "bundle_loaded";
  return std::search(body.begin(), body.end(), kName.begin(), kName.end()) != body.end();
}

Result<BundleLoadedFacts> decode_bundle_loaded(ByteView body) {
  auto facts = decode_event_facts(body);
  if (!facts.ok()) return facts.status();
  if (facts->name != "bundle_loaded") return Status::NotFound("event: not bundle_loaded");
  BundleLoadedFacts f;
  f.has_serial = facts->has_serial;
  f.serial = facts->serial;
  f.hash_hex = std::move(facts->hash_hex);
  auto h = unpack_event(body);
  if (!h.ok()) return h.status();
  const msgpack::object& o = h->get();
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (str_of(kv.key) != "bundle") continue;
    if (kv.val.type != msgpack::type::BIN) return Status::Invalid("event: \"bundle\" is not a bin");
    const auto* p = reinterpret_cast<const uint8_t*>(kv.val.via.bin.ptr);
    f.bundle.assign(p, p + kv.val.via.bin.size);
  }
  return f;
}

Result<ErasureFacts> decode_erasure(ByteView body) {
  auto h = unpack_event(body);
  if (!h.ok()) return h.status();
  const msgpack::object& o = h->get();
  RELAIS_RETURN_IF_ERROR(check_shape(o));
  ErasureFacts f;
  bool is_erasure = false, has_ground = false, has_serial = false, has_seqs = false, has_order = false;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    const std::string_view k = str_of(kv.key);
    if (k == "event") {
      is_erasure = str_of(kv.val) == "erasure";
    } else if (k == "ground") {
      if (kv.val.type != msgpack::type::STR) return Status::Invalid("erasure event: \"ground\" is not a string");
      const std::string_view g = str_of(kv.val);
      if (g != "retention" && g != "order")
        return Status::Invalid("erasure event: unknown ground (expected retention or order)");
      f.ground.kind = g == "order" ? ErasureGround::Kind::kOrder : ErasureGround::Kind::kRetention;
      has_ground = true;
    } else if (k == "serial" || k == "order") {
      if (kv.val.type != msgpack::type::POSITIVE_INTEGER)
        return Status::Invalid("erasure event: \"" + std::string(k) + "\" is not a positive integer");
      (k == "serial" ? f.serial : f.ground.order) = kv.val.via.u64;
      (k == "serial" ? has_serial : has_order) = true;
    } else if (k == "seqs") {
      if (kv.val.type != msgpack::type::ARRAY) return Status::Invalid("erasure event: \"seqs\" is not an array");
      f.seqs.reserve(kv.val.via.array.size);
      for (uint32_t j = 0; j < kv.val.via.array.size; ++j) {
        const auto& v = kv.val.via.array.ptr[j];
        if (v.type != msgpack::type::POSITIVE_INTEGER || (!f.seqs.empty() && v.via.u64 <= f.seqs.back()))
          return Status::Invalid("erasure event: \"seqs\" must be ascending record numbers");
        f.seqs.push_back(v.via.u64);
      }
      has_seqs = true;
    }
  }
  if (!is_erasure) return Status::NotFound("event: not erasure");
  if (!has_ground || !has_serial || !has_seqs)
    return Status::Invalid("erasure event: it needs a ground, the bundle serial and the seqs it erases");
  if ((f.ground.kind == ErasureGround::Kind::kOrder) != has_order)
    return Status::Invalid("erasure event: an order number goes with the ground order, and only with it");
  return f;
}

Result<nlohmann::json> readable_event_json(ByteView body) {
  auto j = event_to_json(body);
  if (!j.ok()) return j;
  const std::string name = (*j)["event"].get<std::string>();
  const bool delivery = name == "delivery", ack = name == "ack";
  if ((delivery || ack) && j->contains("items") && (*j)["items"].is_array()) {
    for (auto& item : (*j)["items"]) {
      if (!item.is_array()) continue;
      nlohmann::json named = nlohmann::json::object();
      if (delivery && item.size() == 4) {
        named = {{"participant", item[0]}, {"sub", item[1]}, {"seq", item[2]}, {"attempt", item[3]}};
      } else if (ack && item.size() == 2) {
        named = {{"participant", item[0]}, {"seq", item[1]}};
      } else {
        continue;  // an unknown shape prints as it is
      }
      item = std::move(named);
    }
  }
  if (name == "bundle_loaded" && j->contains("bundle") && (*j)["bundle"].is_string()) {
    auto raw = from_base64((*j)["bundle"].get<std::string>());
    (*j)["bundle_bytes"] = raw.ok() ? raw->size() : 0;
    j->erase("bundle");
  }
  return j;
}

}  // namespace relais
