#include "schema/regex.h"

namespace relais {

RegexMatchData::~RegexMatchData() {
  if (md_) pcre2_match_data_free(md_);
}

pcre2_match_data* RegexMatchData::get() {
  if (!md_) md_ = pcre2_match_data_create(1, nullptr);
  return md_;
}

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view pattern) {
  int err = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &err, &off, nullptr);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return Status::Invalid("schema: bad pattern \"" + std::string(pattern) + "\" at offset " +
                           std::to_string(off) + ": " + reinterpret_cast<const char*>(buf));
  }
  std::shared_ptr<Regex> re(new Regex());
  re->code_ = code;
  re->source_ = std::string(pattern);
  re->mctx_ = pcre2_match_context_create(nullptr);
  if (re->mctx_) {
    pcre2_set_match_limit(re->mctx_, 1000000);
    pcre2_set_depth_limit(re->mctx_, 250000);
  }
  return std::shared_ptr<const Regex>(std::move(re));
}

Regex::~Regex() {
  if (mctx_) pcre2_match_context_free(mctx_);
  if (code_) pcre2_code_free(code_);
}

Regex::Outcome Regex::search(std::string_view text, RegexMatchData& md) const {
  pcre2_match_data* m = md.get();
  if (!m) return Outcome::kLimit;
  const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                             PCRE2_NO_UTF_CHECK, m, mctx_);
  if (rc >= 0) return Outcome::kMatch;
  return rc == PCRE2_ERROR_NOMATCH ? Outcome::kNoMatch : Outcome::kLimit;
}

}  // namespace relais
