// Sealed values (store/sealed_value.h): a value opens only in its own place
// under its own key, and every damaged byte is detected.
#include <catch2/catch.hpp>

#include <sodium.h>

#include "store/sealed_value.h"
#include "store/store_key.h"

using namespace relais;

TEST_CASE("a sealed value opens in its place and hides its text", "[store][sealed]") {
  SecretBytes key = new_store_key();
  const std::string plain = "{\"name\":\"MARKER-ama-kodjo\"}";
  Bytes sealed = seal_value(key, {"messages", "id-1", "opened"}, as_bytes(plain));
  CHECK(sealed.size() == 24 + plain.size() + 16);
  CHECK(std::string(sealed.begin(), sealed.end()).find("MARKER") == std::string::npos);
  auto opened = open_value(key, {"messages", "id-1", "opened"}, sealed);
  REQUIRE(opened.ok());
  CHECK(*opened == plain);
  // A fresh nonce each time.
  CHECK(seal_value(key, {"messages", "id-1", "opened"}, as_bytes(plain)) != sealed);
}

TEST_CASE("a sealed value moved to another row, table or column does not open", "[store][sealed]") {
  SecretBytes key = new_store_key();
  Bytes sealed = seal_value(key, {"messages", "id-1", "opened"}, as_bytes(std::string("body")));
  for (SealedPlace other : {SealedPlace{"messages", "id-2", "opened"}, SealedPlace{"outbox", "id-1", "opened"},
                            SealedPlace{"messages", "id-1", "document"}, SealedPlace{"messages", "id-", "1opened"}}) {
    auto r = open_value(key, other, sealed);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
    CHECK(r.status().message().find(std::string(other.row_id)) != std::string::npos);
  }
}

TEST_CASE("a sealed value with any byte changed, cut short, or under another key does not open", "[store][sealed]") {
  SecretBytes key = new_store_key();
  const SealedPlace place{"outbox", "x", "document"};
  const Bytes sealed = seal_value(key, place, as_bytes(std::string("a queued document")));
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x01;
    CHECK(open_value(key, place, bad).status().code() == Code::kCorruption);
  }
  for (size_t n = 0; n < sealed.size(); ++n) {
    Bytes cut(sealed.begin(), sealed.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK(open_value(key, place, cut).status().code() == Code::kCorruption);
  }
  SecretBytes other = new_store_key();
  CHECK(open_value(other, place, sealed).status().code() == Code::kCorruption);
  // An empty value round-trips too.
  auto empty = open_value(key, place, seal_value(key, place, ByteView()));
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}
