#include "desk/session_table.h"

#include <sodium.h>

#include <algorithm>

namespace relais::desk {

std::string random_token() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  return text;
}

bool tokens_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string SessionTable::key_of(const std::string& token) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(h), sizeof h);
}

std::string SessionTable::create(const std::string& user, const std::string& role, const std::string& lang,
                                 int64_t now_ms) {
  std::string token = random_token();
  Session s;
  s.user = user;
  s.role = role;
  s.lang = lang;
  s.csrf = random_token();
  s.created_ms = now_ms;
  s.last_seen_ms = now_ms;
  std::lock_guard lock(mu_);
  if (sessions_.size() >= kMaxSessions) evict_one();
  sessions_[key_of(token)] = std::move(s);
  return token;
}

void SessionTable::evict_one() {
  auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
    return a.second.last_seen_ms < b.second.last_seen_ms;
  });
  if (oldest != sessions_.end()) sessions_.erase(oldest);
}

std::optional<Session> SessionTable::touch(const std::string& token, int64_t now_ms) {
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key_of(token));
  if (it == sessions_.end()) return std::nullopt;
  if (now_ms - it->second.last_seen_ms > idle_ms_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen_ms = now_ms;
  return it->second;
}

void SessionTable::set_lang(const std::string& token, const std::string& lang) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key_of(token));
  if (it != sessions_.end()) it->second.lang = lang;
}

void SessionTable::end(const std::string& token) {
  std::lock_guard lock(mu_);
  sessions_.erase(key_of(token));
}

void SessionTable::end_user(const std::string& user) {
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.user == user; });
}

size_t SessionTable::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace relais::desk
