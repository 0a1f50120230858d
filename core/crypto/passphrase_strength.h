// Passphrase and password strength: the one wrapper of zxcvbn (libzxcvbn,
// from Debian) and the rule for key-file passphrases.
//
// guess_bits() is zxcvbn's estimate, in bits (log2 of the guesses an
// attacker needs), of how hard a secret is to guess; `user_words` are words
// an attacker would try first (a user's name, the project's name) and count
// as cheap guesses. The desk's password rule (desk/password_strength.h) and
// the key-file passphrase rule below both use it.
//
// check_key_passphrase_strength() is the rule for `relais-admin keygen
// --encrypt`: a passphrase is accepted when zxcvbn estimates it at
// kMinPassphraseBits or more, or when it is at least kMinPassphraseChars
// characters long (UTF-8 code points), whatever it is made of. There are no
// character-class rules (no "one digit, one capital"): NIST SP 800-63B
// advises against them. The refusal (Status::Invalid) explains the rule in
// plain words and never quotes the passphrase.
// Pure functions; thread-safe (zxcvbn's dictionaries are read-only). The
// NUL-terminated copy zxcvbn needs is held in wiped memory.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string_view>

#include "crypto/secret.h"
#include "util/status.h"

namespace relais {

inline constexpr double kMinPassphraseBits = 60.0;
inline constexpr size_t kMinPassphraseChars = 16;

double guess_bits(std::string_view secret, std::initializer_list<std::string_view> user_words = {});

// Length in characters: UTF-8 code points (bytes that do not continue one).
size_t passphrase_chars(std::string_view secret);

Status check_key_passphrase_strength(const SecretBytes& passphrase, std::string_view participant_name = {});

}  // namespace relais
