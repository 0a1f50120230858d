// SessionTable: the desk's logged-in sessions, held in memory only (a
// restart of the service logs everyone out, which is the safe side).
//
// A session is created at a right password and named by a random 256-bit
// token (base64url), sent as an HttpOnly, SameSite=Strict cookie; the table
// keys it by the token's BLAKE2b hash, so a lookup's timing says nothing
// about stored tokens. Each session has its own random CSRF token, which
// every state-changing form carries. A session idles out `idle_ms` after its
// last request, and end() (logging out) removes it at once. At most
// kMaxSessions live at once: beyond, the least recently used goes.
// Login forms get a pre-session CSRF token too (login_token()), bound to a
// short-lived cookie, so that the login form itself is not forgeable.
// Thread-safe (the HTTP server's workers share it).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace relais::desk {

struct Session {
  std::string user;
  std::string role;  // viewer | caseworker | admin
  std::string csrf;  // the token its forms carry
  std::string lang = "fr";
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
};

class SessionTable {
 public:
  static constexpr size_t kMaxSessions = 1000;

  explicit SessionTable(int64_t idle_ms) : idle_ms_(idle_ms) {}

  // Creates a session; returns its token (for the cookie).
  std::string create(const std::string& user, const std::string& role, const std::string& lang, int64_t now_ms);
  // The session of a token, touched (its idle time restarts), or nullopt
  // when unknown or idle for longer than idle_ms (then removed).
  std::optional<Session> touch(const std::string& token, int64_t now_ms);
  void set_lang(const std::string& token, const std::string& lang);
  void end(const std::string& token);
  // Ends every session of a user (account removed, password changed).
  void end_user(const std::string& user);
  size_t size() const;
  int64_t idle_ms() const { return idle_ms_; }

 private:
  static std::string key_of(const std::string& token);
  void evict_one();

  int64_t idle_ms_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;  // by BLAKE2b(token)
};

// A random 256-bit token, base64url without padding (43 characters).
std::string random_token();
// Constant-time comparison of two tokens (false when sizes differ).
bool tokens_equal(const std::string& a, const std::string& b);

}  // namespace relais::desk
