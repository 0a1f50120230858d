// Passphrase protection of secret key files (docs/formats.md, docs/design.md
// §Keys).
//
// An encrypted key file is TOML with format = "relais-key-enc/1":
//   name       the participant name (clear, for error messages only)
//   kdf        "argon2id13"
//   opslimit   crypto_pwhash opslimit (integer)
//   memlimit   crypto_pwhash memlimit in bytes (integer)
//   salt       16 bytes, base64
//   nonce      24 bytes, base64
//   ciphertext base64 of XChaCha20-Poly1305(plaintext "relais-key/1" file text)
// The AEAD key is Argon2id(passphrase, salt, opslimit, memlimit); the AAD is
// "relais/key-enc/v1\0" ‖ kdf ‖ opslimit ‖ memlimit ‖ name, so the clear
// fields cannot be changed without the passphrase.
//
// The passphrase comes from the environment, never the command line:
// RELAIS_KEY_PASSPHRASE (the text) or RELAIS_KEY_PASSPHRASE_FILE (a path to a
// mode-0600 file; one trailing newline is stripped). Setting both is refused.
// On a terminal, with neither variable set, a program may instead ask for it
// without echo: prompting is off until the program's main turns it on
// (enable_passphrase_prompt), so that a library call or a test never waits on
// a terminal, and it is used only when standard input is a terminal.
// Passphrases, derived keys and plaintexts live in SecretBytes (wiped).
// Thread-safety: functions are reentrant; passphrase_from_env reads the
// process environment (do not setenv concurrently); enable_passphrase_prompt
// is for main(), before any thread starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/secret.h"
#include "util/status.h"

namespace relais {

inline constexpr std::string_view kEncryptedKeyFormat = "relais-key-enc/1";
inline constexpr const char* kPassphraseEnv = "RELAIS_KEY_PASSPHRASE";
inline constexpr const char* kPassphraseFileEnv = "RELAIS_KEY_PASSPHRASE_FILE";

// Argon2id cost. moderate() (256 MiB, slow on purpose: docs/performance.md)
// for real keys; interactive() (64 MiB) for tests. Loading accepts anything
// from interactive to sensitive.
struct KdfParams {
  uint64_t opslimit = 0;
  size_t memlimit = 0;
  static KdfParams moderate();
  static KdfParams interactive();
};

// The passphrase from RELAIS_KEY_PASSPHRASE or RELAIS_KEY_PASSPHRASE_FILE.
// nullopt when neither is set. Status::Config for an empty passphrase, both
// set, or an unreadable file; Status::Permission (chmod 600) for a loose file.
Result<std::optional<SecretBytes>> passphrase_from_env();

// Turns terminal prompting on (programs call it once, in main).
void enable_passphrase_prompt(bool on = true);
bool passphrase_prompt_enabled();

// Writes `prompt` to out_fd, then reads one line from the terminal in_fd with
// echo off (the terminal's settings are restored before returning; Ctrl-C is
// read as a cancel, not a signal, so echo is never left off). The line, without
// its newline, in wiped memory. Status::Usage when in_fd is not a terminal or
// the user cancelled (Ctrl-C, or end of input); Status::Config for an empty
// line or one longer than 4096 bytes.
Result<SecretBytes> read_passphrase_from_terminal(int in_fd, int out_fd, std::string_view prompt);

// passphrase_from_env(); when neither variable is set, prompting is on and
// standard input is a terminal, asks there (prompt on standard error) with
// `prompt`; with confirm, asks twice and refuses two different answers
// (Status::Usage). nullopt when there is no passphrase and no terminal to ask.
Result<std::optional<SecretBytes>> passphrase_from_env_or_terminal(std::string_view prompt, bool confirm = false);

// Copies text into a SecretBytes (helper for tests and callers).
SecretBytes secret_from_text(std::string_view text);

// True if `text` looks like an encrypted key file (format = "relais-key-enc/1").
bool is_encrypted_key_text(std::string_view text);

// Encrypts a plaintext relais-key/1 file text. Returns the encrypted file text.
// Status::Invalid for an empty passphrase or a bad name.
Result<std::string> encrypt_key_text(const SecretBytes& plaintext, const std::string& name,
                                     const SecretBytes& passphrase, KdfParams params);

// Decrypts an encrypted key file text (origin names it in messages). Returns
// the plaintext relais-key/1 text. Status::Config for a malformed file, kdf
// parameters out of range, or a wrong passphrase ("wrong passphrase or
// damaged file").
Result<SecretBytes> decrypt_key_text(std::string_view text, const SecretBytes& passphrase,
                                     const std::string& origin);

}  // namespace relais
