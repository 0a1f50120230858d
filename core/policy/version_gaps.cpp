#include "policy/version_gaps.h"

#include <map>
#include <optional>
#include <set>

#include "util/expires_in.h"

namespace relais {
namespace {

std::string period_text(const std::optional<int64_t>& ms, const char* none) {
  if (!ms) return none;
  for (auto [unit, scale] : {std::pair<const char*, int64_t>{"d", 86400000}, {"h", 3600000}, {"m", 60000}})
    if (*ms % scale == 0) return std::to_string(*ms / scale) + unit;
  return std::to_string(*ms / 1000) + "s";
}

// "alert/1: 730d, alert/2: none".
template <class PeriodOf>
std::optional<std::string> differing(const std::set<std::string>& versions, PeriodOf period_of, const char* none) {
  std::set<std::optional<int64_t>> seen;
  std::string listed;
  for (const std::string& v : versions) {
    const auto p = period_of(v);
    seen.insert(p);
    listed += (listed.empty() ? "" : ", ") + v + " " + period_text(p, none);
  }
  if (seen.size() < 2) return std::nullopt;
  return listed;
}

}  // namespace

std::vector<std::string> version_gaps(const Policy& policy) {
  std::map<std::string, std::set<std::string>> families;  // "alert" -> {"alert/1", "alert/2"}
  for (const auto& rule : policy.type_rules())
    for (const std::string& t : rule.types) families[t.substr(0, t.find('/'))].insert(t);
  std::vector<std::string> out;
  for (const auto& [family, versions] : families) {
    if (versions.size() < 2) continue;
    if (auto d = differing(versions, [&](const std::string& v) { return policy.retention_for(v); },
                           "no period (kept until erased)"))
      out.push_back("retention differs between the versions of " + family + " (" + *d +
                    "): periods name a version; give each allowed version its own [retention] entry");
    auto expiry = [&](const std::string& v) -> std::optional<int64_t> {
      auto it = policy.expiry_ms().find(v);
      return it == policy.expiry_ms().end() ? kDefaultExpiryMs : it->second;  // what agents then use
    };
    if (auto d = differing(versions, expiry, ""))
      out.push_back("expiry differs between the versions of " + family + " (" + *d +
                    "): give each allowed version its own [expiry] entry");
  }
  return out;
}

}  // namespace relais
