// Backoff (service/backoff.h): doubling from the minimum, capped, jittered
// within [delay/2, delay], reset after a success.
#include <catch2/catch.hpp>

#include "service/backoff.h"

using namespace relais;

TEST_CASE("backoff doubles from the minimum and stops at the maximum", "[service][backoff]") {
  CHECK(backoff_delay(1, 500, 30000) == 500);
  CHECK(backoff_delay(2, 500, 30000) == 1000);
  CHECK(backoff_delay(3, 500, 30000) == 2000);
  CHECK(backoff_delay(7, 500, 30000) == 30000);
  CHECK(backoff_delay(1000000, 500, 30000) == 30000);
  CHECK(backoff_delay(0, 500, 30000) == 500);
  CHECK(backoff_delay(5, 700, 700) == 700);
}

TEST_CASE("jitter keeps a delay between its half and itself", "[service][backoff]") {
  CHECK(jittered(1000, 0.0) == 500);
  CHECK(jittered(1000, 0.5) == 750);
  CHECK(jittered(1000, 0.999999) <= 1000);
  CHECK(jittered(1000, 7.0) == 1000);  // clamped
  CHECK(jittered(1000, -1.0) == 500);
  Backoff b(100, 1600);
  int64_t cap = 100;
  for (int i = 0; i < 12; ++i) {
    const int64_t d = b.next();
    CHECK(d >= cap / 2);
    CHECK(d <= cap);
    cap = std::min<int64_t>(cap * 2, 1600);
  }
  CHECK(b.failures() == 12);
  b.reset();
  const int64_t d = b.next();
  CHECK(d >= 50);
  CHECK(d <= 100);
}
