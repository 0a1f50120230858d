#include "broker/event.h"

namespace relais {

void EventBuilder::key(std::string_view k) {
  packer_.pack_str(static_cast<uint32_t>(k.size()));
  packer_.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
}

EventBuilder& EventBuilder::begin(std::string_view kind, uint32_t fields) {
  buf_.clear();
  packer_.pack_map(fields + 1);
  return str("event", kind);
}

EventBuilder& EventBuilder::str(std::string_view k, std::string_view v) {
  key(k);
  packer_.pack_str(static_cast<uint32_t>(v.size()));
  packer_.pack_str_body(v.data(), static_cast<uint32_t>(v.size()));
  return *this;
}

EventBuilder& EventBuilder::u64(std::string_view k, uint64_t v) {
  key(k);
  packer_.pack_uint64(v);
  return *this;
}

EventBuilder& EventBuilder::bin(std::string_view k, ByteView v) {
  key(k);
  packer_.pack_bin(static_cast<uint32_t>(v.size()));
  packer_.pack_bin_body(reinterpret_cast<const char*>(v.data()), static_cast<uint32_t>(v.size()));
  return *this;
}

EventBuilder& EventBuilder::array(std::string_view k, uint32_t n) {
  key(k);
  packer_.pack_array(n);
  return *this;
}

}  // namespace relais
