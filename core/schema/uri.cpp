#include "schema/uri.h"

#include <cctype>

namespace relais {
namespace {

struct UriParts {
  std::string scheme;
  bool has_authority = false;
  std::string authority;
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;
};

UriParts parse(std::string_view s) {
  UriParts u;
  // scheme
  size_t i = 0;
  if (!s.empty() && std::isalpha(static_cast<unsigned char>(s[0]))) {
    size_t j = 1;
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '+' ||
                            s[j] == '-' || s[j] == '.')) {
      ++j;
    }
    if (j < s.size() && s[j] == ':') {
      u.scheme = std::string(s.substr(0, j));
      i = j + 1;
    }
  }
  std::string_view rest = s.substr(i);
  if (auto h = rest.find('#'); h != std::string_view::npos) {
    u.has_fragment = true;
    u.fragment = std::string(rest.substr(h + 1));
    rest = rest.substr(0, h);
  }
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    u.has_query = true;
    u.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (rest.substr(0, 2) == "//") {
    u.has_authority = true;
    rest = rest.substr(2);
    const size_t slash = rest.find('/');
    u.authority = std::string(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  u.path = std::string(rest);
  return u;
}

std::string remove_dot_segments(std::string_view in) {
  std::string input(in), out;
  while (!input.empty()) {
    if (input.rfind("../", 0) == 0) input.erase(0, 3);
    else if (input.rfind("./", 0) == 0) input.erase(0, 2);
    else if (input.rfind("/./", 0) == 0) input.erase(0, 2);
    else if (input == "/.") input = "/";
    else if (input.rfind("/../", 0) == 0 || input == "/..") {
      input = input == "/.." ? "/" : input.substr(3);
      const size_t p = out.rfind('/');
      out.erase(p == std::string::npos ? 0 : p);
    } else if (input == "." || input == "..") input.clear();
    else {
      size_t start = input[0] == '/' ? 1 : 0;
      size_t next = input.find('/', start);
      if (next == std::string::npos) next = input.size();
      out += input.substr(0, next);
      input.erase(0, next);
    }
  }
  return out;
}

std::string compose(const UriParts& u) {
  std::string s;
  if (!u.scheme.empty()) s += u.scheme + ":";
  if (u.has_authority) s += "//" + u.authority;
  s += u.path;
  if (u.has_query) s += "?" + u.query;
  if (u.has_fragment) s += "#" + u.fragment;
  return s;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string uri_resolve(std::string_view base_text, std::string_view ref_text) {
  const UriParts r = parse(ref_text);
  if (base_text.empty()) return std::string(ref_text);
  const UriParts b = parse(base_text);
  UriParts t;
  if (!r.scheme.empty()) {
    t = r;
    t.path = remove_dot_segments(r.path);
  } else {
    if (r.has_authority) {
      t.has_authority = true;
      t.authority = r.authority;
      t.path = remove_dot_segments(r.path);
      t.has_query = r.has_query;
      t.query = r.query;
    } else {
      if (r.path.empty()) {
        t.path = b.path;
        t.has_query = r.has_query || b.has_query;
        t.query = r.has_query ? r.query : b.query;
      } else {
        if (r.path[0] == '/') {
          t.path = remove_dot_segments(r.path);
        } else {
          std::string merged;
          if (b.has_authority && b.path.empty()) {
            merged = "/" + r.path;
          } else {
            const size_t p = b.path.rfind('/');
            merged = (p == std::string::npos ? std::string() : b.path.substr(0, p + 1)) + r.path;
          }
          // Opaque paths (urn:uuid:...) have no segments to remove.
          t.path = (b.has_authority || (!merged.empty() && merged[0] == '/'))
                       ? remove_dot_segments(merged) : merged;
        }
        t.has_query = r.has_query;
        t.query = r.query;
      }
      t.has_authority = b.has_authority;
      t.authority = b.authority;
    }
    t.scheme = b.scheme;
  }
  t.has_fragment = r.has_fragment;
  t.fragment = r.fragment;
  return compose(t);
}

std::pair<std::string, std::string> uri_split_fragment(std::string_view uri) {
  const size_t h = uri.find('#');
  if (h == std::string_view::npos) return {std::string(uri), std::string()};
  return {std::string(uri.substr(0, h)), std::string(uri.substr(h + 1))};
}

std::optional<std::vector<std::string>> json_pointer_tokens(std::string_view fragment) {
  std::string decoded;
  for (size_t i = 0; i < fragment.size(); ++i) {
    if (fragment[i] == '%') {
      if (i + 2 >= fragment.size()) return std::nullopt;
      const int h = hexval(fragment[i + 1]), l = hexval(fragment[i + 2]);
      if (h < 0 || l < 0) return std::nullopt;
      decoded += static_cast<char>(h * 16 + l);
      i += 2;
    } else {
      decoded += fragment[i];
    }
  }
  std::vector<std::string> tokens;
  if (decoded.empty()) return tokens;
  if (decoded[0] != '/') return std::nullopt;
  size_t pos = 1;
  while (true) {
    const size_t next = decoded.find('/', pos);
    const std::string raw = decoded.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    std::string tok;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~') {
        if (i + 1 >= raw.size()) return std::nullopt;
        if (raw[i + 1] == '0') tok += '~';
        else if (raw[i + 1] == '1') tok += '/';
        else return std::nullopt;
        ++i;
      } else {
        tok += raw[i];
      }
    }
    tokens.push_back(std::move(tok));
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return tokens;
}

std::string json_pointer_escape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace relais
