#include <catch2/catch.hpp>

#include <string>

#include "util/msgpack_limits.h"

using namespace relais;

namespace {

Bytes pack_nested_arrays(size_t depth) {
  Bytes b(depth, 0x91);  // fixarray of one element, nested
  b.push_back(0xc0);     // nil at the bottom
  return b;
}

}  // namespace

TEST_CASE("A small valid value decodes within the limits", "[msgpack]") {
  const Bytes b = {0x92, 0x01, 0xa2, 'h', 'i'};  // [1, "hi"]
  auto oh = unpack_bounded(b, MsgpackLimits{});
  REQUIRE(oh.ok());
  const msgpack::object& o = oh->get();
  REQUIRE(o.type == msgpack::type::ARRAY);
  REQUIRE(o.via.array.size == 2);
  REQUIRE(o.via.array.ptr[1].as<std::string>() == "hi");
}

TEST_CASE("Referenced strings point into the input and copied ones do not", "[msgpack]") {
  const Bytes b = {0xa2, 'h', 'i'};
  auto ref = unpack_bounded(b, MsgpackLimits{}, MsgpackCopy::kReference);
  REQUIRE(ref.ok());
  REQUIRE(reinterpret_cast<const uint8_t*>(ref->get().via.str.ptr) == b.data() + 1);
  auto copy = unpack_bounded(b, MsgpackLimits{}, MsgpackCopy::kCopy);
  REQUIRE(copy.ok());
  REQUIRE(reinterpret_cast<const uint8_t*>(copy->get().via.str.ptr) != b.data() + 1);
}

TEST_CASE("Ten thousand nested arrays are refused without a crash", "[msgpack]") {
  auto r = unpack_bounded(pack_nested_arrays(10000), MsgpackLimits{});
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().message().find("nesting deeper") != std::string::npos);
}

TEST_CASE("Nesting exactly at the depth limit is accepted and one more is refused", "[msgpack]") {
  MsgpackLimits l;
  l.depth = 4;
  REQUIRE(unpack_bounded(pack_nested_arrays(4), l).ok());
  REQUIRE_FALSE(unpack_bounded(pack_nested_arrays(5), l).ok());
}

TEST_CASE("A huge declared array length fails before allocating", "[msgpack]") {
  const Bytes b = {0xdd, 0xff, 0xff, 0xff, 0xff};  // array32 of 4 billion elements, no content
  auto r = unpack_bounded(b, MsgpackLimits{});
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().message().find("array longer") != std::string::npos);
  MsgpackLimits unlimited_count;
  unlimited_count.array = 0xffffffff;  // still bounded by the input: the declared count is never reached
  auto r2 = unpack_bounded(Bytes{0xdc, 0x00, 0x10, 0x01}, unlimited_count);
  REQUIRE_FALSE(r2.ok());
}

TEST_CASE("Huge declared map, str, bin and ext lengths are refused", "[msgpack]") {
  const MsgpackLimits l;
  REQUIRE_FALSE(unpack_bounded(Bytes{0xdf, 0xff, 0xff, 0xff, 0xff}, l).ok());
  REQUIRE_FALSE(unpack_bounded(Bytes{0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}, l).ok());
  REQUIRE_FALSE(unpack_bounded(Bytes{0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}, l).ok());
  REQUIRE_FALSE(unpack_bounded(Bytes{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00}, l).ok());
  REQUIRE_FALSE(unpack_bounded(Bytes{0xd4, 0x01, 0x00}, l).ok());  // fixext1 refused when ext = 0
}

TEST_CASE("Strings and binaries longer than their limit are refused", "[msgpack]") {
  MsgpackLimits l;
  l.str = 3;
  l.bin = 2;
  REQUIRE(unpack_bounded(Bytes{0xa3, 'a', 'b', 'c'}, l).ok());
  REQUIRE_FALSE(unpack_bounded(Bytes{0xa4, 'a', 'b', 'c', 'd'}, l).ok());
  REQUIRE(unpack_bounded(Bytes{0xc4, 0x02, 0x00, 0x00}, l).ok());
  REQUIRE_FALSE(unpack_bounded(Bytes{0xc4, 0x03, 0x00, 0x00, 0x00}, l).ok());
}

TEST_CASE("Truncated, empty, malformed and trailing input are errors", "[msgpack]") {
  const Bytes full = {0x93, 0x01, 0xa2, 'h', 'i', 0xc4, 0x01, 0x07};
  for (size_t n = 0; n < full.size(); ++n) {
    REQUIRE_FALSE(unpack_bounded(ByteView(full.data(), n), MsgpackLimits{}).ok());
  }
  REQUIRE(unpack_bounded(full, MsgpackLimits{}).ok());
  REQUIRE_FALSE(unpack_bounded(Bytes{0xc1}, MsgpackLimits{}).ok());  // the never-used byte
  Bytes trailing = full;
  trailing.push_back(0x00);
  auto r = unpack_bounded(trailing, MsgpackLimits{});
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().message().find("trailing") != std::string::npos);
  size_t used = 0;
  REQUIRE(unpack_bounded(trailing, MsgpackLimits{}, MsgpackCopy::kCopy, &used).ok());
  REQUIRE(used == full.size());
}

TEST_CASE("Input larger than max_bytes is refused before parsing", "[msgpack]") {
  MsgpackLimits l;
  l.max_bytes = 4;
  auto r = unpack_bounded(Bytes{0xa4, 'a', 'b', 'c', 'd'}, l);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().message().find("exceeds the limit") != std::string::npos);
}
