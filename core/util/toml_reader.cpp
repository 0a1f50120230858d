// The collecting TOML reader (see toml_reader.h).
#include "util/toml_reader.h"

#include <filesystem>
#include <toml++/toml.h>

#include "util/files.h"

namespace relais {
namespace {

int line_of_node(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

}  // namespace

// --- TomlTable ---------------------------------------------------------------

std::string TomlTable::path(std::string_view key) const { return prefix_ + std::string(key); }

bool TomlTable::has(std::string_view key) const { return table_ != nullptr && table_->get(key) != nullptr; }

// The root has no line of its own: a key missing there is reported at the file.
int TomlTable::line() const { return table_ != nullptr && !prefix_.empty() ? line_of_node(*table_) : 0; }

int TomlTable::line_of(std::string_view key) const {
  if (table_ != nullptr)
    if (const toml::node* n = table_->get(key)) return line_of_node(*n);
  return line();
}

void TomlTable::error(std::string_view key, const std::string& message) {
  // A document that did not parse has one error, its syntax: not every key it would have held.
  if (reader_->parsed()) reader_->error(line_of(key), message);
}

toml::node* TomlTable::node(std::string_view key) {
  seen_.emplace(key);
  return table_ != nullptr ? table_->get(key) : nullptr;
}

std::vector<std::string> TomlTable::keys() const {
  std::vector<std::string> out;
  if (table_ != nullptr)
    for (const auto& [k, v] : *table_) out.emplace_back(k.str());
  return out;
}

std::optional<std::string> TomlTable::get_string(std::string_view key, bool required) {
  const toml::node* n = node(key);
  if (n == nullptr) {
    if (required) error(key, "missing required key " + path(key));
    return std::nullopt;
  }
  if (const auto* s = n->as_string()) return s->get();
  error(key, path(key) + " must be a string");
  return std::nullopt;
}

std::optional<int64_t> TomlTable::get_int(std::string_view key, bool required, int64_t min, int64_t max) {
  const toml::node* n = node(key);
  if (n == nullptr) {
    if (required) error(key, "missing required key " + path(key));
    return std::nullopt;
  }
  const auto* i = n->as_integer();
  if (i == nullptr) {
    error(key, path(key) + " must be an integer");
    return std::nullopt;
  }
  const int64_t v = i->get();
  if (v < min || v > max) {
    error(key, path(key) + " = " + std::to_string(v) + " is out of range [" + std::to_string(min) + ", " +
                   std::to_string(max) + "]");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TomlTable::get_bool(std::string_view key, bool required) {
  const toml::node* n = node(key);
  if (n == nullptr) {
    if (required) error(key, "missing required key " + path(key));
    return std::nullopt;
  }
  if (const auto* b = n->as_boolean()) return b->get();
  error(key, path(key) + " must be true or false");
  return std::nullopt;
}

std::optional<std::vector<std::string>> TomlTable::get_strings(std::string_view key, bool required) {
  const toml::node* n = node(key);
  if (n == nullptr) {
    if (required) error(key, "missing required key " + path(key));
    return std::nullopt;
  }
  std::vector<std::string> out;
  const auto* a = n->as_array();
  if (a != nullptr) {
    for (const auto& item : *a) {
      const auto* s = item.as_string();
      if (s == nullptr) {
        a = nullptr;
        break;
      }
      out.push_back(s->get());
    }
  }
  if (a == nullptr) {
    error(key, path(key) + " must be a list of strings");
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> TomlTable::get_path(std::string_view key, bool required) {
  auto v = get_string(key, required);
  if (!v || v->empty()) return v;
  return reader_->resolve_path(*v);
}

TomlTable TomlTable::get_table(std::string_view key, bool required) {
  toml::node* n = node(key);
  if (n == nullptr) {
    if (required) error(key, "missing required table [" + path(key) + "]");
    return TomlTable(reader_, nullptr, path(key) + ".");
  }
  if (auto* t = n->as_table()) return TomlTable(reader_, t, path(key) + ".");
  error(key, path(key) + " must be a table");
  return TomlTable(reader_, nullptr, path(key) + ".");
}

std::vector<TomlTable> TomlTable::get_tables(std::string_view key, bool required) {
  std::vector<TomlTable> out;
  toml::node* n = node(key);
  if (n == nullptr) {
    if (required) error(key, "missing required key [[" + path(key) + "]]");
    return out;
  }
  auto* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    error(key, path(key) + " must be an array of tables ([[" + path(key) + "]])");
    return out;
  }
  for (auto& item : *a) out.push_back(TomlTable(reader_, item.as_table(), path(key) + "."));
  return out;
}

void TomlTable::reject_unknown() {
  if (table_ == nullptr) return;
  for (const auto& [k, v] : *table_) {
    if (seen_.count(k.str())) continue;
    if (prefix_.empty() && v.is_table())
      reader_->error(line_of_node(v), "unknown section [" + std::string(k.str()) + "]");
    else
      reader_->error(line_of_node(v), "unknown key " + path(k.str()));
  }
}

// --- TomlReader --------------------------------------------------------------

TomlReader::TomlReader(Unparsed, std::string origin, std::string module)
    : origin_(std::move(origin)), module_(std::move(module)) {}

TomlReader::TomlReader(std::string_view text, std::string origin, std::string module)
    : TomlReader(Unparsed{}, std::move(origin), std::move(module)) {
  parse(text);
}

TomlReader::~TomlReader() = default;

std::unique_ptr<TomlReader> TomlReader::from_file(const std::string& path, std::string module, size_t max_bytes) {
  std::unique_ptr<TomlReader> r(new TomlReader(Unparsed{}, path, std::move(module)));
  r->dir_ = std::filesystem::path(path).parent_path().string();
  if (r->dir_.empty()) r->dir_ = ".";
  auto text = read_text_file(path, max_bytes);
  if (!text.ok()) {
    r->errors_.push_back(path + ": " + (r->module_.empty() ? "" : r->module_ + ": ") + text.status().message());
    return r;
  }
  r->parse(*text);
  return r;
}

void TomlReader::parse(std::string_view text) {
  try {
    root_ = std::make_unique<toml::table>(toml::parse(text, origin_));
  } catch (const toml::parse_error& e) {
    error(static_cast<int>(e.source().begin.line), std::string(e.description()));
  } catch (const std::exception& e) {  // e.g. bad_alloc: still no exception past the reader
    error(0, e.what());
  }
}

TomlTable TomlReader::root() { return TomlTable(this, root_.get(), ""); }

void TomlReader::error(int line, const std::string& message) {
  std::string e = origin_;
  if (line > 0) e += ":" + std::to_string(line);
  e += ": ";
  if (!module_.empty()) e += module_ + ": ";
  errors_.push_back(e + message);
}

Status TomlReader::finish(Code code) const {
  if (errors_.empty()) return Status::Ok();
  std::string msg;
  for (const auto& e : errors_) msg += (msg.empty() ? "" : "\n") + e;
  return Status(code, msg);
}

std::string TomlReader::resolve_path(const std::string& path) const {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(dir_) / p;
  return p.lexically_normal().string();
}

}  // namespace relais
