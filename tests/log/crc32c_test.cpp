#include <catch2/catch.hpp>

#include "log/crc32c.h"

using namespace relais;

TEST_CASE("CRC32C of the check string 123456789 is 0xE3069283", "[crc32c]") {
  REQUIRE(crc32c::value(as_bytes("123456789")) == 0xE3069283u);
}

TEST_CASE("CRC32C matches the RFC 3720 test vectors", "[crc32c]") {
  Bytes zeros(32, 0x00), ones(32, 0xff), inc(32), dec(32);
  for (size_t i = 0; i < 32; ++i) {
    inc[i] = static_cast<uint8_t>(i);
    dec[i] = static_cast<uint8_t>(31 - i);
  }
  CHECK(crc32c::value(zeros) == 0x8A9136AAu);
  CHECK(crc32c::value(ones) == 0x62A8AB43u);
  CHECK(crc32c::value(inc) == 0x46DD794Eu);
  CHECK(crc32c::value(dec) == 0x113FDB5Cu);
  CHECK(crc32c::value(ByteView()) == 0u);
}

TEST_CASE("CRC32C extends over split input exactly as over the whole", "[crc32c]") {
  Bytes data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 13 + 5);
  const uint32_t whole = crc32c::value(data);
  for (size_t cut : {0, 1, 7, 8, 9, 500, 999, 1000}) {
    uint32_t c = crc32c::extend(0, data.data(), cut);
    c = crc32c::extend(c, data.data() + cut, data.size() - cut);
    CHECK(c == whole);
  }
}

TEST_CASE("The hardware and software CRC32C paths agree on every length and alignment", "[crc32c]") {
  Bytes data(300);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 71 + 3);
  for (size_t start = 0; start < 9; ++start)
    for (size_t n = 0; start + n <= data.size(); n += 7)
      REQUIRE(crc32c::extend(0x1234u, data.data() + start, n) == crc32c::extend_portable(0x1234u, data.data() + start, n));
}
