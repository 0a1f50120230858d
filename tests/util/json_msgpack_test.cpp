// JSON <-> msgpack: lossless conversion, duplicate keys and out-of-range
// integers refused, bounded unpacking.
#include <catch2/catch.hpp>

#include "util/json_msgpack.h"

using namespace relais;

namespace {

msgpack::object_handle decode(const Bytes& b) {
  auto oh = unpack_document(ByteView(b));
  REQUIRE(oh.ok());
  return std::move(*oh);
}

Bytes bytes(std::initializer_list<int> v) {
  Bytes out;
  for (int x : v) out.push_back(static_cast<uint8_t>(x));
  return out;
}

}  // namespace

TEST_CASE("JSON converts to msgpack keeping integers, floats and key order", "[json_msgpack]") {
  auto b = json_to_msgpack(R"({"z":1,"a":-2,"big":18446744073709551615,"min":-9223372036854775808,)"
                           R"("f":1.0,"e":2.5e-3,"s":"\u00e9t\u00e9","n":null,"t":true,"l":[1,[2]]})");
  REQUIRE(b.ok());
  auto oh = decode(*b);
  const msgpack::object& o = oh.get();
  REQUIRE(o.type == msgpack::type::MAP);
  REQUIRE(o.via.map.size == 10);
  const auto& kv = o.via.map.ptr;
  CHECK(kv[0].key.as<std::string>() == "z");  // order kept, not sorted
  CHECK(kv[0].val.type == msgpack::type::POSITIVE_INTEGER);
  CHECK(kv[1].val.type == msgpack::type::NEGATIVE_INTEGER);
  CHECK(kv[1].val.via.i64 == -2);
  CHECK(kv[2].val.via.u64 == UINT64_MAX);
  CHECK(kv[3].val.via.i64 == INT64_MIN);
  CHECK(kv[4].val.type == msgpack::type::FLOAT64);  // 1.0 stays a float
  CHECK(kv[4].val.via.f64 == 1.0);
  CHECK(kv[5].val.via.f64 == 2.5e-3);
  CHECK(kv[6].val.as<std::string>() == "\xc3\xa9t\xc3\xa9");
  CHECK(kv[7].val.type == msgpack::type::NIL);
  CHECK(kv[8].val.via.boolean);
  // Smallest encodings: {"a":1} is 4 bytes.
  auto small = json_to_msgpack(R"({"a":1})");
  REQUIRE(small.ok());
  CHECK(*small == bytes({0x81, 0xa1, 'a', 0x01}));
}

TEST_CASE("Duplicate keys are refused with their location", "[json_msgpack]") {
  auto b = json_to_msgpack(R"({"a":{"x":1,"y":[{"k":1,"k":2}]}})");
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() == Code::kInvalid);
  CHECK(b.status().message() == "json: duplicate key \"k\" at /a/y/0");
  CHECK(json_to_msgpack(R"({"x":1,"x":1})").status().message() == "json: duplicate key \"x\" at (root)");
  // The same key in sibling objects is fine.
  CHECK(json_to_msgpack(R"([{"x":1},{"x":2}])").ok());
}

TEST_CASE("Integers outside int64 and uint64 are refused, not rounded", "[json_msgpack]") {
  auto b = json_to_msgpack(R"({"n":[18446744073709551616]})");
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().message() == "json: integer 18446744073709551616 out of range (int64/uint64) at /n/0");
  CHECK_FALSE(json_to_msgpack("-9223372036854775809").ok());
  CHECK_FALSE(json_to_msgpack("1e400").ok());
  CHECK(json_to_msgpack("1e300").ok());
}

TEST_CASE("Malformed or too deeply nested JSON is refused", "[json_msgpack]") {
  CHECK(json_to_msgpack("{").status().message().rfind("json: ", 0) == 0);
  CHECK_FALSE(json_to_msgpack("").ok());
  CHECK_FALSE(json_to_msgpack("[1] 2").ok());
  CHECK_FALSE(json_to_msgpack("\"\xff\"").ok());  // invalid UTF-8
  CHECK(json_to_msgpack(std::string(64, '[') + std::string(64, ']')).ok());
  CHECK(json_to_msgpack(std::string(65, '[') + std::string(65, ']')).status().message().find("nesting deeper") !=
        std::string::npos);
}

TEST_CASE("Unpacking is bounded and refuses tiny headers claiming huge sizes", "[json_msgpack]") {
  CHECK_FALSE(unpack_document(ByteView(bytes({0xdd, 0x7f, 0xff, 0xff, 0xff}))).ok());  // array32
  CHECK_FALSE(unpack_document(ByteView(bytes({0xdf, 0x00, 0x01, 0x00, 0x00}))).ok());  // map32, 65536 pairs
  CHECK_FALSE(unpack_document(ByteView(bytes({0xdb, 0x7f, 0xff, 0xff, 0xff, 'a'}))).ok());  // str32
  CHECK_FALSE(unpack_document(ByteView(bytes({0x92, 0x01}))).ok());  // truncated
  CHECK_FALSE(unpack_document(ByteView(bytes({0x01, 0x02}))).ok());  // trailing bytes
  CHECK_FALSE(unpack_document(ByteView(bytes({0xc1}))).ok());        // never-used type
  CHECK_FALSE(unpack_document(ByteView(bytes({0xd4, 0x01, 0x00}))).ok());  // ext refused
  CHECK_FALSE(unpack_document(ByteView(Bytes{})).ok());
  // As deep as the deepest JSON json_to_msgpack accepts, and no deeper.
  Bytes deep(kMaxJsonDepth + 2, 0x91);
  deep.push_back(0x01);
  CHECK_FALSE(unpack_document(ByteView(deep)).ok());
  Bytes ok_deep(kMaxJsonDepth, 0x91);
  ok_deep.push_back(0x01);
  CHECK(unpack_document(ByteView(ok_deep)).ok());
  // Nested headers each claiming the maximum count cannot add up: every
  // claimed element must be backed by a byte of input.
  Bytes nested;
  for (int i = 0; i < 40; ++i) {
    nested.insert(nested.end(), {0xdd, 0x00, 0x00, 0xff, 0xff});
  }
  CHECK(unpack_document(ByteView(nested)).status().message() == "msgpack: truncated container");
}

TEST_CASE("msgpack prints as JSON with bin as base64", "[json_msgpack]") {
  auto b = json_to_msgpack(R"({"b":[1,-1,1.5,"x",null,false]})");
  REQUIRE(b.ok());
  auto j = msgpack_to_json(ByteView(*b));
  REQUIRE(j.ok());
  CHECK(j->dump() == R"({"b":[1,-1,1.5,"x",null,false]})");
  auto bin = msgpack_to_json(ByteView(bytes({0x81, 0xa1, 'k', 0xc4, 0x03, 'a', 'b', 'c'})));
  REQUIRE(bin.ok());
  CHECK(bin->dump() == R"({"k":"YWJj"})");
  CHECK_FALSE(msgpack_to_json(ByteView(bytes({0xdd, 0xff, 0xff, 0xff, 0xff}))).ok());
}

TEST_CASE("JSON round-trips through msgpack unchanged", "[json_msgpack]") {
  const std::string text = R"({"a":[1,2.25,-3,"\u00e9",{"b":null}],"c":true})";
  auto b = json_to_msgpack(text);
  REQUIRE(b.ok());
  auto j = msgpack_to_json(ByteView(*b));
  REQUIRE(j.ok());
  CHECK(*j == nlohmann::json::parse(text));
}
