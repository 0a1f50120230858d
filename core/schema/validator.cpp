// The schema validator: checks an instance against compiled nodes
// (schema_nodes.h) and reports every error as {json_pointer, message}
// (Schema::validate, Schema::is_valid; the contract is in validator.h).
//
// The instance must first be plain JSON (check_json_shape below); then the
// nodes are walked from the root, with depth bounded by kMaxValidationDepth
// so that a $ref loop is an error, never a stack overflow. A probe (is_valid,
// anyOf/oneOf/not/if/contains branches) stops at the first failure and builds
// no message. const throughout: safe on many threads at once.
#include "schema/validator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "schema/format.h"
#include "schema/json_value.h"
#include "schema/regex.h"
#include "schema/schema_nodes.h"
#include "schema/uri.h"
#include "util/json_msgpack.h"

namespace relais {

using schema_internal::Dependency;
using schema_internal::Fmt;
using schema_internal::Node;

std::string ValidationError::to_string() const {
  return (pointer.empty() ? std::string("(root)") : pointer) + ": " + message;
}

namespace {

constexpr int kMaxValidationDepth = 200;

// ---------------------------------------------------------------------------
struct Ctx {
  std::vector<ValidationError>* errors = nullptr;  // null: probe, stop at first failure
  std::string path;
  int depth = 0;
  RegexMatchData md;
};

class PathPush {
 public:
  PathPush(Ctx& c, std::string_view token) : c_(c), size_(c.path.size()) {
    if (!c_.errors) return;
    c_.path += '/';
    for (char ch : token) {
      if (ch == '~') c_.path += "~0";
      else if (ch == '/') c_.path += "~1";
      else c_.path += ch;
    }
  }
  PathPush(Ctx& c, uint32_t index) : c_(c), size_(c.path.size()) {
    if (!c_.errors) return;
    char buf[16];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, index);
    (void)ec;
    c_.path += '/';
    c_.path.append(buf, end);
  }
  ~PathPush() { c_.path.resize(size_); }
  PathPush(const PathPush&) = delete;
  PathPush& operator=(const PathPush&) = delete;

 private:
  Ctx& c_;
  size_t size_;
};

class Probe {  // runs a sub-check without collecting errors
 public:
  explicit Probe(Ctx& c) : c_(c), saved_(c.errors) { c_.errors = nullptr; }
  ~Probe() { c_.errors = saved_; }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

 private:
  Ctx& c_;
  std::vector<ValidationError>* saved_;
};

std::string type_names(uint8_t t) {
  static constexpr std::pair<uint8_t, const char*> kNames[] = {
      {schema_internal::kTNull, "null"},     {schema_internal::kTBool, "boolean"},
      {schema_internal::kTObject, "object"}, {schema_internal::kTArray, "array"},
      {schema_internal::kTNumber, "number"}, {schema_internal::kTString, "string"},
      {schema_internal::kTInteger, "integer"}};
  std::string s;
  for (const auto& [bit, name] : kNames) {
    if (t & bit) s += (s.empty() ? "" : " or ") + std::string(name);
  }
  return s;
}

const char* kind_name(JsonKind k) {
  switch (k) {
    case JsonKind::kNull: return "null";
    case JsonKind::kBool: return "boolean";
    case JsonKind::kNumber: return "number";
    case JsonKind::kString: return "string";
    case JsonKind::kArray: return "array";
    case JsonKind::kObject: return "object";
    case JsonKind::kOther: return "binary";
  }
  return "?";
}

std::string num_text(const msgpack::object& o) { return json_describe(o); }

class Validator {
 public:
  explicit Validator(const Schema::Impl& impl) : impl_(impl) {}

  bool check(int idx, const msgpack::object& v, Ctx& c) const {
    const Node& n = impl_.nodes[static_cast<size_t>(idx)];
    if (n.kind == Node::Kind::kTrue) return true;
    if (n.kind == Node::Kind::kFalse) {
      if (c.errors) c.errors->push_back({c.path, "no value is allowed here", "false", ""});
      return false;
    }
    if (c.depth >= kMaxValidationDepth) {
      if (c.errors) {
        c.errors->push_back({c.path, "schema: validation nested too deeply (a $ref loop?)", "depth", ""});
      }
      return false;
    }
    ++c.depth;
    const bool ok = n.is_ref ? check(n.ref, v, c) : check_keywords(n, v, c);
    --c.depth;
    return ok;
  }

 private:
  void report(Ctx& c, const Node& n, std::string_view kw, const std::string& generic) const {
    for (const auto& [k, m] : n.messages) {
      if (k == kw) {
        c.errors->push_back({c.path, std::string(m), std::string(kw), ""});
        return;
      }
    }
    c.errors->push_back({c.path, generic, std::string(kw), ""});
  }
  bool custom(const Node& n, std::string_view kw, std::string_view* out) const {
    for (const auto& [k, m] : n.messages) {
      if (k == kw) { *out = m; return true; }
    }
    return false;
  }

#define RELAIS_SCHEMA_FAIL(kw, msg)   \
  do {                                \
    ok = false;                       \
    if (!c.errors) return false;      \
    report(c, n, kw, msg);            \
  } while (0)

  bool check_keywords(const Node& n, const msgpack::object& v, Ctx& c) const {
    bool ok = true;
    const JsonKind kind = json_kind(v);

    if (n.types) {
      uint8_t bit = 0;
      switch (kind) {
        case JsonKind::kNull: bit = schema_internal::kTNull; break;
        case JsonKind::kBool: bit = schema_internal::kTBool; break;
        case JsonKind::kNumber: bit = schema_internal::kTNumber; break;
        case JsonKind::kString: bit = schema_internal::kTString; break;
        case JsonKind::kArray: bit = schema_internal::kTArray; break;
        case JsonKind::kObject: bit = schema_internal::kTObject; break;
        case JsonKind::kOther: break;
      }
      const bool match = (n.types & bit) ||
                         ((n.types & schema_internal::kTInteger) && json_is_integer(v));
      if (!match) {
        RELAIS_SCHEMA_FAIL("type", "must be " + type_names(n.types) + ", not " + kind_name(kind));
        return false;  // other keywords would only repeat the type error
      }
    }
    if (n.enum_values) {
      bool found = false;
      for (uint32_t i = 0; i < n.enum_values->via.array.size && !found; ++i) {
        found = json_equal(v, n.enum_values->via.array.ptr[i]);
      }
      if (!found) {
        std::string list;
        if (c.errors) {
          for (uint32_t i = 0; i < n.enum_values->via.array.size; ++i) {
            list += (i ? ", " : "") + json_describe(n.enum_values->via.array.ptr[i]);
          }
        }
        RELAIS_SCHEMA_FAIL("enum", "must be one of " + list);
      }
    }
    if (n.const_value && !json_equal(v, *n.const_value)) {
      RELAIS_SCHEMA_FAIL("const", "must equal " + json_describe(*n.const_value));
    }

    switch (kind) {
      case JsonKind::kString: ok = check_string(n, v, c) && ok; break;
      case JsonKind::kNumber: ok = check_number(n, v, c) && ok; break;
      case JsonKind::kObject: ok = check_object(n, v, c) && ok; break;
      case JsonKind::kArray: ok = check_array(n, v, c) && ok; break;
      default: break;
    }
    if (!ok && !c.errors) return false;

    for (int s : n.all_of) {
      if (!check(s, v, c)) {
        ok = false;
        if (!c.errors) return false;
      }
    }
    if (!n.any_of.empty()) {
      bool any = false;
      {
        Probe p(c);
        for (int s : n.any_of) {
          if (check(s, v, c)) { any = true; break; }
        }
      }
      if (!any) RELAIS_SCHEMA_FAIL("anyOf", "must match at least one of the anyOf alternatives");
    }
    if (!n.one_of.empty()) {
      int matches = 0;
      {
        Probe p(c);
        for (int s : n.one_of) {
          if (check(s, v, c) && ++matches > 1) break;
        }
      }
      if (matches != 1) {
        RELAIS_SCHEMA_FAIL("oneOf", matches == 0
                                        ? std::string("must match exactly one oneOf alternative (matches none)")
                                        : std::string("must match exactly one oneOf alternative (matches several)"));
      }
    }
    if (n.not_ >= 0) {
      bool matched;
      {
        Probe p(c);
        matched = check(n.not_, v, c);
      }
      if (matched) RELAIS_SCHEMA_FAIL("not", "must not match the \"not\" schema");
    }
    if (n.if_ >= 0) {
      bool cond;
      {
        Probe p(c);
        cond = check(n.if_, v, c);
      }
      const int branch = cond ? n.then_ : n.else_;
      if (branch >= 0 && !check(branch, v, c)) {
        ok = false;
        if (!c.errors) return false;
      }
    }
    return ok;
  }

  bool check_string(const Node& n, const msgpack::object& v, Ctx& c) const {
    bool ok = true;
    const std::string_view s = json_str(v);
    if (n.min_len >= 0 || n.max_len >= 0) {
      const size_t len = utf8_length(s);
      if (n.min_len >= 0 && len < static_cast<size_t>(n.min_len)) {
        RELAIS_SCHEMA_FAIL("minLength", n.min_len == 1 ? std::string("must not be empty")
                                                       : "must be at least " + std::to_string(n.min_len) + " characters");
      }
      if (n.max_len >= 0 && len > static_cast<size_t>(n.max_len)) {
        RELAIS_SCHEMA_FAIL("maxLength", "must be at most " + std::to_string(n.max_len) + " characters");
      }
    }
    if (n.pattern) {
      const Regex::Outcome m = n.pattern->search(s, c.md);
      if (m == Regex::Outcome::kNoMatch) {
        RELAIS_SCHEMA_FAIL("pattern", "must match pattern " + n.pattern->source());
      } else if (m == Regex::Outcome::kLimit) {
        RELAIS_SCHEMA_FAIL("pattern", "pattern " + n.pattern->source() + " hit its matching limit on this value");
      }
    }
    switch (n.format) {
      case Fmt::kNone: break;
      case Fmt::kDate:
        if (!is_rfc3339_date(s)) RELAIS_SCHEMA_FAIL("format", "must be a date (YYYY-MM-DD, RFC 3339)");
        break;
      case Fmt::kDateTime:
        if (!is_rfc3339_date_time(s)) {
          RELAIS_SCHEMA_FAIL("format", "must be a date-time (RFC 3339, e.g. 2025-03-01T14:30:00Z)");
        }
        break;
      case Fmt::kTime:
        if (!is_rfc3339_time(s)) RELAIS_SCHEMA_FAIL("format", "must be a time (RFC 3339, e.g. 14:30:00Z)");
        break;
    }
    return ok;
  }

  bool check_number(const Node& n, const msgpack::object& v, Ctx& c) const {
    bool ok = true;
    if (n.minimum && json_compare_numbers(v, *n.minimum) < 0) {
      RELAIS_SCHEMA_FAIL("minimum", "must be >= " + num_text(*n.minimum));
    }
    if (n.maximum && json_compare_numbers(v, *n.maximum) > 0) {
      RELAIS_SCHEMA_FAIL("maximum", "must be <= " + num_text(*n.maximum));
    }
    if (n.ex_min && json_compare_numbers(v, *n.ex_min) <= 0) {
      RELAIS_SCHEMA_FAIL("exclusiveMinimum", "must be > " + num_text(*n.ex_min));
    }
    if (n.ex_max && json_compare_numbers(v, *n.ex_max) >= 0) {
      RELAIS_SCHEMA_FAIL("exclusiveMaximum", "must be < " + num_text(*n.ex_max));
    }
    if (n.multiple_of && !json_is_multiple_of(v, *n.multiple_of)) {
      RELAIS_SCHEMA_FAIL("multipleOf", "must be a multiple of " + num_text(*n.multiple_of));
    }
    return ok;
  }

  bool check_object(const Node& n, const msgpack::object& v, Ctx& c) const {
    bool ok = true;
    const auto& m = v.via.map;
    for (std::string_view name : n.required) {
      bool present = false;
      for (uint32_t i = 0; i < m.size && !present; ++i) present = json_str(m.ptr[i].key) == name;
      if (!present) {
        ok = false;
        if (!c.errors) return false;
        std::string_view msg;
        if (custom(n, "required", &msg)) {
          PathPush pp(c, name);
          c.errors->push_back({c.path, std::string(msg), "required", std::string(name)});
        } else {
          c.errors->push_back({c.path, "missing required property \"" + std::string(name) + "\"", "required", std::string(name)});
        }
      }
    }
    if (n.min_props >= 0 && m.size < static_cast<uint64_t>(n.min_props)) {
      RELAIS_SCHEMA_FAIL("minProperties", "must have at least " + std::to_string(n.min_props) + " properties");
    }
    if (n.max_props >= 0 && m.size > static_cast<uint64_t>(n.max_props)) {
      RELAIS_SCHEMA_FAIL("maxProperties", "must have at most " + std::to_string(n.max_props) + " properties");
    }
    const bool per_key = !n.props.empty() || !n.pattern_props.empty() || n.additional_props >= 0 ||
                         n.property_names >= 0;
    for (uint32_t i = 0; per_key && i < m.size; ++i) {
      const msgpack::object& key = m.ptr[i].key;
      const msgpack::object& val = m.ptr[i].val;
      const std::string_view name = json_str(key);
      PathPush pp(c, name);
      bool matched = false;
      auto it = std::lower_bound(n.props.begin(), n.props.end(), name,
                                 [](const auto& a, std::string_view b) { return a.first < b; });
      if (it != n.props.end() && it->first == name) {
        matched = true;
        if (!check(it->second, val, c)) { ok = false; if (!c.errors) return false; }
      }
      for (const auto& [re, s] : n.pattern_props) {
        const Regex::Outcome o = re->search(name, c.md);
        if (o == Regex::Outcome::kLimit) {
          RELAIS_SCHEMA_FAIL("patternProperties", "pattern " + re->source() + " hit its matching limit on this name");
        } else if (o == Regex::Outcome::kMatch) {
          matched = true;
          if (!check(s, val, c)) { ok = false; if (!c.errors) return false; }
        }
      }
      if (!matched && n.additional_props >= 0) {
        const Node& add = impl_.nodes[static_cast<size_t>(n.additional_props)];
        if (add.kind == Node::Kind::kFalse) {
          RELAIS_SCHEMA_FAIL("additionalProperties", "unknown property is not allowed");
        } else if (!check(n.additional_props, val, c)) {
          ok = false;
          if (!c.errors) return false;
        }
      }
      if (n.property_names >= 0) {
        bool good;
        {
          Probe p(c);
          good = check(n.property_names, key, c);
        }
        if (!good) RELAIS_SCHEMA_FAIL("propertyNames", "property name is not allowed by propertyNames");
      }
    }
    for (const Dependency& d : n.deps) {
      bool present = false;
      for (uint32_t i = 0; i < m.size && !present; ++i) present = json_str(m.ptr[i].key) == d.name;
      if (!present) continue;
      for (std::string_view need : d.props) {
        bool has = false;
        for (uint32_t i = 0; i < m.size && !has; ++i) has = json_str(m.ptr[i].key) == need;
        if (!has) {
          RELAIS_SCHEMA_FAIL("dependencies", "property \"" + std::string(d.name) + "\" requires property \"" +
                                                 std::string(need) + "\"");
        }
      }
      if (d.schema >= 0 && !check(d.schema, v, c)) {
        ok = false;
        if (!c.errors) return false;
      }
    }
    return ok;
  }

  bool check_array(const Node& n, const msgpack::object& v, Ctx& c) const {
    bool ok = true;
    const auto& a = v.via.array;
    if (n.min_items >= 0 && a.size < static_cast<uint64_t>(n.min_items)) {
      RELAIS_SCHEMA_FAIL("minItems", n.min_items == 1 ? std::string("must not be empty")
                                                      : "must have at least " + std::to_string(n.min_items) + " items");
    }
    const bool too_many = n.max_items >= 0 && a.size > static_cast<uint64_t>(n.max_items);
    if (too_many) {
      RELAIS_SCHEMA_FAIL("maxItems", "must have at most " + std::to_string(n.max_items) + " items");
    }
    if (n.unique && !too_many && a.size > 1) {
      // Sort by a hash consistent with JSON equality, compare within runs.
      std::vector<std::pair<uint64_t, uint32_t>> h(a.size);
      for (uint32_t i = 0; i < a.size; ++i) h[i] = {json_hash(a.ptr[i]), i};
      std::sort(h.begin(), h.end());
      bool dup = false;
      uint32_t d1 = 0, d2 = 0;
      for (size_t i = 0; i < h.size() && !dup; ++i) {
        for (size_t j = i + 1; j < h.size() && h[j].first == h[i].first && !dup; ++j) {
          if (json_equal(a.ptr[h[i].second], a.ptr[h[j].second])) {
            dup = true;
            d1 = std::min(h[i].second, h[j].second);
            d2 = std::max(h[i].second, h[j].second);
          }
        }
      }
      if (dup) {
        RELAIS_SCHEMA_FAIL("uniqueItems", "items must be unique (items " + std::to_string(d1) + " and " +
                                              std::to_string(d2) + " are equal)");
      }
    }
    if (n.has_tuple) {
      for (uint32_t i = 0; i < a.size; ++i) {
        PathPush pp(c, i);
        if (i < n.tuple.size()) {
          if (!check(n.tuple[i], a.ptr[i], c)) { ok = false; if (!c.errors) return false; }
        } else if (n.additional_items >= 0) {
          if (impl_.nodes[static_cast<size_t>(n.additional_items)].kind == Node::Kind::kFalse) {
            RELAIS_SCHEMA_FAIL("additionalItems", "additional item is not allowed");
            break;
          }
          if (!check(n.additional_items, a.ptr[i], c)) { ok = false; if (!c.errors) return false; }
        } else {
          break;
        }
      }
    } else if (n.items >= 0) {
      for (uint32_t i = 0; i < a.size; ++i) {
        PathPush pp(c, i);
        if (!check(n.items, a.ptr[i], c)) { ok = false; if (!c.errors) return false; }
      }
    }
    if (n.contains >= 0) {
      bool found = false;
      {
        Probe p(c);
        for (uint32_t i = 0; i < a.size && !found; ++i) found = check(n.contains, a.ptr[i], c);
      }
      if (!found) RELAIS_SCHEMA_FAIL("contains", "must contain an item matching \"contains\"");
    }
    return ok;
  }

#undef RELAIS_SCHEMA_FAIL

  const Schema::Impl& impl_;
};

// Documents must be plain JSON: string keys, valid UTF-8, finite numbers, no
// bin/ext. Everything else is reported here, before the schema runs.
void check_json_shape(const msgpack::object& v, std::string& path, int depth,
                      std::vector<ValidationError>* errors) {
  if (depth > 256) {
    errors->push_back({path, "nested too deeply", "document", ""});
    return;
  }
  switch (v.type) {
    case msgpack::type::STR:
      if (!utf8_valid(json_str(v))) errors->push_back({path, "string is not valid UTF-8", "document", ""});
      break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      if (!std::isfinite(v.via.f64)) errors->push_back({path, "number is not finite", "document", ""});
      break;
    case msgpack::type::BIN:
    case msgpack::type::EXT:
      errors->push_back({path, "binary values are not allowed in documents", "document", ""});
      break;
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < v.via.array.size; ++i) {
        const size_t keep = path.size();
        path += "/" + std::to_string(i);
        check_json_shape(v.via.array.ptr[i], path, depth + 1, errors);
        path.resize(keep);
      }
      break;
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < v.via.map.size; ++i) {
        const auto& kv = v.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR || !utf8_valid(json_str(kv.key))) {
          errors->push_back({path, "object keys must be UTF-8 strings", "document", ""});
          continue;
        }
        const size_t keep = path.size();
        path += "/" + json_pointer_escape(json_str(kv.key));
        check_json_shape(kv.val, path, depth + 1, errors);
        path.resize(keep);
      }
      break;
    default:
      break;
  }
}

}  // namespace

std::vector<ValidationError> Schema::validate(const msgpack::object& instance) const {
  std::vector<ValidationError> errors;
  std::string path;
  check_json_shape(instance, path, 0, &errors);
  if (!errors.empty()) return errors;
  Ctx c;
  c.errors = &errors;
  Validator(*impl_).check(impl_->root, instance, c);
  return errors;
}

bool Schema::is_valid(const msgpack::object& instance) const {
  std::vector<ValidationError> errors;
  std::string path;
  check_json_shape(instance, path, 0, &errors);
  if (!errors.empty()) return false;
  Ctx c;
  return Validator(*impl_).check(impl_->root, instance, c);
}

}  // namespace relais
