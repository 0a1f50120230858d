// ConfigFile: a TOML configuration reader that reports every problem at once,
// each as "FILE:LINE: message" (nats-server style), for --check-config.
//
// Typical use: open(), then typed getters per key, then finish() which also
// flags unknown keys. Getters record errors and return the default, so one
// pass reports everything. Relative paths resolve against the file's folder.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "util/status.h"

namespace toml { inline namespace v3 { class table; } }

namespace relais {

class ConfigFile {
 public:
  // Parses path; a missing file or TOML syntax error is reported by finish().
  explicit ConfigFile(std::string path);
  ~ConfigFile();

  std::string get_string(const std::string& section, const std::string& key, const std::string& def, bool required);
  int64_t get_int(const std::string& section, const std::string& key, int64_t def, int64_t min, int64_t max);
  // A path value resolved against the config file's folder.
  std::string get_path(const std::string& section, const std::string& key, const std::string& def, bool required);
  // Records a problem at the line of section.key (or the file when absent).
  void error_at(const std::string& section, const std::string& key, const std::string& message);

  // Flags unknown sections/keys, then returns ok or Status::Config listing
  // every error, one per line.
  Status finish();
  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string where(const std::string& section, const std::string& key) const;
  std::string path_;
  std::string dir_;
  std::unique_ptr<toml::table> table_;
  std::vector<std::string> errors_;
  std::set<std::string> known_;  // "section.key" and "section"
};

}  // namespace relais
