#include "schema/validator.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <unordered_map>
#include <utility>

#include "schema/format.h"
#include "schema/json_value.h"
#include "schema/regex.h"
#include "schema/uri.h"
#include "util/json_msgpack.h"

namespace relais {
namespace schema_internal {

enum TypeBit : uint8_t {
  kTNull = 1, kTBool = 2, kTObject = 4, kTArray = 8, kTNumber = 16, kTString = 32, kTInteger = 64
};
enum class Fmt : uint8_t { kNone, kDate, kDateTime, kTime };

struct Dependency {
  std::string_view name;
  std::vector<std::string_view> props;
  int schema = -1;
};

// One compiled subschema. Child schemas are indexes into Impl::nodes; values
// (enum, const, numbers, names) point into the schema document's zone.
struct Node {
  enum class Kind : uint8_t { kTrue, kFalse, kSchema };
  Kind kind = Kind::kSchema;
  bool is_ref = false;
  int ref = -1;
  uint8_t types = 0;
  const msgpack::object* enum_values = nullptr;
  const msgpack::object* const_value = nullptr;
  std::vector<std::pair<std::string_view, int>> props;  // sorted by name
  std::vector<std::pair<std::shared_ptr<const Regex>, int>> pattern_props;
  int additional_props = -1;
  std::vector<std::string_view> required;
  int items = -1;
  bool has_tuple = false;
  std::vector<int> tuple;
  int additional_items = -1;
  int contains = -1;
  int64_t min_items = -1, max_items = -1, min_len = -1, max_len = -1, min_props = -1,
          max_props = -1;
  bool unique = false;
  std::shared_ptr<const Regex> pattern;
  const msgpack::object* minimum = nullptr;
  const msgpack::object* maximum = nullptr;
  const msgpack::object* ex_min = nullptr;
  const msgpack::object* ex_max = nullptr;
  const msgpack::object* multiple_of = nullptr;
  Fmt format = Fmt::kNone;
  std::vector<int> all_of, any_of, one_of;
  int not_ = -1, if_ = -1, then_ = -1, else_ = -1;
  std::vector<Dependency> deps;
  int property_names = -1;
  std::vector<std::pair<std::string_view, std::string_view>> messages;  // errorMessage
};

}  // namespace schema_internal

using schema_internal::Dependency;
using schema_internal::Fmt;
using schema_internal::Node;

struct Schema::Impl {
  msgpack::object_handle doc;
  std::deque<Node> nodes;  // deque: references stay valid while compiling
  int root = 0;
};

std::string ValidationError::to_string() const {
  return (pointer.empty() ? std::string("(root)") : pointer) + ": " + message;
}

namespace {

constexpr int kMaxValidationDepth = 200;
constexpr const char* kDraft07 = "http://json-schema.org/draft-07/schema";

const msgpack::object* map_get(const msgpack::object& map, std::string_view key) {
  if (map.type != msgpack::type::MAP) return nullptr;
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR && json_str(kv.key) == key) return &kv.val;
  }
  return nullptr;
}

bool is_schema_value(const msgpack::object& o) {
  return o.type == msgpack::type::MAP || o.type == msgpack::type::BOOLEAN;
}

bool non_negative_int(const msgpack::object& o, int64_t* out) {
  if (!json_is_integer(o)) return false;
  const long double v = json_number(o);
  if (v < 0 || v > 9.0e18L) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// ---------------------------------------------------------------------------
class Compiler {
 public:
  Compiler(Schema::Impl& impl, SchemaMode mode) : impl_(impl), strict_(mode == SchemaMode::kStrict) {}

  Status run() {
    const msgpack::object& root = impl_.doc.get();
    resources_[""] = &root;
    RELAIS_RETURN_IF_ERROR(walk(root, "", 0));
    auto r = compile(root, "", "#");
    if (!r.ok()) return r.status();
    impl_.root = *r;
    return resolve_refs();
  }

 private:
  static constexpr const char* kSingle[] = {"additionalItems", "additionalProperties", "contains",
                                            "propertyNames", "if", "then", "else", "not", "items"};
  static constexpr const char* kArrays[] = {"allOf", "anyOf", "oneOf", "items"};
  static constexpr const char* kMaps[] = {"properties", "patternProperties", "definitions",
                                          "dependencies"};

  // The base URI in effect inside schema object o (registers its $id).
  std::string base_for(const msgpack::object& o, const std::string& parent_base) {
    const msgpack::object* id = map_get(o, "$id");
    if (!id || id->type != msgpack::type::STR || map_get(o, "$ref")) return parent_base;
    const std::string full = uri_resolve(parent_base, json_str(*id));
    auto [without, frag] = uri_split_fragment(full);
    if (!frag.empty()) anchors_.emplace(without + "#" + frag, &o);
    if (json_str(*id).substr(0, 1) != "#") resources_.emplace(without, &o);
    return without;
  }

  Status walk(const msgpack::object& o, const std::string& parent_base, int depth) {
    if (depth > 100) return Status::Invalid("schema: nested too deeply");
    if (o.type != msgpack::type::MAP) return Status::Ok();
    const std::string base = base_for(o, parent_base);
    walked_base_.emplace(&o, base);
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) continue;
      const std::string_view k = json_str(kv.key);
      for (const char* s : kSingle) {
        if (k == s) RELAIS_RETURN_IF_ERROR(walk(kv.val, base, depth + 1));
      }
      for (const char* s : kArrays) {
        if (k == s && kv.val.type == msgpack::type::ARRAY) {
          for (uint32_t j = 0; j < kv.val.via.array.size; ++j) {
            RELAIS_RETURN_IF_ERROR(walk(kv.val.via.array.ptr[j], base, depth + 1));
          }
        }
      }
      for (const char* s : kMaps) {
        if (k == s && kv.val.type == msgpack::type::MAP) {
          for (uint32_t j = 0; j < kv.val.via.map.size; ++j) {
            RELAIS_RETURN_IF_ERROR(walk(kv.val.via.map.ptr[j].val, base, depth + 1));
          }
        }
      }
    }
    return Status::Ok();
  }

  static Status bad(const std::string& where, std::string_view key, std::string_view what) {
    return Status::Invalid("schema: \"" + std::string(key) + "\" " + std::string(what) + " at " + where);
  }

  Result<int> sub(const msgpack::object& o, const std::string& base, const std::string& where) {
    if (!is_schema_value(o)) {
      return Status::Invalid("schema: a schema must be an object or a boolean at " + where);
    }
    return compile(o, base, where);
  }

  Status sub_into(int* slot, const msgpack::object& o, const std::string& base, const std::string& where) {
    auto r = sub(o, base, where);
    if (!r.ok()) return r.status();
    *slot = *r;
    return Status::Ok();
  }

  Status sub_list(std::vector<int>* out, const msgpack::object& o, const std::string& base,
                  const std::string& where, std::string_view key, bool non_empty) {
    if (o.type != msgpack::type::ARRAY || (non_empty && o.via.array.size == 0)) {
      return bad(where, key, "must be a non-empty array of schemas");
    }
    for (uint32_t j = 0; j < o.via.array.size; ++j) {
      auto r = sub(o.via.array.ptr[j], base, where + "/" + std::to_string(j));
      if (!r.ok()) return r.status();
      out->push_back(*r);
    }
    return Status::Ok();
  }

  Result<int> compile(const msgpack::object& o, const std::string& parent_base, const std::string& where) {
    if (auto it = memo_.find(&o); it != memo_.end()) return it->second;
    const int idx = static_cast<int>(impl_.nodes.size());
    impl_.nodes.emplace_back();
    memo_.emplace(&o, idx);
    Node& n = impl_.nodes.back();
    if (o.type == msgpack::type::BOOLEAN) {
      n.kind = o.via.boolean ? Node::Kind::kTrue : Node::Kind::kFalse;
      return idx;
    }
    if (o.type != msgpack::type::MAP) {
      return Status::Invalid("schema: a schema must be an object or a boolean at " + where);
    }
    auto wit = walked_base_.find(&o);
    const std::string base = wit != walked_base_.end() ? wit->second : base_for(o, parent_base);

    if (const msgpack::object* ref = map_get(o, "$ref")) {
      if (ref->type != msgpack::type::STR) return bad(where, "$ref", "must be a string");
      n.is_ref = true;
      pending_.push_back({idx, uri_resolve(base, json_str(*ref)), where});
      if (strict_) {
        for (uint32_t i = 0; i < o.via.map.size; ++i) {
          const std::string_view k = json_str(o.via.map.ptr[i].key);
          if (k != "$ref" && k != "$comment" && k != "description" && k != "title") {
            return Status::Unsupported("schema: keyword \"" + std::string(k) +
                                       "\" beside $ref is ignored by draft-07 at " + where);
          }
        }
      }
      return idx;
    }

    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) {
        return Status::Invalid("schema: keywords must be strings at " + where);
      }
      const std::string_view k = json_str(kv.key);
      const msgpack::object& v = kv.val;
      const std::string at = where + "/" + json_pointer_escape(k);
      if (k == "type") {
        auto one = [&](const msgpack::object& t) -> bool {
          if (t.type != msgpack::type::STR) return false;
          const std::string_view s = json_str(t);
          if (s == "null") n.types |= schema_internal::kTNull;
          else if (s == "boolean") n.types |= schema_internal::kTBool;
          else if (s == "object") n.types |= schema_internal::kTObject;
          else if (s == "array") n.types |= schema_internal::kTArray;
          else if (s == "number") n.types |= schema_internal::kTNumber;
          else if (s == "string") n.types |= schema_internal::kTString;
          else if (s == "integer") n.types |= schema_internal::kTInteger;
          else return false;
          return true;
        };
        bool ok = true;
        if (v.type == msgpack::type::ARRAY) {
          for (uint32_t j = 0; j < v.via.array.size; ++j) ok = ok && one(v.via.array.ptr[j]);
        } else {
          ok = one(v);
        }
        if (!ok || n.types == 0) return bad(where, k, "must name JSON types");
      } else if (k == "enum") {
        if (v.type != msgpack::type::ARRAY) return bad(where, k, "must be an array");
        n.enum_values = &v;
      } else if (k == "const") {
        n.const_value = &v;
      } else if (k == "properties") {
        if (v.type != msgpack::type::MAP) return bad(where, k, "must be an object");
        for (uint32_t j = 0; j < v.via.map.size; ++j) {
          const auto& p = v.via.map.ptr[j];
          auto r = sub(p.val, base, at + "/" + json_pointer_escape(json_str(p.key)));
          if (!r.ok()) return r.status();
          n.props.emplace_back(json_str(p.key), *r);
        }
        std::sort(n.props.begin(), n.props.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
      } else if (k == "patternProperties") {
        if (v.type != msgpack::type::MAP) return bad(where, k, "must be an object");
        for (uint32_t j = 0; j < v.via.map.size; ++j) {
          const auto& p = v.via.map.ptr[j];
          auto re = Regex::compile(json_str(p.key));
          if (!re.ok()) return re.status().with_prefix(at);
          auto r = sub(p.val, base, at + "/" + json_pointer_escape(json_str(p.key)));
          if (!r.ok()) return r.status();
          n.pattern_props.emplace_back(*re, *r);
        }
      } else if (k == "additionalProperties") {
        RELAIS_RETURN_IF_ERROR(sub_into(&n.additional_props, v, base, at));
      } else if (k == "required") {
        if (v.type != msgpack::type::ARRAY) return bad(where, k, "must be an array of strings");
        for (uint32_t j = 0; j < v.via.array.size; ++j) {
          if (v.via.array.ptr[j].type != msgpack::type::STR) return bad(where, k, "must be an array of strings");
          n.required.push_back(json_str(v.via.array.ptr[j]));
        }
      } else if (k == "items") {
        if (v.type == msgpack::type::ARRAY) {
          n.has_tuple = true;
          RELAIS_RETURN_IF_ERROR(sub_list(&n.tuple, v, base, at, k, false));
        } else {
          RELAIS_RETURN_IF_ERROR(sub_into(&n.items, v, base, at));
        }
      } else if (k == "additionalItems") {
        RELAIS_RETURN_IF_ERROR(sub_into(&n.additional_items, v, base, at));
      } else if (k == "contains") {
        RELAIS_RETURN_IF_ERROR(sub_into(&n.contains, v, base, at));
      } else if (k == "minItems" || k == "maxItems" || k == "minLength" || k == "maxLength" ||
                 k == "minProperties" || k == "maxProperties") {
        int64_t x;
        if (!non_negative_int(v, &x)) return bad(where, k, "must be a non-negative integer");
        if (k == "minItems") n.min_items = x;
        else if (k == "maxItems") n.max_items = x;
        else if (k == "minLength") n.min_len = x;
        else if (k == "maxLength") n.max_len = x;
        else if (k == "minProperties") n.min_props = x;
        else n.max_props = x;
      } else if (k == "uniqueItems") {
        if (v.type != msgpack::type::BOOLEAN) return bad(where, k, "must be a boolean");
        n.unique = v.via.boolean;
      } else if (k == "pattern") {
        if (v.type != msgpack::type::STR) return bad(where, k, "must be a string");
        auto re = Regex::compile(json_str(v));
        if (!re.ok()) return re.status().with_prefix(at);
        n.pattern = *re;
      } else if (k == "minimum" || k == "maximum" || k == "exclusiveMinimum" ||
                 k == "exclusiveMaximum" || k == "multipleOf") {
        if (!json_is_number(v)) return bad(where, k, "must be a number");
        if (k == "minimum") n.minimum = &v;
        else if (k == "maximum") n.maximum = &v;
        else if (k == "exclusiveMinimum") n.ex_min = &v;
        else if (k == "exclusiveMaximum") n.ex_max = &v;
        else {
          if (json_number(v) <= 0) return bad(where, k, "must be greater than 0");
          n.multiple_of = &v;
        }
      } else if (k == "format") {
        if (v.type != msgpack::type::STR) return bad(where, k, "must be a string");
        const std::string_view f = json_str(v);
        if (f == "date") n.format = Fmt::kDate;
        else if (f == "date-time") n.format = Fmt::kDateTime;
        else if (f == "time") n.format = Fmt::kTime;
        else if (strict_) {
          return Status::Unsupported("schema: unsupported format \"" + std::string(f) + "\" at " + where);
        }
      } else if (k == "allOf") {
        RELAIS_RETURN_IF_ERROR(sub_list(&n.all_of, v, base, at, k, true));
      } else if (k == "anyOf") {
        RELAIS_RETURN_IF_ERROR(sub_list(&n.any_of, v, base, at, k, true));
      } else if (k == "oneOf") {
        RELAIS_RETURN_IF_ERROR(sub_list(&n.one_of, v, base, at, k, true));
      } else if (k == "not") {
        RELAIS_RETURN_IF_ERROR(sub_into(&n.not_, v, base, at));
      } else if (k == "if") {
        RELAIS_RETURN_IF_ERROR(sub_into(&n.if_, v, base, at));
      } else if (k == "then") {
        RELAIS_RETURN_IF_ERROR(sub_into(&n.then_, v, base, at));
      } else if (k == "else") {
        RELAIS_RETURN_IF_ERROR(sub_into(&n.else_, v, base, at));
      } else if (k == "dependencies") {
        if (v.type != msgpack::type::MAP) return bad(where, k, "must be an object");
        for (uint32_t j = 0; j < v.via.map.size; ++j) {
          const auto& p = v.via.map.ptr[j];
          Dependency d;
          d.name = json_str(p.key);
          if (p.val.type == msgpack::type::ARRAY) {
            for (uint32_t q = 0; q < p.val.via.array.size; ++q) {
              if (p.val.via.array.ptr[q].type != msgpack::type::STR) {
                return bad(where, k, "must list property names");
              }
              d.props.push_back(json_str(p.val.via.array.ptr[q]));
            }
          } else {
            RELAIS_RETURN_IF_ERROR(sub_into(&d.schema, p.val, base, at + "/" + json_pointer_escape(d.name)));
          }
          n.deps.push_back(std::move(d));
        }
      } else if (k == "propertyNames") {
        RELAIS_RETURN_IF_ERROR(sub_into(&n.property_names, v, base, at));
      } else if (k == "errorMessage") {
        if (v.type != msgpack::type::MAP) return bad(where, k, "must map keywords to messages");
        for (uint32_t j = 0; j < v.via.map.size; ++j) {
          const auto& p = v.via.map.ptr[j];
          if (p.val.type != msgpack::type::STR) return bad(where, k, "must map keywords to messages");
          n.messages.emplace_back(json_str(p.key), json_str(p.val));
        }
      } else if (k == "definitions") {
        if (v.type != msgpack::type::MAP) return bad(where, k, "must be an object");
        if (strict_) {  // check every definition at load, even unused ones
          for (uint32_t j = 0; j < v.via.map.size; ++j) {
            const auto& p = v.via.map.ptr[j];
            auto r = sub(p.val, base, at + "/" + json_pointer_escape(json_str(p.key)));
            if (!r.ok()) return r.status();
          }
        }
      } else if (k == "$schema") {
        if (strict_) {
          const std::string_view s = v.type == msgpack::type::STR ? json_str(v) : std::string_view();
          if (s != kDraft07 && s != std::string(kDraft07) + "#") {
            return Status::Unsupported("schema: only draft-07 schemas are supported at " + where);
          }
        }
      } else if (k == "$id" || k == "$comment" || k == "title" || k == "description" ||
                 k == "default" || k == "examples" || k == "readOnly" || k == "writeOnly") {
        // annotations
      } else if (strict_) {
        return Status::Unsupported("schema: unsupported keyword \"" + std::string(k) + "\" at " + where);
      }
    }
    return idx;
  }

  Status resolve_refs() {
    for (size_t i = 0; i < pending_.size(); ++i) {
      const PendingRef p = pending_[i];  // copy: compile() may grow pending_
      auto [without, frag] = uri_split_fragment(p.uri);
      const msgpack::object* target = nullptr;
      std::string parent_base;
      if (frag.empty() || frag[0] == '/') {
        auto it = resources_.find(without);
        if (it == resources_.end()) {
          return Status::NotFound("schema: cannot resolve $ref \"" + p.uri + "\" at " + p.where +
                                  " (only references inside the document are supported)");
        }
        auto tokens = json_pointer_tokens(frag);
        if (!tokens) return Status::Invalid("schema: malformed $ref \"" + p.uri + "\" at " + p.where);
        const msgpack::object* cur = it->second;
        parent_base = walked_base_.count(cur) ? walked_base_[cur] : without;
        std::string cur_base = parent_base;
        for (const std::string& tok : *tokens) {
          const msgpack::object* next = nullptr;
          if (cur->type == msgpack::type::MAP) {
            next = map_get(*cur, tok);
          } else if (cur->type == msgpack::type::ARRAY) {
            uint32_t index = 0;
            auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), index);
            if (ec == std::errc() && ptr == tok.data() + tok.size() && !tok.empty() &&
                (tok == "0" || tok[0] != '0') && index < cur->via.array.size) {
              next = &cur->via.array.ptr[index];
            }
          }
          if (!next) {
            return Status::NotFound("schema: $ref \"" + p.uri + "\" at " + p.where +
                                    " points to nothing");
          }
          parent_base = cur_base;
          auto w = walked_base_.find(next);
          cur_base = w != walked_base_.end() ? w->second
                     : next->type == msgpack::type::MAP ? base_for(*next, cur_base) : cur_base;
          cur = next;
        }
        target = cur;
      } else {
        auto it = anchors_.find(p.uri);
        if (it == anchors_.end()) {
          return Status::NotFound("schema: cannot resolve $ref \"" + p.uri + "\" at " + p.where);
        }
        target = it->second;
        auto w = walked_base_.find(target);
        parent_base = w != walked_base_.end() ? w->second : without;
      }
      auto r = sub(*target, parent_base, "#" + frag);
      if (!r.ok()) return r.status();
      impl_.nodes[static_cast<size_t>(p.node)].ref = *r;
    }
    return Status::Ok();
  }

  struct PendingRef {
    int node;
    std::string uri;
    std::string where;
  };

  Schema::Impl& impl_;
  bool strict_;
  std::unordered_map<std::string, const msgpack::object*> resources_;
  std::unordered_map<std::string, const msgpack::object*> anchors_;
  std::unordered_map<const msgpack::object*, std::string> walked_base_;
  std::unordered_map<const msgpack::object*, int> memo_;
  std::vector<PendingRef> pending_;
};

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
      if (c.errors) c.errors->push_back({c.path, "no value is allowed here"});
      return false;
    }
    if (c.depth >= kMaxValidationDepth) {
      if (c.errors) {
        c.errors->push_back({c.path, "schema: validation nested too deeply (a $ref loop?)"});
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
        c.errors->push_back({c.path, std::string(m)});
        return;
      }
    }
    c.errors->push_back({c.path, generic});
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
          c.errors->push_back({c.path, std::string(msg)});
        } else {
          c.errors->push_back({c.path, "missing required property \"" + std::string(name) + "\""});
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
    errors->push_back({path, "nested too deeply"});
    return;
  }
  switch (v.type) {
    case msgpack::type::STR:
      if (!utf8_valid(json_str(v))) errors->push_back({path, "string is not valid UTF-8"});
      break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      if (!std::isfinite(v.via.f64)) errors->push_back({path, "number is not finite"});
      break;
    case msgpack::type::BIN:
    case msgpack::type::EXT:
      errors->push_back({path, "binary values are not allowed in documents"});
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
          errors->push_back({path, "object keys must be UTF-8 strings"});
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

Result<Schema> Schema::compile(msgpack::object_handle doc, SchemaMode mode) {
  auto impl = std::make_shared<Impl>();
  impl->doc = std::move(doc);
  try {
    Compiler compiler(*impl, mode);
    RELAIS_RETURN_IF_ERROR(compiler.run());
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("schema: ") + e.what());
  }
  return Schema(std::shared_ptr<const Impl>(std::move(impl)));
}

Result<Schema> Schema::compile_json(std::string_view json_text, SchemaMode mode) {
  auto bytes = json_to_msgpack(json_text);
  if (!bytes.ok()) return bytes.status().with_prefix("schema");
  auto oh = unpack_document(*bytes);
  if (!oh.ok()) return oh.status().with_prefix("schema");
  return compile(std::move(*oh), mode);
}

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
