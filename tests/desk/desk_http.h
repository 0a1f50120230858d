// Helpers for tests that drive the desk through DeskServer::handle(): read a
// response's headers and cookies, and the CSRF token of its first form.
#pragma once

#include <string>
#include <vector>

#include "http/server.h"

namespace relais::test {

inline std::string header_of(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

inline std::vector<std::string> cookies_of(const HttpResponse& r) {
  std::vector<std::string> out;
  for (const auto& [k, v] : r.headers)
    if (k == "Set-Cookie") out.push_back(v);
  return out;
}

// "name=value; ..." -> value for the cookie `name`.
inline std::string cookie_value(const HttpResponse& r, const std::string& name) {
  for (const auto& c : cookies_of(r))
    if (c.rfind(name + "=", 0) == 0) return c.substr(name.size() + 1, c.find(';') - name.size() - 1);
  return {};
}

inline std::string hidden_csrf(const std::string& body) {
  const std::string mark = "name=\"csrf\" value=\"";
  const size_t p = body.find(mark);
  if (p == std::string::npos) return {};
  return body.substr(p + mark.size(), body.find('"', p + mark.size()) - p - mark.size());
}

}  // namespace relais::test
