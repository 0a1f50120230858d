#include "audit/event_view.h"

#include "util/json_msgpack.h"
#include "util/msgpack_limits.h"

namespace relais {

Result<nlohmann::json> event_to_json(ByteView body) {
  MsgpackLimits limits;
  limits.max_bytes = 32u << 20;
  limits.depth = 4;             // map -> items array -> item array
  limits.array = 1u << 20;      // a delivery batch may list many items
  limits.map = 64;
  limits.str = 64u << 10;
  limits.bin = 4096;
  auto h = unpack_bounded(body, limits);
  if (!h.ok()) return Status::Invalid("event: " + h.status().message());
  const msgpack::object& o = h->get();
  if (o.type != msgpack::type::MAP) return Status::Invalid("event: body is not a map");
  bool named = false;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) return Status::Invalid("event: a key is not a string");
    if (std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == "event") {
      if (kv.val.type != msgpack::type::STR || kv.val.via.str.size == 0)
        return Status::Invalid("event: \"event\" is not a non-empty string");
      named = true;
    }
  }
  if (!named) return Status::Invalid("event: no \"event\" name");
  auto j = msgpack_object_to_json(o);
  if (!j.ok()) return Status::Invalid("event: " + j.status().message());
  return j;
}

}  // namespace relais
