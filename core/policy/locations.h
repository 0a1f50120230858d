// Location data: regions and the prefectures in them, loaded from a CSV file
// (country-neutral; Togo's ships as config/locations.csv).
//
// A trust bundle (relais-bundle/2) signs the exact CSV text it was built
// with; the built-in table is config/locations.csv at build time.
//
// CSV header: region_slug,region_name,prefecture_slug,prefecture_name,grand_lome
// Slugs are [a-z0-9_-]+; names are UTF-8 without commas; grand_lome is yes/no.
// A Locations value is immutable after load and safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace relais {

struct Prefecture {
  std::string region;       // slug
  std::string region_name;
  std::string slug;
  std::string name;
  bool flagged = false;     // the grand_lome column
};

class Locations {
 public:
  // Status::Config naming origin:line on any malformed row or duplicate prefecture.
  static Result<Locations> parse(std::string_view csv, const std::string& origin);
  static Result<Locations> load(const std::string& path);
  // RELAIS_SOURCE_DIR/config/locations.csv (may not exist on an installed system).
  static std::string default_path();
  // config/locations.csv as it was at build time, compiled in: the default
  // location table of a trust bundle. Static storage; never empty.
  static std::string_view builtin_csv();

  bool has_region(std::string_view region) const;
  const Prefecture* find_prefecture(std::string_view slug) const;  // nullptr if unknown
  // Ok if both are empty, or the region exists and (when given) the
  // prefecture exists and lies in it; Status::Invalid saying what is wrong.
  Status check(std::string_view region, std::string_view prefecture) const;

  const std::vector<Prefecture>& prefectures() const { return prefectures_; }
  size_t region_count() const;

 private:
  std::vector<Prefecture> prefectures_;
};

}  // namespace relais
