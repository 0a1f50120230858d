// The schema compiler: a JSON Schema draft-07 document (msgpack) -> the
// compiled nodes of schema_nodes.h (Schema::compile, Schema::compile_json;
// the contract is in validator.h).
//
// Each subschema is compiled once (memoised by address): keyword values are
// checked, patterns compiled, formats looked up; $id bases are registered
// first, so that $ref targets resolve afterwards to node indexes. In strict
// mode unknown keywords, formats and remote references are refused
// (Status::Unsupported); an unresolvable $ref is Status::NotFound. Exceptions
// of the libraries used stop in Schema::compile. Not thread-safe while it
// runs; its output is immutable.
#include <charconv>
#include <string>
#include <unordered_map>
#include <utility>

#include "schema/json_value.h"
#include "schema/regex.h"
#include "schema/schema_nodes.h"
#include "schema/uri.h"
#include "schema/validator.h"
#include "util/json_msgpack.h"

namespace relais {

using schema_internal::Dependency;
using schema_internal::Fmt;
using schema_internal::Node;

namespace {

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

}  // namespace relais
