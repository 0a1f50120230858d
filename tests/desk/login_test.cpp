// Passwords, lockout and sessions of the desk.
#include <catch2/catch.hpp>

#include <thread>

#include "desk/login_throttle.h"
#include "desk/password_hasher.h"
#include "desk/password_strength.h"
#include "desk/session_table.h"

using namespace relais::desk;

TEST_CASE("lockout starts after five failures, doubles, and stops at 15 minutes", "[desk][login]") {
  ThrottleState s;
  int64_t now = 1000000;
  for (int i = 0; i < 4; ++i) {
    s = after_failure(s, now);
    CHECK(wait_ms(s, now) == 0);
  }
  s = after_failure(s, now);
  CHECK(wait_ms(s, now) == 2000);
  s = after_failure(s, now);
  CHECK(wait_ms(s, now) == 4000);
  CHECK(wait_ms(s, now + 4000) == 0);  // never permanent
  for (int i = 0; i < 30; ++i) s = after_failure(s, now);
  CHECK(wait_ms(s, now) == kMaxLockMs);
  CHECK(lock_for_failures(4) == 0);
  CHECK(lock_for_failures(5) == 2000);
  CHECK(lock_for_failures(7) == 8000);
}

TEST_CASE("Argon2id hashes verify only the right password", "[desk][login]") {
  PasswordHasher h(1, 8192);  // the lowest cost, for speed
  auto hash = h.hash("correct horse battery");
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$argon2id$", 0) == 0);
  CHECK(hash->find("correct") == std::string::npos);
  CHECK(h.verify(*hash, "correct horse battery"));
  CHECK_FALSE(h.verify(*hash, "correct horse batterY"));
  CHECK_FALSE(h.verify("not a hash", "x"));
  CHECK_FALSE(h.hash("short").ok());
  PasswordHasher stronger(2, 16384);
  CHECK(stronger.needs_rehash(*hash));
}

TEST_CASE("at most two hashes run at once", "[desk][login]") {
  PasswordHasher h(1, 8192);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      if (h.hash("a long enough password").ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 6);
}

TEST_CASE("weak passwords are refused in plain words, without quoting them", "[desk][login]") {
  auto weak = check_password_strength("password123", "amivi");
  REQUIRE_FALSE(weak.ok());
  CHECK(weak.message().find("password123") == std::string::npos);
  CHECK_FALSE(check_password_strength("amivi.kossi", "amivi.kossi").ok());
  CHECK_FALSE(check_password_strength("short", "x").ok());
  CHECK(check_password_strength("mangue tortue bleue cinq lampadaires", "amivi").ok());
}

TEST_CASE("sessions idle out, end at logout, and keep their own CSRF token", "[desk][login]") {
  SessionTable t(15 * 60 * 1000);
  const std::string a = t.create("amivi", "caseworker", "fr", 0);
  const std::string b = t.create("kossi", "viewer", "en", 0);
  REQUIRE(a.size() == 43);
  auto sa = t.touch(a, 60000);
  auto sb = t.touch(b, 60000);
  REQUIRE(sa);
  REQUIRE(sb);
  CHECK(sa->csrf != sb->csrf);
  CHECK(sa->csrf != a);
  CHECK(t.touch(a, 60000 + 15 * 60 * 1000));         // exactly at the limit: still alive
  CHECK_FALSE(t.touch(b, 60000 + 15 * 60 * 1000 + 1));  // idle too long: gone
  CHECK_FALSE(t.touch(b, 0));
  t.end(a);
  CHECK_FALSE(t.touch(a, 60000));
  CHECK_FALSE(t.touch("", 0));
  CHECK(tokens_equal("abc", "abc"));
  CHECK_FALSE(tokens_equal("abc", "abd"));
  CHECK_FALSE(tokens_equal("", ""));
}
