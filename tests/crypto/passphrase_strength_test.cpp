// The key-file passphrase rule (crypto/passphrase_strength.h): 16 characters,
// or 60 bits by zxcvbn; no character classes; a refusal that explains it.
#include <catch2/catch.hpp>

#include "crypto/key_passphrase.h"
#include "crypto/passphrase_strength.h"

using namespace relais;

TEST_CASE("a key passphrase of 16 characters or more is accepted whatever it is made of", "[passphrase]") {
  for (const char* p : {"aaaaaaaaaaaaaaaa", "password password", "lagune tracteur velours", "0123456789abcdef"})
    CHECK(check_key_passphrase_strength(secret_from_text(p)).ok());
}

TEST_CASE("characters are counted as characters, not bytes", "[passphrase]") {
  // 15 characters, 30 bytes: short, and far too easy to guess.
  const std::string accents = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                              "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
  CHECK(passphrase_chars(accents) == 15);
  CHECK_FALSE(check_key_passphrase_strength(secret_from_text(accents)).ok());
  CHECK(check_key_passphrase_strength(secret_from_text(accents + "\xc3\xa9")).ok());
}

TEST_CASE("a shorter passphrase is accepted only when zxcvbn puts it at 60 bits or more", "[passphrase]") {
  // Short and guessable: refused even with digits, capitals and symbols.
  for (const char* p : {"Password1!", "Tr0ub4dor&3", "relais2026!", "Azerty123$"}) {
    INFO(p);
    CHECK(guess_bits(p) < kMinPassphraseBits);
    CHECK_FALSE(check_key_passphrase_strength(secret_from_text(p)).ok());
  }
  // Short but random: accepted without any length rule.
  const char* random = "vQ7#zL2!pX9wK4";
  REQUIRE(passphrase_chars(random) < kMinPassphraseChars);
  REQUIRE(guess_bits(random) >= kMinPassphraseBits);
  CHECK(check_key_passphrase_strength(secret_from_text(random)).ok());
}

TEST_CASE("the participant's name counts as a cheap guess", "[passphrase]") {
  CHECK(guess_bits("policegolfe", {"policegolfe"}) < guess_bits("policegolfe"));
}

TEST_CASE("a refused passphrase is told the rule in plain words and is never quoted", "[passphrase]") {
  const std::string weak = "Summer2026!";
  auto s = check_key_passphrase_strength(secret_from_text(weak), "police.golfe");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kInvalid);
  CHECK(s.exit_code() == 1);
  CHECK_THAT(s.message(), Catch::Contains("16 characters"));
  CHECK_THAT(s.message(), Catch::Contains("60 bits"));
  CHECK_THAT(s.message(), Catch::Contains("words"));
  CHECK_THAT(s.message(), !Catch::Contains(weak));
  CHECK_THAT(s.message(), !Catch::Contains("Summer"));
}
