// TomlReader: the one TOML reader of Relais. It parses a document (toml++)
// and collects every problem at once, each as one line
//     "ORIGIN:LINE: MODULE: message"      (or "ORIGIN: MODULE: message")
// where ORIGIN names the source (a file name), LINE is the line of the
// offending key (or of its table, or nothing when the key is absent) and
// MODULE is the reader's module ("keys", "policy"; empty for configuration
// files, whose lines are then "broker.toml:12: message").
//
// Typical use: construct (a syntax error or an unreadable file is recorded),
// then typed getters on root() and the tables it leads to, then
// reject_unknown() on each table read, then finish(code). Getters record an
// error and return nullopt on a missing required key, a wrong type or a value
// out of range, so one pass reports everything. Keys are named in messages by
// their dotted path from the root ("limits.max_frame_bytes"):
//     missing required key P | P must be a string | P must be an integer |
//     P = V is out of range [MIN, MAX] | P must be true or false |
//     P must be a list of strings | P must be a table | P must be an array of
//     tables ([[P]]) | unknown key P | unknown section [P]
//
// toml++ exceptions stop here: nothing this reader does throws. A TomlReader
// is neither copyable nor movable; the TomlTable views it hands out point into
// it and must not outlive it. Not thread-safe: one reader per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace relais {

class TomlReader;

// A view of one table of a TomlReader's document (or of a table that is
// absent: every getter then sees every key as missing). Remembers the keys
// asked for, so that reject_unknown() can flag the others. Cheap to copy;
// valid while its reader lives.
class TomlTable {
 public:
  // Getters: nullopt when the key is absent (an error if required) or bad
  // (always an error, recorded at the key's line).
  std::optional<std::string> get_string(std::string_view key, bool required);
  std::optional<int64_t> get_int(std::string_view key, bool required, int64_t min, int64_t max);
  std::optional<bool> get_bool(std::string_view key, bool required);
  // An array whose items are all strings.
  std::optional<std::vector<std::string>> get_strings(std::string_view key, bool required);
  // A string naming a path, resolved against the folder of the file read
  // (TomlReader::from_file) when relative, lexically normalised.
  std::optional<std::string> get_path(std::string_view key, bool required);
  // A sub-table ([section]). Absent and not required: an absent view.
  TomlTable get_table(std::string_view key, bool required);
  // An array of tables ([[key]]); empty when absent (an error if required).
  std::vector<TomlTable> get_tables(std::string_view key, bool required);

  // The raw node of key, marked as known (nullptr when absent), for values
  // the getters do not cover (secrets wiped in place, heterogeneous lists).
  toml::node* node(std::string_view key);
  // Keys of this table in document order (empty when absent).
  std::vector<std::string> keys() const;
  bool present() const { return table_ != nullptr; }
  bool has(std::string_view key) const;

  // Line of key, else of this table (0 for the root or an absent table).
  int line_of(std::string_view key) const;
  int line() const;
  // "section.key" (or "key" at the root).
  std::string path(std::string_view key) const;
  // Records message at the line of key (or of this table when absent);
  // nothing when the document did not parse (its syntax error stands alone).
  void error(std::string_view key, const std::string& message);
  // Records "unknown key P" (or "unknown section [P]" for a table at the
  // root) for every key no getter or node() asked for.
  void reject_unknown();

 private:
  friend class TomlReader;
  TomlTable(TomlReader* reader, toml::table* table, std::string prefix)
      : reader_(reader), table_(table), prefix_(std::move(prefix)) {}
  TomlReader* reader_;
  toml::table* table_;   // nullptr: absent
  std::string prefix_;   // "" at the root, else "section."
  std::set<std::string, std::less<>> seen_;
};

class TomlReader {
 public:
  // Parses text; origin names it in messages, module is put after the
  // location ("" for none).
  TomlReader(std::string_view text, std::string origin, std::string module = "");
  // Reads path (at most max_bytes) and parses it; an unreadable file is
  // recorded as "PATH: reason" and root() is then absent.
  static std::unique_ptr<TomlReader> from_file(const std::string& path, std::string module = "",
                                               size_t max_bytes = 1 << 20);
  ~TomlReader();
  TomlReader(const TomlReader&) = delete;
  TomlReader& operator=(const TomlReader&) = delete;

  // The document's root table (absent after a syntax error).
  TomlTable root();
  bool parsed() const { return root_ != nullptr; }

  // Records "ORIGIN:LINE: MODULE: message" (no LINE when line <= 0).
  void error(int line, const std::string& message);
  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  // Ok, or a Status of the given code listing every error, one per line.
  Status finish(Code code) const;

  const std::string& origin() const { return origin_; }
  // A relative path resolved against the folder of the file read ("." for text).
  std::string resolve_path(const std::string& path) const;

 private:
  struct Unparsed {};
  TomlReader(Unparsed, std::string origin, std::string module);
  void parse(std::string_view text);
  std::string origin_;
  std::string module_;
  std::string dir_ = ".";
  std::unique_ptr<toml::table> root_;
  std::vector<std::string> errors_;
};

}  // namespace relais
