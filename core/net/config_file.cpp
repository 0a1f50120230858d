#include "net/config_file.h"

#include <filesystem>
#include <toml++/toml.h>

#include "util/files.h"

namespace relais {

ConfigFile::ConfigFile(std::string path) : path_(std::move(path)) {
  dir_ = std::filesystem::path(path_).parent_path().string();
  if (dir_.empty()) dir_ = ".";
  auto text = read_text_file(path_, 1 << 20);
  if (!text.ok()) {
    errors_.push_back(path_ + ": " + text.status().message());
    return;
  }
  try {
    table_ = std::make_unique<toml::table>(toml::parse(*text, path_));
  } catch (const toml::parse_error& e) {
    errors_.push_back(path_ + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
}

ConfigFile::~ConfigFile() = default;

std::string ConfigFile::where(const std::string& section, const std::string& key) const {
  if (table_) {
    if (auto node = (*table_)[section][key].node()) return path_ + ":" + std::to_string(node->source().begin.line);
    if (auto sec = (*table_)[section].node()) return path_ + ":" + std::to_string(sec->source().begin.line);
  }
  return path_;
}

void ConfigFile::error_at(const std::string& section, const std::string& key, const std::string& message) {
  errors_.push_back(where(section, key) + ": " + message);
}

std::string ConfigFile::get_string(const std::string& section, const std::string& key, const std::string& def,
                                   bool required) {
  known_.insert(section);
  known_.insert(section + "." + key);
  if (!table_) return def;
  auto node = (*table_)[section][key];
  if (!node) {
    if (required) errors_.push_back(where(section, key) + ": missing required key " + section + "." + key);
    return def;
  }
  if (auto v = node.value<std::string>()) return *v;
  error_at(section, key, section + "." + key + " must be a string");
  return def;
}

int64_t ConfigFile::get_int(const std::string& section, const std::string& key, int64_t def, int64_t min,
                            int64_t max) {
  known_.insert(section);
  known_.insert(section + "." + key);
  if (!table_) return def;
  auto node = (*table_)[section][key];
  if (!node) return def;
  auto v = node.value<int64_t>();
  if (!v || !node.is_integer()) {
    error_at(section, key, section + "." + key + " must be an integer");
    return def;
  }
  if (*v < min || *v > max) {
    error_at(section, key, section + "." + key + " = " + std::to_string(*v) + " is out of range [" +
                               std::to_string(min) + ", " + std::to_string(max) + "]");
    return def;
  }
  return *v;
}

std::string ConfigFile::get_path(const std::string& section, const std::string& key, const std::string& def,
                                 bool required) {
  std::string v = get_string(section, key, def, required);
  if (v.empty()) return v;
  std::filesystem::path p(v);
  if (p.is_relative()) p = std::filesystem::path(dir_) / p;
  return p.lexically_normal().string();
}

Status ConfigFile::finish() {
  if (table_) {
    for (const auto& [sec_key, sec_node] : *table_) {
      std::string sec(sec_key.str());
      if (!known_.count(sec)) {
        errors_.push_back(path_ + ":" + std::to_string(sec_node.source().begin.line) + ": unknown section [" + sec + "]");
        continue;
      }
      if (const toml::table* t = sec_node.as_table()) {
        for (const auto& [k, v] : *t) {
          std::string full = sec + "." + std::string(k.str());
          if (!known_.count(full))
            errors_.push_back(path_ + ":" + std::to_string(v.source().begin.line) + ": unknown key " + full);
        }
      } else {
        errors_.push_back(path_ + ":" + std::to_string(sec_node.source().begin.line) + ": " + sec + " must be a section");
      }
    }
  }
  if (errors_.empty()) return Status::Ok();
  std::string msg;
  for (const auto& e : errors_) msg += (msg.empty() ? "" : "\n") + e;
  return Status::Config(msg);
}

}  // namespace relais
