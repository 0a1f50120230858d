// Hidden benchmark (run with: test_audit "[bench]"): verify speed on a
// 100k-record log (50k messages, 50k events).
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>

#include "audit/verify.h"
#include "audit_fixture.h"

using namespace relais;
using namespace relais::audit_test;

TEST_CASE("Verify runs near signature-checking speed on a 100k-record log", "[.][bench]") {
  Deployment d(50000, 64u << 20);
  for (int threads : {1, 2}) {
    VerifyOptions o;
    o.threads = threads;
    auto t0 = std::chrono::steady_clock::now();
    auto r = verify_log(d.data, d.trust(), o);
    auto t1 = std::chrono::steady_clock::now();
    REQUIRE(r.ok());
    REQUIRE(r->ok());
    const double s = std::chrono::duration<double>(t1 - t0).count();
    std::cout << "verify, " << threads << " signature thread(s): " << r->summary.records << " records ("
              << r->summary.messages << " messages) in " << s << " s = " << (r->summary.leaves / s)
              << " leaves/s\n";
  }
}
