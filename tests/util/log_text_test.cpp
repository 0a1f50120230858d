#include <catch2/catch.hpp>

#include "util/log_text.h"

namespace relais {

TEST_CASE("log_text escapes newlines so that client text cannot forge a log line", "[log_text]") {
  const std::string forged = "alert.>\n2026-11-30T10:00:00.000 info relais-broker stopped cleanly";
  const std::string safe = log_text(forged);
  CHECK(safe.find('\n') == std::string::npos);
  CHECK(safe == "alert.>\\n2026-11-30T10:00:00.000 info relais-broker stopped cleanly");
}

TEST_CASE("log_text escapes every control character and the backslash", "[log_text]") {
  CHECK(log_text(std::string("a\rb\tc\\d\x01" "e\x7f", 10)) == "a\\rb\\tc\\\\d\\x01e\\x7f");
  CHECK(log_text(std::string("\0", 1)) == "\\x00");
}

TEST_CASE("log_text cuts long text at the bound without splitting a character", "[log_text]") {
  CHECK(log_text(std::string(1000, 'x'), 10) == std::string(10, 'x') + "...");
  // "é" is two bytes: at a bound of 3 after "ab", it does not fit whole.
  CHECK(log_text("abé", 3) == "ab...");
  CHECK(log_text("abé", 4) == "abé");
  CHECK(log_text("plain text") == "plain text");
}

}  // namespace relais
