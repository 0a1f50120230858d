// Validator behaviour beyond the official suite: strict loading, $id
// resolution, loops, messages, msgpack number semantics, pattern safety.
#include <catch2/catch.hpp>

#include <chrono>

#include "schema/format.h"
#include "schema/uri.h"
#include "schema/validator.h"
#include "util/json_msgpack.h"

using namespace relais;

namespace {

Schema lenient(const std::string& json) {
  auto s = Schema::compile_json(json, SchemaMode::kLenient);
  INFO(json << " -> " << s.status().message());
  REQUIRE(s.ok());
  return *s;
}

std::vector<std::string> errors(const Schema& s, const std::string& instance_json) {
  auto b = json_to_msgpack(instance_json);
  REQUIRE(b.ok());
  auto oh = unpack_document(*b);
  REQUIRE(oh.ok());
  std::vector<std::string> out;
  for (const auto& e : s.validate(oh->get())) out.push_back(e.to_string());
  CHECK(s.is_valid(oh->get()) == out.empty());
  return out;
}

bool valid(const Schema& s, const std::string& instance_json) { return errors(s, instance_json).empty(); }

}  // namespace

TEST_CASE("A strict schema with an unsupported keyword fails to load naming it", "[schema][strict]") {
  auto s = Schema::compile_json(R"({"properties":{"a":{"type":"string","maxLenght":3}}})", SchemaMode::kStrict);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kUnsupported);
  CHECK(s.status().message() == "schema: unsupported keyword \"maxLenght\" at #/properties/a");
  // The same schema loads leniently, ignoring the unknown keyword.
  CHECK(Schema::compile_json(R"({"properties":{"a":{"maxLenght":3}}})", SchemaMode::kLenient).ok());
}

TEST_CASE("Strict mode refuses unknown formats, keywords beside $ref and other drafts", "[schema][strict]") {
  auto s = Schema::compile_json(R"({"format":"email"})", SchemaMode::kStrict);
  CHECK(s.status().message() == "schema: unsupported format \"email\" at #");
  s = Schema::compile_json(R"({"definitions":{"a":true},"properties":{"x":{"$ref":"#/definitions/a","type":"string"}}})",
                           SchemaMode::kStrict);
  CHECK(s.status().message().find("\"type\" beside $ref") != std::string::npos);
  s = Schema::compile_json(R"({"$schema":"https://json-schema.org/draft/2020-12/schema"})", SchemaMode::kStrict);
  CHECK(s.status().code() == Code::kUnsupported);
  // Unused definitions are checked too.
  s = Schema::compile_json(R"({"definitions":{"x":{"minContains":1}}})", SchemaMode::kStrict);
  CHECK(s.status().message().find("\"minContains\"") != std::string::npos);
}

TEST_CASE("Malformed keyword values and unresolvable refs fail to load", "[schema][load]") {
  CHECK(Schema::compile_json(R"({"minLength":-1})", SchemaMode::kLenient).status().code() == Code::kInvalid);
  CHECK(Schema::compile_json(R"({"pattern":"(unclosed"})", SchemaMode::kLenient).status().message().find("bad pattern") !=
        std::string::npos);
  CHECK(Schema::compile_json(R"({"type":"text"})", SchemaMode::kLenient).status().code() == Code::kInvalid);
  CHECK(Schema::compile_json(R"({"$ref":"#/definitions/missing"})", SchemaMode::kLenient).status().code() ==
        Code::kNotFound);
  CHECK(Schema::compile_json(R"({"$ref":"http://example.com/other.json"})", SchemaMode::kLenient).status().code() ==
        Code::kNotFound);
}

TEST_CASE("A $ref loop yields an error instead of overflowing the stack", "[schema][ref]") {
  const Schema s = lenient(R"({"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"$ref":"#/definitions/a"})");
  const auto e = errors(s, "1");
  REQUIRE(e.size() == 1);
  CHECK(e[0].find("nested too deeply") != std::string::npos);
  const Schema self = lenient(R"({"$ref":"#"})");
  CHECK_FALSE(valid(self, "{}"));
}

TEST_CASE("$id changes the base URI for refs, as in the newer suite", "[schema][ref]") {
  // Location-independent identifier.
  Schema s = lenient(R"({"allOf":[{"$ref":"#foo"}],"definitions":{"A":{"$id":"#foo","type":"integer"}}})");
  CHECK(valid(s, "1"));
  CHECK_FALSE(valid(s, "\"a\""));
  // Relative refs resolve against the nearest $id.
  s = lenient(R"({"$id":"http://example.com/root.json","definitions":{
      "A":{"$id":"http://example.com/nested.json","definitions":{"B":{"$id":"#bar","type":"string"}}},
      "C":{"$id":"folder/","definitions":{"D":{"$id":"item.json","type":"number"}}}},
      "properties":{"x":{"$ref":"nested.json#bar"},"y":{"$ref":"folder/item.json"},"z":{"$ref":"nested.json"}}})");
  CHECK(valid(s, R"({"x":"s","y":1,"z":{}})"));
  CHECK_FALSE(valid(s, R"({"x":1})"));
  CHECK_FALSE(valid(s, R"({"y":"s"})"));
  // A $ref beside $id ignores the $id (draft-07).
  s = lenient(R"({"$id":"http://localhost:1234/sibling_id/base/","definitions":{
      "foo":{"$id":"http://localhost:1234/sibling_id/foo.json","type":"string"},
      "base_foo":{"$id":"foo.json","type":"number"}},
      "allOf":[{"$id":"http://localhost:1234/sibling_id/","$ref":"foo.json"}]})");
  CHECK(valid(s, "5"));
  CHECK_FALSE(valid(s, "\"a\""));
  // URN base and JSON pointer into it.
  s = lenient(R"({"$id":"urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed","properties":{"foo":{"$ref":"#/definitions/bar"}},"definitions":{"bar":{"type":"string"}}})");
  CHECK(valid(s, R"({"foo":"x"})"));
  CHECK_FALSE(valid(s, R"({"foo":1})"));
}

TEST_CASE("URI resolution follows RFC 3986", "[schema][uri]") {
  CHECK(uri_resolve("http://a/b/c/d;p?q", "g") == "http://a/b/c/g");
  CHECK(uri_resolve("http://a/b/c/d;p?q", "../g") == "http://a/b/g");
  CHECK(uri_resolve("http://a/b/c/d;p?q", "/g") == "http://a/g");
  CHECK(uri_resolve("http://a/b/c/d;p?q", "#s") == "http://a/b/c/d;p?q#s");
  CHECK(uri_resolve("http://a/b/c/d;p?q", "//g") == "http://g");
  CHECK(uri_resolve("", "#/definitions/a") == "#/definitions/a");
  auto t = json_pointer_tokens("/a~1b/c%25d/~0e");
  REQUIRE(t);
  CHECK(*t == std::vector<std::string>{"a/b", "c%d", "~e"});
  CHECK_FALSE(json_pointer_tokens("/a~2"));
}

TEST_CASE("Errors name the pointer and the rule and are all reported", "[schema][messages]") {
  const Schema s = lenient(R"({"type":"object","additionalProperties":false,"required":["a","b"],
      "properties":{"a":{"type":"string","maxLength":2},"n":{"type":"integer","minimum":1},
      "l":{"type":"array","items":{"enum":["x","y"]},"uniqueItems":true},"q~/":{"const":1}}})");
  CHECK(errors(s, R"({"a":"abc","n":0,"l":["x","z","x"],"extra":1,"q~/":2})") ==
        std::vector<std::string>{
            "(root): missing required property \"b\"",
            "/a: must be at most 2 characters",
            "/n: must be >= 1",
            "/l: items must be unique (items 0 and 2 are equal)",
            "/l/1: must be one of \"x\", \"y\"",
            "/extra: unknown property is not allowed",
            "/q~0~1: must equal 1",
        });
  CHECK(errors(s, "[]") == std::vector<std::string>{"(root): must be object, not array"});
}

TEST_CASE("errorMessage replaces a keyword's message and a required one points at the field", "[schema][messages]") {
  const Schema s = lenient(R"({"properties":{"c":{"if":{"properties":{"by":{"const":"override"}},"required":["by"]},
      "then":{"required":["why"],"errorMessage":{"required":"required when by is override"}},
      "else":{"properties":{"ok":{"const":true,"errorMessage":{"const":"must be true"}}}}}}})");
  CHECK(errors(s, R"({"c":{"by":"override"}})") == std::vector<std::string>{"/c/why: required when by is override"});
  CHECK(errors(s, R"({"c":{"by":"self","ok":false}})") == std::vector<std::string>{"/c/ok: must be true"});
  CHECK(valid(s, R"({"c":{"by":"override","why":"w"}})"));
}

TEST_CASE("Numbers follow JSON semantics across msgpack int, uint and float", "[schema][numbers]") {
  const Schema integer = lenient(R"({"type":"integer"})");
  CHECK(valid(integer, "1.0"));
  CHECK(valid(integer, "-9223372036854775808"));
  CHECK(valid(integer, "18446744073709551615"));
  CHECK_FALSE(valid(integer, "1.5"));
  const Schema e = lenient(R"({"enum":[1, {"a":[2.0]}]})");
  CHECK(valid(e, "1.0"));
  CHECK(valid(e, R"({"a":[2]})"));
  CHECK_FALSE(valid(e, "true"));
  const Schema u = lenient(R"({"uniqueItems":true})");
  CHECK_FALSE(valid(u, "[1, 1.0]"));
  CHECK_FALSE(valid(u, R"([{"a":1,"b":2},{"b":2,"a":1}])"));
  CHECK(valid(u, "[1, true, \"1\", [1], {\"1\":1}]"));
  const Schema big = lenient(R"({"maximum":18446744073709551615,"minimum":-9223372036854775808})");
  CHECK(valid(big, "18446744073709551615"));
  CHECK_FALSE(valid(big, "1.8446744073709552e19"));
  const Schema m = lenient(R"({"multipleOf":3})");
  CHECK(valid(m, "-9"));
  CHECK(valid(m, "9.0"));
  CHECK_FALSE(valid(m, "-10"));
}

TEST_CASE("String lengths count code points and patterns use PCRE2 safely", "[schema][strings]") {
  const Schema len = lenient(R"({"minLength":2,"maxLength":2})");
  CHECK(valid(len, "\"\u00e9\u00e9\""));  // 4 bytes, 2 code points
  CHECK(valid(len, "\"\U0001F600x\""));
  CHECK_FALSE(valid(len, "\"\u00e9\""));
  const Schema p = lenient(R"({"pattern":"^(a|b)*$"})");
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(valid(p, "\"" + std::string(50000, 'a') + "\""));  // std::regex overflows the stack here
  const Schema slug = lenient(R"({"pattern":"^[a-z0-9_-]+$"})");
  CHECK(valid(slug, "\"" + std::string(1000000, 'a') + "\""));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  // Catastrophic backtracking hits the match limit and fails closed.
  const Schema evil = lenient(R"({"pattern":"^(a+)+$"})");
  const auto e = errors(evil, "\"" + std::string(40, 'a') + "!\"");
  REQUIRE(e.size() == 1);
  CHECK(e[0].find("matching limit") != std::string::npos);
  const Schema anchored = lenient(R"({"pattern":"^[a-z]+$"})");
  CHECK_FALSE(valid(anchored, "\"abc\\n\""));  // '$' matches only at the very end
  const Schema unicode = lenient(R"({"pattern":"^.$"})");
  CHECK(valid(unicode, "\"\u00e9\""));
}

TEST_CASE("Documents that are not plain JSON are refused before the schema runs", "[schema][shape]") {
  const Schema any = lenient("true");
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(3);
  pk.pack(1); pk.pack("int key");
  pk.pack("bin"); pk.pack_bin(2); pk.pack_bin_body("\x01\x02", 2);
  pk.pack("bad"); pk.pack_str(2); pk.pack_str_body("\xff\xfe", 2);
  auto oh = unpack_document(ByteView(reinterpret_cast<const uint8_t*>(buf.data()), buf.size()));
  REQUIRE(oh.ok());
  std::vector<std::string> got;
  for (const auto& e : any.validate(oh->get())) got.push_back(e.to_string());
  CHECK(got == std::vector<std::string>{"(root): object keys must be UTF-8 strings",
                                        "/bin: binary values are not allowed in documents",
                                        "/bad: string is not valid UTF-8"});
}

TEST_CASE("RFC 3339 dates check calendars, offsets and leap seconds", "[schema][format]") {
  CHECK(is_rfc3339_date("2024-02-29"));
  CHECK_FALSE(is_rfc3339_date("2023-02-29"));
  CHECK_FALSE(is_rfc3339_date("2025-04-31"));
  CHECK_FALSE(is_rfc3339_date("2025-4-01"));
  CHECK(is_rfc3339_date_time("2025-03-01T14:30:00Z"));
  CHECK(is_rfc3339_date_time("2025-03-01t14:30:00.123+01:00"));
  CHECK(is_rfc3339_date_time("1998-12-31T15:59:60.123-08:00"));
  CHECK_FALSE(is_rfc3339_date_time("1998-12-31T22:59:60Z"));
  CHECK_FALSE(is_rfc3339_date_time("2025-03-01 14:30:00Z"));
  CHECK_FALSE(is_rfc3339_date_time("2025-03-01T14:30:00"));
}
