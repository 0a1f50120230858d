#include "net/framing.h"

#include <cstring>

namespace relais {

size_t packed_frame_size(Command cmd, ByteView args, ByteView envelope) {
  return 1 + command_name(cmd).size() + 4 + args.size() + envelope.size();
}

void pack_frame(Command cmd, ByteView args, ByteView envelope, Bytes* out) {
  out->resize(packed_frame_size(cmd, args, envelope));
  pack_frame_into(cmd, args, envelope, out->data());
}

void pack_frame_into(Command cmd, ByteView args, ByteView envelope, uint8_t* p) {
  const std::string_view name = command_name(cmd);
  *p++ = static_cast<uint8_t>(name.size());
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  const uint32_t n = static_cast<uint32_t>(args.size());
  for (int i = 0; i < 4; ++i) *p++ = static_cast<uint8_t>(n >> (8 * i));
  if (!args.empty()) std::memcpy(p, args.data(), args.size());
  p += args.size();
  if (!envelope.empty()) std::memcpy(p, envelope.data(), envelope.size());
}

Result<PackedFrame> split_packed_frame(ByteView frame) {
  if (frame.empty()) return Status::Invalid("protocol: empty frame");
  const size_t name_len = frame[0];
  if (name_len == 0 || frame.size() < 1 + name_len + 4)
    return Status::Invalid("protocol: frame too short for its command name and argument length");
  PackedFrame f;
  f.name = std::string_view(reinterpret_cast<const char*>(frame.data() + 1), name_len);
  f.cmd = parse_command(f.name);
  const uint8_t* p = frame.data() + 1 + name_len;
  const uint32_t args_len = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                            static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
  const size_t head = 1 + name_len + 4;
  if (args_len > frame.size() - head)
    return Status::Invalid("protocol: argument length " + std::to_string(args_len) + " exceeds the frame");
  f.args = frame.subspan(head, args_len);
  f.envelope = frame.subspan(head + args_len);
  return f;
}

}  // namespace relais
