#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "audit/event_view.h"

using namespace relais;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

Bytes pack(const std::function<void(Packer&)>& f) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  f(pk);
  return Bytes(buf.data(), buf.data() + buf.size());
}

void str(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

void bin(Packer& pk, const Bytes& b) {
  pk.pack_bin(static_cast<uint32_t>(b.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
}

// What the verifier used to read from the JSON view of an event.
EventFacts facts_via_json(const nlohmann::json& j) {
  EventFacts f;
  f.name = j["event"].get<std::string>();
  if (j.contains("serial") && j["serial"].is_number_unsigned()) {
    f.has_serial = true;
    f.serial = j["serial"].get<uint64_t>();
  }
  if (j.contains("hash") && j["hash"].is_string()) {
    auto raw = from_base64(j["hash"].get<std::string>());
    if (raw.ok()) f.hash_hex = to_hex(*raw);
  }
  return f;
}

// decode_event_facts must accept and refuse exactly what event_to_json does,
// with the same words, and read the same facts.
EventFacts require_agree(const Bytes& body) {
  auto j = event_to_json(body);
  auto f = decode_event_facts(body);
  REQUIRE(j.ok() == f.ok());
  if (!j.ok()) {
    CHECK(f.status().message() == j.status().message());
    return {};
  }
  EventFacts want = facts_via_json(*j);
  CHECK(f->name == want.name);
  CHECK(f->has_serial == want.has_serial);
  CHECK(f->serial == want.serial);
  CHECK(f->hash_hex == want.hash_hex);
  return *f;
}

}  // namespace

TEST_CASE("Event facts read the name, serial and bin hash of a bundle_loaded event", "[event_view]") {
  const Bytes h = {0xde, 0xad, 0xbe, 0xef};
  auto f = require_agree(pack([&](Packer& pk) {
    pk.pack_map(4);
    str(pk, "event");
    str(pk, "bundle_loaded");
    str(pk, "serial");
    pk.pack_uint64(42);
    str(pk, "hash");
    bin(pk, h);
    str(pk, "items");
    pk.pack_array(2);
    pk.pack_array(1);
    pk.pack_nil();
    pk.pack_double(1.5);
  }));
  CHECK(f.name == "bundle_loaded");
  CHECK(f.has_serial);
  CHECK(f.serial == 42);
  CHECK(f.hash_hex == "deadbeef");
}

TEST_CASE("Event facts decode a base64 string hash and leave an undecodable one empty", "[event_view]") {
  auto f = require_agree(pack([&](Packer& pk) {
    pk.pack_map(2);
    str(pk, "event");
    str(pk, "bundle_loaded");
    str(pk, "hash");
    str(pk, to_base64(Bytes{1, 2, 3}));
  }));
  CHECK(f.hash_hex == "010203");
  f = require_agree(pack([&](Packer& pk) {
    pk.pack_map(2);
    str(pk, "event");
    str(pk, "bundle_loaded");
    str(pk, "hash");
    str(pk, "not base64 at all!");
  }));
  CHECK(f.hash_hex.empty());
  require_agree(pack([&](Packer& pk) {
    pk.pack_map(2);
    str(pk, "event");
    str(pk, "x");
    str(pk, "hash");
    pk.pack_uint8(3);
  }));
}

TEST_CASE("Event facts take the last of duplicate keys as the JSON view does", "[event_view]") {
  auto f = require_agree(pack([&](Packer& pk) {
    pk.pack_map(5);
    str(pk, "event");
    str(pk, "first");
    str(pk, "serial");
    pk.pack_uint64(1);
    str(pk, "event");
    str(pk, "second");
    str(pk, "serial");
    pk.pack_int64(-5);
    str(pk, "hash");
    bin(pk, Bytes{9});
  }));
  CHECK(f.name == "second");
  CHECK_FALSE(f.has_serial);
  CHECK(f.hash_hex == "09");
}

TEST_CASE("Event facts refuse malformed bodies with the JSON view's words", "[event_view]") {
  require_agree(pack([&](Packer& pk) { pk.pack_array(0); }));  // not a map
  require_agree(pack([&](Packer& pk) {                        // a key is not a string
    pk.pack_map(1);
    pk.pack_uint8(1);
    str(pk, "x");
  }));
  require_agree(pack([&](Packer& pk) {  // no name
    pk.pack_map(1);
    str(pk, "kind");
    str(pk, "x");
  }));
  require_agree(pack([&](Packer& pk) {  // empty name
    pk.pack_map(1);
    str(pk, "event");
    str(pk, "");
  }));
  require_agree(pack([&](Packer& pk) {  // an ext value cannot be printed
    pk.pack_map(2);
    str(pk, "event");
    str(pk, "x");
    str(pk, "e");
    pk.pack_ext(1, 5);
    pk.pack_ext_body("a", 1);
  }));
  Bytes ok = pack([&](Packer& pk) {
    pk.pack_map(1);
    str(pk, "event");
    str(pk, "delivery");
  });
  for (size_t n = 0; n < ok.size(); ++n) require_agree(Bytes(ok.begin(), ok.begin() + static_cast<long>(n)));
  Bytes trailing = ok;
  trailing.push_back(0xc0);
  require_agree(trailing);
}

TEST_CASE("Event facts agree with the JSON view on nested maps with non-string keys", "[event_view]") {
  auto f = require_agree(pack([&](Packer& pk) {
    pk.pack_map(2);
    str(pk, "event");
    str(pk, "refusal");
    str(pk, "detail");
    pk.pack_map(2);
    pk.pack_uint8(7);
    str(pk, "seven");
    pk.pack_array(1);
    str(pk, "\xff\xfe");  // a key whose JSON dump is not UTF-8
    pk.pack_true();
  }));
  (void)f;
}
