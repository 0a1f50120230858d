// FailureNotes (agent/failure_notes.h): a failure is told once while it
// repeats, and its count comes with the next different one.
#include <catch2/catch.hpp>

#include "agent/failure_notes.h"

using namespace relais;

TEST_CASE("a failure is told the first time and counted, not told, while it repeats", "[agent][failures]") {
  FailureNotes notes;
  auto first = notes.note("HELLO/11", "sending HELLO failed");
  REQUIRE(first.has_value());
  CHECK(*first == "sending HELLO failed");
  for (int i = 0; i < 5; ++i) CHECK_FALSE(notes.note("HELLO/11", "sending HELLO failed").has_value());
  CHECK(notes.repeats() == 5);
  auto other = notes.note("PING/4", "sending PING failed");
  REQUIRE(other.has_value());
  CHECK(*other == "sending PING failed (the previous failure happened 5 more times)");
  CHECK(notes.repeats() == 0);
}

TEST_CASE("the same command failing with another error is a new failure", "[agent][failures]") {
  FailureNotes notes;
  REQUIRE(notes.note("ACK/11", "a").has_value());
  auto next = notes.note("ACK/4", "b");
  REQUIRE(next.has_value());
  CHECK(*next == "b");
  CHECK(notes.note("ACK/11", "a").has_value());  // told again: it is no longer the last one
}
