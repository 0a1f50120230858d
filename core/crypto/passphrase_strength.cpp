#include "crypto/passphrase_strength.h"

#include <zxcvbn.h>

#include <cstring>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace relais {

double guess_bits(std::string_view secret, std::initializer_list<std::string_view> user_words) {
  // zxcvbn takes C strings: the secret is copied, NUL-terminated, into
  // wiped memory; the words into plain strings (they are not secret).
  SecretBytes text(secret.size() + 1);
  if (!secret.empty()) std::memcpy(text.data(), secret.data(), secret.size());
  text.data()[secret.size()] = 0;
  std::vector<std::string> words;
  words.reserve(user_words.size());
  for (std::string_view w : user_words)
    if (!w.empty()) words.emplace_back(w);
  std::vector<const char*> dict;
  dict.reserve(words.size() + 1);
  for (const auto& w : words) dict.push_back(w.c_str());
  dict.push_back(nullptr);
  return ZxcvbnMatch(reinterpret_cast<const char*>(text.data()), dict.data(), nullptr);
}

size_t passphrase_chars(std::string_view secret) {
  size_t n = 0;
  for (char c : secret)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

Status check_key_passphrase_strength(const SecretBytes& passphrase, std::string_view participant_name) {
  const std::string_view text = as_chars(passphrase.view());
  if (passphrase_chars(text) >= kMinPassphraseChars) return Status::Ok();
  if (guess_bits(text, {participant_name, "relais"}) >= kMinPassphraseBits) return Status::Ok();
  return Status::Invalid(
      "keys: the passphrase is too easy to guess. A key passphrase must be at least " +
      std::to_string(kMinPassphraseChars) +
      " characters long, or be estimated by zxcvbn at 60 bits or more (about a billion billion guesses). "
      "No mix of digits, capitals or symbols is required: four or five unrelated words, chosen at random, "
      "are easy to remember and hard to guess");
}

}  // namespace relais
