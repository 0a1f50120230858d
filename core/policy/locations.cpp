#include "policy/locations.h"

#include <set>

#include "crypto/keys.h"
#include "util/files.h"

namespace relais {
namespace {

std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    out.emplace_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

}  // namespace

Result<Locations> Locations::parse(std::string_view csv, const std::string& origin) {
  Locations loc;
  std::set<std::string> seen;
  size_t pos = 0;
  int line_no = 0;
  while (pos < csv.size()) {
    size_t end = csv.find('\n', pos);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = csv.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto f = split_csv_line(line);
    const std::string where = "locations: " + origin + ":" + std::to_string(line_no) + ": ";
    if (f.size() != 5) return Status::Config(where + "expected 5 comma-separated fields");
    if (f[0] == "region_slug") continue;  // header
    if (f[0].empty() || f[2].empty() || !is_valid_slug(f[0]) || !is_valid_slug(f[2]))
      return Status::Config(where + "slugs must be lowercase [a-z0-9_-]+");
    if (f[4] != "yes" && f[4] != "no") return Status::Config(where + "grand_lome must be yes or no");
    if (!seen.insert(f[2]).second) return Status::Config(where + "prefecture '" + f[2] + "' appears twice");
    loc.prefectures_.push_back(Prefecture{f[0], f[1], f[2], f[3], f[4] == "yes"});
  }
  if (loc.prefectures_.empty()) return Status::Config("locations: " + origin + " holds no prefecture");
  return loc;
}

Result<Locations> Locations::load(const std::string& path) {
  auto text = read_text_file(path, 1u << 20);
  if (!text.ok()) return Status::Config("locations: cannot read " + path + ": " + text.status().message());
  return parse(*text, path);
}

std::string Locations::default_path() { return std::string(RELAIS_SOURCE_DIR) + "/config/locations.csv"; }

bool Locations::has_region(std::string_view region) const {
  for (const auto& p : prefectures_)
    if (p.region == region) return true;
  return false;
}

const Prefecture* Locations::find_prefecture(std::string_view slug) const {
  for (const auto& p : prefectures_)
    if (p.slug == slug) return &p;
  return nullptr;
}

size_t Locations::region_count() const {
  std::set<std::string> r;
  for (const auto& p : prefectures_) r.insert(p.region);
  return r.size();
}

Status Locations::check(std::string_view region, std::string_view prefecture) const {
  if (!region.empty() && !has_region(region))
    return Status::Invalid("locations: unknown region '" + std::string(region) + "'");
  if (prefecture.empty()) return Status::Ok();
  const Prefecture* p = find_prefecture(prefecture);
  if (p == nullptr) return Status::Invalid("locations: unknown prefecture '" + std::string(prefecture) + "'");
  if (region.empty())
    return Status::Invalid("locations: prefecture '" + std::string(prefecture) + "' needs its region ('" + p->region + "')");
  if (p->region != region)
    return Status::Invalid("locations: prefecture '" + std::string(prefecture) + "' is in region '" + p->region +
                           "', not '" + std::string(region) + "'");
  return Status::Ok();
}

}  // namespace relais
