// A compiled PCRE2 pattern for the "pattern" and "patternProperties"
// keywords (UTF mode, '$' only at the very end as in ECMA-262, bounded
// backtracking). Compiled once at schema load; immutable afterwards, so one
// Regex may be used by many threads at once, each with its own MatchData.
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace relais {

// Per-thread (per-validation) scratch space for matching; create lazily.
class RegexMatchData {
 public:
  RegexMatchData() = default;
  RegexMatchData(const RegexMatchData&) = delete;
  RegexMatchData& operator=(const RegexMatchData&) = delete;
  ~RegexMatchData();
  pcre2_match_data* get();

 private:
  pcre2_match_data* md_ = nullptr;
};

class Regex {
 public:
  // Status::Invalid "schema: bad pattern "..." at offset N: <pcre2 message>".
  static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  enum class Outcome { kMatch, kNoMatch, kLimit };
  // Unanchored search, as JSON Schema requires. `text` must be valid UTF-8.
  // kLimit: the backtracking/depth/heap limit was hit (a pathological
  // pattern or input); callers treat it as a failure (fail closed).
  Outcome search(std::string_view text, RegexMatchData& md) const;
  const std::string& source() const { return source_; }

 private:
  Regex() = default;
  pcre2_code* code_ = nullptr;
  pcre2_match_context* mctx_ = nullptr;
  std::string source_;
};

}  // namespace relais
