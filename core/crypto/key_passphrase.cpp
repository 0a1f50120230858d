// Passphrase-encrypted key files: Argon2id + XChaCha20-Poly1305 (see header).
#include "crypto/key_passphrase.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>

#include "util/bytes.h"
#include "util/files.h"
#include "util/toml_reader.h"

namespace relais {
namespace {

constexpr std::string_view kKdfName = "argon2id13";
constexpr std::string_view kKeyFileAadContext{"relais/key-enc/v1\0", 18};
constexpr size_t kMaxPassphraseBytes = 4096;
constexpr size_t kMaxEncryptedFileBytes = 64 * 1024;

static_assert(crypto_pwhash_SALTBYTES == 16);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

Bytes make_aad(uint64_t opslimit, uint64_t memlimit, std::string_view name) {
  // Sized once and filled with memcpy: GCC 12 warns falsely on vector::insert here.
  Bytes aad(kKeyFileAadContext.size() + kKdfName.size() + 1 + 16 + name.size());
  uint8_t* p = aad.data();
  std::memcpy(p, kKeyFileAadContext.data(), kKeyFileAadContext.size());
  p += kKeyFileAadContext.size();
  std::memcpy(p, kKdfName.data(), kKdfName.size());
  p += kKdfName.size();
  *p++ = 0;
  for (uint64_t v : {opslimit, memlimit})
    for (int i = 7; i >= 0; --i) *p++ = static_cast<uint8_t>(v >> (8 * i));
  if (!name.empty()) std::memcpy(p, name.data(), name.size());
  return aad;
}

Result<SecretBytes> derive_key(const SecretBytes& passphrase, const uint8_t* salt, KdfParams p) {
  SecretBytes key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(passphrase.data()), passphrase.size(),
                    salt, p.opslimit, p.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::IOError("keys: not enough memory for the passphrase key derivation (Argon2id, " +
                           std::to_string(p.memlimit >> 20) + " MiB)");
  return key;
}

// A base64 string of `want` bytes (any size up to max when want is 0);
// nullopt when absent or bad (recorded in t's reader).
std::optional<Bytes> b64_field(TomlTable& t, std::string_view key, size_t want, size_t max) {
  auto text = t.get_string(key, true);
  if (!text) return std::nullopt;
  if (text->size() > max / 3 * 4 + 8) {
    t.error(key, t.path(key) + " is too long");
    return std::nullopt;
  }
  auto raw = from_base64(*text);
  if (!raw.ok() || (want != 0 && raw->size() != want) || raw->size() > max) {
    t.error(key, t.path(key) + " is not valid base64" + (want ? " of " + std::to_string(want) + " bytes" : ""));
    return std::nullopt;
  }
  return std::move(*raw);
}

std::atomic<bool> g_prompt_enabled{false};

void write_text(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// Restores a terminal's settings when it goes out of scope.
class EchoOff {
 public:
  EchoOff(int fd, const termios& saved) : fd_(fd), saved_(saved) {}
  ~EchoOff() { ::tcsetattr(fd_, TCSAFLUSH, &saved_); }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_;
};

}  // namespace

void enable_passphrase_prompt(bool on) { g_prompt_enabled = on; }
bool passphrase_prompt_enabled() { return g_prompt_enabled; }

Result<SecretBytes> read_passphrase_from_terminal(int in_fd, int out_fd, std::string_view prompt) {
  termios saved{};
  if (!::isatty(in_fd) || ::tcgetattr(in_fd, &saved) != 0)
    return Status::Usage(std::string("keys: no terminal to ask the passphrase on: set ") + kPassphraseEnv + " or " +
                         kPassphraseFileEnv);
  // No echo, and the line edited here rather than by the terminal, so that
  // Ctrl-C and Ctrl-D arrive as characters at once (a signal would leave the
  // echo off): one byte at a time, Backspace and Ctrl-U handled below.
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON | ISIG);
  quiet.c_cc[VMIN] = 1;
  quiet.c_cc[VTIME] = 0;
  SecretBytes line(kMaxPassphraseBytes + 1);
  size_t len = 0;
  bool cancelled = false, too_long = false;
  {
    if (::tcsetattr(in_fd, TCSAFLUSH, &quiet) != 0)
      return Status::IOError(std::string("keys: cannot turn off the terminal's echo: ") + std::strerror(errno));
    EchoOff restore(in_fd, saved);
    write_text(out_fd, prompt);
    for (;;) {
      uint8_t c = 0;
      const ssize_t n = ::read(in_fd, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // end of input (Ctrl-D) or an error
        cancelled = true;
        break;
      }
      if (c == '\n' || c == '\r') break;
      if (c == saved.c_cc[VINTR] || (c == saved.c_cc[VEOF] && len == 0)) {
        cancelled = true;
        break;
      }
      if (c == saved.c_cc[VERASE] || c == '\b') {
        if (too_long) continue;
        while (len > 0 && (line.data()[--len] & 0xC0) == 0x80) {
        }  // a whole UTF-8 character
        continue;
      }
      if (c == saved.c_cc[VKILL]) {
        len = 0;
        too_long = false;
        continue;
      }
      if (len == kMaxPassphraseBytes) {
        too_long = true;
        continue;  // read to the end of the line, keep nothing more
      }
      line.data()[len++] = c;
    }
  }
  write_text(out_fd, "\n");  // the Enter the user typed was not echoed
  if (cancelled) return Status::Usage("keys: no passphrase given (cancelled)");
  if (too_long) return Status::Config("keys: the passphrase is longer than 4096 bytes");
  if (len == 0) return Status::Config("keys: the passphrase is empty");
  SecretBytes out(len);
  std::memcpy(out.data(), line.data(), len);
  return out;
}

Result<std::optional<SecretBytes>> passphrase_from_env_or_terminal(std::string_view prompt, bool confirm) {
  auto env = passphrase_from_env();
  if (!env.ok() || env->has_value()) return env;
  if (!g_prompt_enabled || !::isatty(STDIN_FILENO)) return std::optional<SecretBytes>();
  auto first = read_passphrase_from_terminal(STDIN_FILENO, STDERR_FILENO, prompt);
  if (!first.ok()) return first.status();
  if (confirm) {
    auto again = read_passphrase_from_terminal(STDIN_FILENO, STDERR_FILENO, "Type it again: ");
    if (!again.ok()) return again.status();
    if (again->size() != first->size() || sodium_memcmp(again->data(), first->data(), first->size()) != 0)
      return Status::Usage("keys: the two passphrases typed differ; nothing was written: run the command again");
  }
  return std::optional<SecretBytes>(std::move(*first));
}

KdfParams KdfParams::moderate() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}
KdfParams KdfParams::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

SecretBytes secret_from_text(std::string_view text) {
  SecretBytes s(text.size());
  if (!text.empty()) std::memcpy(s.data(), text.data(), text.size());
  return s;
}

Result<std::optional<SecretBytes>> passphrase_from_env() {
  const char* direct = std::getenv(kPassphraseEnv);
  const char* file = std::getenv(kPassphraseFileEnv);
  if (direct != nullptr && file != nullptr)
    return Status::Config(std::string("keys: both ") + kPassphraseEnv + " and " + kPassphraseFileEnv +
                          " are set: set only one");
  if (direct != nullptr) {
    std::string_view text(direct);
    if (text.empty()) return Status::Config(std::string("keys: ") + kPassphraseEnv + " is empty");
    if (text.size() > kMaxPassphraseBytes)
      return Status::Config(std::string("keys: ") + kPassphraseEnv + " is longer than 4096 bytes");
    return std::optional<SecretBytes>(secret_from_text(text));
  }
  if (file == nullptr) return std::optional<SecretBytes>();
  const std::string path(file);
  auto data = read_secret_file(path, kMaxPassphraseBytes + 2);
  if (!data.ok() && data.status().code() == Code::kPermission) return data.status();
  if (!data.ok())
    return Status::Config(std::string("keys: cannot read the passphrase file named by ") + kPassphraseFileEnv + ": " +
                          data.status().message());
  size_t len = data->size();
  if (len > 0 && (*data)[len - 1] == '\n') --len;
  if (len > 0 && (*data)[len - 1] == '\r') --len;
  Status bad;
  if (len == 0) bad = Status::Config("keys: passphrase file " + path + " is empty");
  if (len > kMaxPassphraseBytes) bad = Status::Config("keys: passphrase file " + path + " is longer than 4096 bytes");
  std::optional<SecretBytes> out;
  if (bad.ok()) out = secret_from_text(as_chars(ByteView(data->data(), len)));
  if (!data->empty()) sodium_memzero(data->data(), data->size());
  if (!bad.ok()) return bad;
  return out;
}

bool is_encrypted_key_text(std::string_view text) {
  // A cheap check before a full parse: the format line as written by us.
  const std::string needle = "format = \"" + std::string(kEncryptedKeyFormat) + "\"";
  return text.find(needle) != std::string_view::npos;
}

Result<std::string> encrypt_key_text(const SecretBytes& plaintext, const std::string& name,
                                     const SecretBytes& passphrase, KdfParams params) {
  if (sodium_init() < 0) return Status::IOError("keys: libsodium failed to initialise");
  if (passphrase.empty()) return Status::Invalid("keys: the passphrase is empty");
  for (char c : name)
    if (c == '"' || c == '\\' || c == '\n' || static_cast<unsigned char>(c) < 0x20)
      return Status::Invalid("keys: invalid name for an encrypted key file");
  uint8_t salt[crypto_pwhash_SALTBYTES];
  uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  randombytes_buf(salt, sizeof salt);
  randombytes_buf(nonce, sizeof nonce);
  auto key = derive_key(passphrase, salt, params);
  if (!key.ok()) return key.status();
  const Bytes aad = make_aad(params.opslimit, params.memlimit, name);
  Bytes ct(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long ct_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(ct.data(), &ct_len, plaintext.data(), plaintext.size(), aad.data(),
                                             aad.size(), nullptr, nonce, key->data());
  ct.resize(ct_len);
  std::ostringstream o;
  o << "# Relais SECRET key file, encrypted with a passphrase (Argon2id + XChaCha20-Poly1305).\n"
    << "# Keep it mode 0600. Set RELAIS_KEY_PASSPHRASE or RELAIS_KEY_PASSPHRASE_FILE to use it.\n"
    << "format = \"" << kEncryptedKeyFormat << "\"\n"
    << "name = \"" << name << "\"\n"
    << "kdf = \"" << kKdfName << "\"\n"
    << "opslimit = " << params.opslimit << "\n"
    << "memlimit = " << params.memlimit << "\n"
    << "salt = \"" << to_base64(ByteView(salt, sizeof salt)) << "\"\n"
    << "nonce = \"" << to_base64(ByteView(nonce, sizeof nonce)) << "\"\n"
    << "ciphertext = \"" << to_base64(ct) << "\"\n";
  return o.str();
}

Result<SecretBytes> decrypt_key_text(std::string_view text, const SecretBytes& passphrase,
                                     const std::string& origin) {
  if (sodium_init() < 0) return Status::IOError("keys: libsodium failed to initialise");
  if (text.size() > kMaxEncryptedFileBytes) return Status::Config("keys: " + origin + ": file too large");
  TomlReader reader(text, origin, "keys");
  TomlTable t = reader.root();
  if (auto format = t.get_string("format", true); format && *format != kEncryptedKeyFormat)
    t.error("format", "format is '" + *format + "', expected '" + std::string(kEncryptedKeyFormat) + "'");
  auto name = t.get_string("name", true);
  if (auto kdf = t.get_string("kdf", true); kdf && *kdf != kKdfName)
    t.error("kdf", "unsupported kdf '" + *kdf + "' (expected argon2id13)");
  auto ops = t.get_int("opslimit", true, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_OPSLIMIT_SENSITIVE);
  auto mem = t.get_int("memlimit", true, crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_SENSITIVE);
  auto salt = b64_field(t, "salt", crypto_pwhash_SALTBYTES, crypto_pwhash_SALTBYTES);
  auto nonce = b64_field(t, "nonce", crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                         crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  auto ct = b64_field(t, "ciphertext", 0, kMaxEncryptedFileBytes);
  t.reject_unknown();
  RELAIS_RETURN_IF_ERROR(reader.finish(Code::kConfig));
  if (!name || !ops || !mem || !salt || !nonce || !ct)  // not reached: each failure is recorded above
    return Status::Config("keys: " + origin + ": malformed encrypted key file");
  if (ct->size() <= crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return Status::Config("keys: " + origin + ": ciphertext too short");
  if (passphrase.empty()) return Status::Config("keys: " + origin + ": the passphrase is empty");
  const KdfParams params{static_cast<uint64_t>(*ops), static_cast<size_t>(*mem)};
  auto key = derive_key(passphrase, salt->data(), params);
  if (!key.ok()) return key.status();
  const Bytes aad = make_aad(params.opslimit, params.memlimit, *name);
  SecretBytes plain(ct->size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &plain_len, nullptr, ct->data(), ct->size(),
                                                 aad.data(), aad.size(), nonce->data(), key->data()) != 0)
    return Status::Config("keys: " + origin +
                          ": wrong passphrase or damaged file (check RELAIS_KEY_PASSPHRASE or "
                          "RELAIS_KEY_PASSPHRASE_FILE)");
  return plain;
}

}  // namespace relais
