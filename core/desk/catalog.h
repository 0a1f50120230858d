// Catalog: the desk's visible strings in one language, from
// schemas/i18n/<lang>.json (embedded in the program at build time), a flat
// JSON object of "key": "text". French ("fr") is the default, English
// ("en") the other; both must hold exactly the same keys (missing_keys()
// tells, and a test fails otherwise).
//
// text(key) is the text, or the key itself when the catalog lacks it, so a
// page showing a raw key is visible to people and to the browser tests.
// format(key, {{"n", "3"}}) replaces {n} placeholders.
// Immutable after load; thread-safe to read.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace relais::desk {

class Catalog {
 public:
  // Parses one catalog (Status::Invalid naming the problem: not an object,
  // a value that is not a string).
  static Result<Catalog> parse(std::string_view json_text, std::string lang);
  // The embedded catalog of `lang` ("fr" or "en"; anything else: "fr").
  static const Catalog& builtin(std::string_view lang);

  const std::string& lang() const { return lang_; }
  std::string text(std::string_view key) const;
  std::string format(std::string_view key, const std::map<std::string, std::string>& values) const;
  bool has(std::string_view key) const { return texts_.count(std::string(key)) != 0; }
  std::vector<std::string> keys() const;

 private:
  std::string lang_;
  std::map<std::string, std::string> texts_;
};

// Keys in `a` that `b` lacks, and the other way round.
std::vector<std::string> missing_keys(const Catalog& a, const Catalog& b);

// The supported languages, default first.
inline constexpr std::string_view kLanguages[] = {"fr", "en"};

}  // namespace relais::desk
