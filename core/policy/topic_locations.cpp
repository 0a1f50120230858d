// Places in topics against the signed location table (see topic_locations.h).
#include "policy/topic_locations.h"

#include <vector>

#include "policy/topic.h"

namespace relais {
namespace {

bool is_slug(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

Status check_place(std::string_view region, std::string_view prefecture, const Locations& locations,
                   const std::string& where) {
  if (!region.empty() && !is_slug(region))
    return Status::Invalid(where + ": '" + std::string(region) +
                           "' is not a region name as the location table writes it: lowercase letters, digits, "
                           "'-' or '_', like 'kara'");
  if (!prefecture.empty() && !is_slug(prefecture))
    return Status::Invalid(where + ": '" + std::string(prefecture) +
                           "' is not a prefecture name as the location table writes it: lowercase letters, "
                           "digits, '-' or '_', like 'kozah'");
  if (!region.empty() && !locations.has_region(region))
    return Status::Invalid(where + ": there is no region '" + std::string(region) +
                           "' in the location table of your trust bundle; check the spelling (lowercase, like "
                           "'kara')");
  if (prefecture.empty()) return Status::Ok();
  const Prefecture* p = locations.find_prefecture(prefecture);
  if (p == nullptr)
    return Status::Invalid(where + ": there is no prefecture '" + std::string(prefecture) +
                           "' in the location table of your trust bundle; check the spelling (lowercase, like "
                           "'kozah')");
  if (!region.empty() && p->region != region)
    return Status::Invalid(where + ": '" + std::string(region) + "." + std::string(prefecture) +
                           "' is not a prefecture of region " + std::string(region) + ": " + p->slug +
                           " is in region " + p->region);
  return Status::Ok();
}

Status check_topic_locations(std::string_view topic, const Locations& locations) {
  const std::vector<std::string_view> t = split_tokens(topic);
  if (t.size() == 4 && t[0] == "alert") return check_place(t[2], t[3], locations, "topic " + std::string(topic));
  if (t.size() == 2 && t[0] == "stats") return check_place({}, t[1], locations, "topic " + std::string(topic));
  return Status::Ok();
}

}  // namespace relais
