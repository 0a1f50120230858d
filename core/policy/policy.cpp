// Policy parsing and evaluation. See policy.h for the semantics and
// docs/formats.md for the file format.
#include "policy/policy.h"

#include <algorithm>
#include <optional>
#include <toml++/toml.h>

#include "crypto/uuid.h"
#include "policy/topic.h"
#include "util/toml_reader.h"

namespace relais {
namespace {

constexpr std::string_view kPolicyFormat = "relais-policy/2";
constexpr std::string_view kPolicyFormatV1 = "relais-policy/1";
constexpr std::string_view kPlaceholderToken = "_";

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// A string or an array of strings; reports an error and returns nullopt otherwise.
std::optional<std::vector<std::string>> string_list(const toml::node& n, std::string_view key, TomlReader& reader) {
  std::vector<std::string> out;
  if (const auto* s = n.as_string()) {
    out.push_back(s->get());
    return out;
  }
  if (const auto* a = n.as_array()) {
    for (const auto& item : *a) {
      const auto* s = item.as_string();
      if (s == nullptr) {
        reader.error(line_of(item), "'" + std::string(key) + "' must hold strings");
        return std::nullopt;
      }
      out.push_back(s->get());
    }
    if (out.empty()) {
      reader.error(line_of(n), "'" + std::string(key) + "' is an empty list and would match nothing; remove it");
      return std::nullopt;
    }
    return out;
  }
  reader.error(line_of(n), "'" + std::string(key) + "' must be a string or a list of strings");
  return std::nullopt;
}

// Parses "golfe", "{3}", "{1..}" or "committee.{3}".
std::optional<SelectorValue> parse_selector_value(const std::string& text, std::string& why) {
  SelectorValue v;
  const size_t open = text.find('{');
  const size_t close = text.find('}');
  if (open == std::string::npos && close == std::string::npos) {
    v.prefix = text;
    return v;
  }
  if (open == std::string::npos || close == std::string::npos || close < open ||
      text.find('{', open + 1) != std::string::npos || text.find('}', close + 1) != std::string::npos) {
    why = "bad token reference '" + text + "': use {N} or {N..} once";
    return std::nullopt;
  }
  std::string inner = text.substr(open + 1, close - open - 1);
  if (inner.size() > 2 && inner.ends_with("..")) {
    v.ref_rest = true;
    inner.resize(inner.size() - 2);
  }
  if (inner.empty() || inner.size() > 2 || !std::all_of(inner.begin(), inner.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    why = "bad token reference '" + text + "': use {N} or {N..} with N a token index from 0";
    return std::nullopt;
  }
  v.ref = std::stoi(inner);
  v.prefix = text.substr(0, open);
  v.suffix = text.substr(close + 1);
  return v;
}

// True if token index k exists in every topic matching the pattern.
bool pattern_covers(std::string_view pattern, int k) {
  const auto tokens = split_tokens(pattern);
  if (tokens.back() == ">") return true;
  return static_cast<size_t>(k) < tokens.size();
}

bool valid_versioned_type(std::string_view t) {
  const size_t slash = t.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (i == slash) continue;
    if (i < slash && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    if (i > slash && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::optional<std::string> resolve(const SelectorValue& v, const std::vector<std::string_view>& tokens) {
  if (v.ref < 0) return v.prefix;
  const size_t k = static_cast<size_t>(v.ref);
  if (k >= tokens.size()) return std::nullopt;
  std::string out = v.prefix;
  if (v.ref_rest) {
    for (size_t i = k; i < tokens.size(); ++i) {
      if (i > k) out += '.';
      out += tokens[i];
    }
  } else {
    out += tokens[k];
  }
  out += v.suffix;
  return out;
}

bool selector_matches(const std::vector<SelectorValue>& values, const std::string& field,
                      const std::vector<std::string_view>& tokens) {
  if (values.empty()) return true;
  for (const auto& v : values) {
    auto r = resolve(v, tokens);
    if (r && !field.empty() && *r == field) return true;
  }
  return false;
}

bool rule_selects(const PolicyRule& r, const PublicCard& card, const std::vector<std::string_view>& tokens) {
  if (!r.roles.empty() && std::find(r.roles.begin(), r.roles.end(), card.role) == r.roles.end()) return false;
  return selector_matches(r.names, card.name, tokens) && selector_matches(r.regions, card.region, tokens) &&
         selector_matches(r.prefectures, card.prefecture, tokens);
}

using Tokens = std::vector<std::string>;

Tokens to_tokens(std::string_view s) {
  Tokens out;
  for (auto t : split_tokens(s)) out.emplace_back(t);
  return out;
}

// Unifies two patterns: the pattern matching exactly the topics both match
// (approximately, for two '>' tails of different offsets), or nullopt.
std::optional<Tokens> unify(const Tokens& a, const Tokens& b) {
  Tokens out;
  size_t i = 0, j = 0;
  while (true) {
    if (i == a.size() && j == b.size()) return out;
    if (i == a.size() || j == b.size()) return std::nullopt;
    const std::string& x = a[i];
    const std::string& y = b[j];
    if (x == ">" && y == ">") {
      out.push_back(">");
      return out;
    }
    if (x == ">") {
      out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(j), b.end());
      return out;
    }
    if (y == ">") {
      out.insert(out.end(), a.begin() + static_cast<std::ptrdiff_t>(i), a.end());
      return out;
    }
    if (x == "*") {
      out.push_back(y);
    } else if (y == "*" || x == y) {
      out.push_back(x);
    } else {
      return std::nullopt;
    }
    ++i;
    ++j;
  }
}

// Patterns that bind the tokens a pure reference points at to the card's value.
void binding_patterns(const std::vector<SelectorValue>& values, const std::string& field, std::vector<Tokens>& out) {
  if (field.empty()) return;
  for (const auto& v : values) {
    if (v.ref < 0 || !v.prefix.empty() || !v.suffix.empty()) continue;
    Tokens b(static_cast<size_t>(v.ref), "*");
    if (v.ref_rest) {
      for (auto t : split_tokens(field)) b.emplace_back(t);
      out.push_back(b);
    } else {
      b.push_back(field);
      out.push_back(b);
      b.push_back(">");
      out.push_back(b);
    }
  }
}

}  // namespace

std::optional<int64_t> parse_policy_duration(std::string_view text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  const char unit = text.back();
  int64_t scale = 0;
  switch (unit) {
    case 's': scale = 1000; break;
    case 'm': scale = 60 * 1000; break;
    case 'h': scale = 3600 * 1000; break;
    case 'd': scale = 24 * 3600 * 1000; break;
    default: return std::nullopt;
  }
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  constexpr int64_t kMaxMs = 100LL * 366 * 24 * 3600 * 1000;
  if (n < 1 || n > kMaxMs / scale) return std::nullopt;
  return n * scale;
}

namespace {

// [expiry] / [retention]: each key a versioned type (or "default" when
// allowed), each value a duration.
void parse_duration_table(const toml::node& node, std::string_view section, bool allow_default, TomlReader& reader,
                          std::map<std::string, int64_t, std::less<>>& out) {
  const auto* t = node.as_table();
  if (t == nullptr) {
    reader.error(line_of(node), "'" + std::string(section) + "' must be a table ([" + std::string(section) + "])");
    return;
  }
  for (const auto& [fkey, fnode] : *t) {
    const std::string key(fkey.str());
    if (!valid_versioned_type(key) && !(allow_default && key == "default")) {
      reader.error(line_of(fnode), "bad key '" + key + "' in [" + std::string(section) +
                                       "] (expected a document type and version, e.g. \"alert/1\"" +
                                       (allow_default ? ", or default" : "") + ")");
      continue;
    }
    const auto* v = fnode.as_string();
    std::optional<int64_t> ms = v != nullptr ? parse_policy_duration(v->get()) : std::nullopt;
    if (!ms) {
      reader.error(line_of(fnode), "[" + std::string(section) + "] " + key +
                                       " must be a duration such as \"72h\", \"30d\", \"90m\" or \"45s\"");
      continue;
    }
    out[key] = *ms;
  }
}

void parse_mailbox(const toml::table& t, TomlReader& reader, std::vector<MailboxRule>& out) {
  MailboxRule m;
  m.line = static_cast<int>(t.source().begin.line);
  bool has_topic = false;
  std::string owner_text = "{1..}";
  const toml::node* owner_node = nullptr;
  for (const auto& [fkey, fnode] : t) {
    const std::string_view f = fkey.str();
    if (f == "topic") {
      has_topic = true;
      if (auto v = string_list(fnode, f, reader)) {
        for (const auto& p : *v) {
          Status s = validate_pattern(p);
          if (!s.ok()) reader.error(line_of(fnode), s.message());
          else m.topics.push_back(p);
        }
      }
    } else if (f == "owner") {
      owner_node = &fnode;
      if (const auto* s = fnode.as_string()) owner_text = s->get();
      else reader.error(line_of(fnode), "'owner' must be a string such as \"{1..}\"");
    } else if (f != "comment") {
      reader.error(line_of(fnode), "unknown key '" + std::string(f) + "' in [[mailboxes]] (expected topic, owner, comment)");
    }
  }
  if (!has_topic) reader.error(m.line, "[[mailboxes]] needs a 'topic'");
  const int owner_line = owner_node != nullptr ? line_of(*owner_node) : m.line;
  std::string why;
  auto owner = parse_selector_value(owner_text, why);
  if (!owner) {
    reader.error(owner_line, why);
  } else if (owner->ref < 0) {
    reader.error(owner_line, "'owner' must refer to topic tokens, such as \"{1..}\"");
  } else {
    for (const auto& p : m.topics)
      if (!pattern_covers(p, owner->ref))
        reader.error(owner_line, "bad reference {" + std::to_string(owner->ref) + (owner->ref_rest ? ".." : "") +
                                     "}: topic pattern '" + p + "' has no token " + std::to_string(owner->ref) +
                                     " (tokens count from 0)");
    m.owner = std::move(*owner);
  }
  out.push_back(std::move(m));
}

void parse_erasure_order(const toml::table& t, TomlReader& reader, std::vector<ErasureOrder>& out) {
  ErasureOrder e;
  e.line = static_cast<int>(t.source().begin.line);
  e.number = out.size() + 1;
  for (const auto& [fkey, fnode] : t) {
    const std::string_view f = fkey.str();
    if (f == "case_ref" || f == "order" || f == "id") {
      const auto* s = fnode.as_string();
      if (s == nullptr || s->get().empty()) {
        reader.error(line_of(fnode), "'" + std::string(f) + "' must be a non-empty string");
        continue;
      }
      if (f == "case_ref") {
        e.case_ref = s->get();
      } else if (f == "id") {
        auto id = uuid_from_string(s->get());
        if (!id.ok()) {
          reader.error(line_of(fnode), "'id' must be a message id such as \"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\"");
          continue;
        }
        e.id = uuid_to_string(*id);
      } else {
        e.order = s->get();
      }
    } else if (f == "number") {
      const auto* n = fnode.as_integer();
      if (n == nullptr || n->get() < 1) {
        reader.error(line_of(fnode), "'number' must be a whole number from 1");
        continue;
      }
      e.number = static_cast<uint64_t>(n->get());
    } else if (f != "comment") {
      reader.error(line_of(fnode), "unknown key '" + std::string(f) +
                                       "' in [[erasure_orders]] (expected number, case_ref, id, order, comment)");
    }
  }
  if (e.case_ref.empty() == e.id.empty())
    reader.error(e.line, "[[erasure_orders]] needs a 'case_ref' or an 'id' (one of them, not both)");
  for (const ErasureOrder& o : out)
    if (o.number == e.number)
      reader.error(e.line, "[[erasure_orders]] number " + std::to_string(e.number) + " is already used at line " +
                               std::to_string(o.line) + " (each order needs its own number)");
  out.push_back(std::move(e));
}

}  // namespace

Result<Policy> Policy::parse(std::string_view toml_text, const std::string& origin) {
  TomlReader reader(toml_text, origin, "policy");
  if (!reader.parsed()) return reader.finish(Code::kConfig);
  TomlTable root = reader.root();
  Policy policy;
  const toml::node* format = root.node("format");
  if (format == nullptr) {
    reader.error(1, "missing format = \"" + std::string(kPolicyFormat) + "\"");
  } else if (format->is_string() && format->as_string()->get() == kPolicyFormatV1) {
    reader.error(line_of(*format), "this is a version-1 policy; change this line to format = \"" +
                                       std::string(kPolicyFormat) + "\" (version 2 only adds sections)");
  } else if (!format->is_string() || format->as_string()->get() != kPolicyFormat) {
    reader.error(line_of(*format), "unsupported format; expected \"" + std::string(kPolicyFormat) + "\"");
  }
  for (const std::string& k : root.keys()) {
    const toml::node& node = *root.node(k);
    if (k == "format" || k == "description") continue;
    if (k == "expiry" || k == "retention") {
      parse_duration_table(node, k, k == "retention", reader, k == "expiry" ? policy.expiry_ms_ : policy.retention_ms_);
      continue;
    }
    if (k != "rule" && k != "types" && k != "mailboxes" && k != "erasure_orders") {
      reader.error(line_of(node), "unknown key '" + std::string(k) +
                                      "' (expected format, description, [[rule]], [[types]], [[mailboxes]], "
                                      "[expiry], [retention], [[erasure_orders]])");
      continue;
    }
    const auto* arr = node.as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      reader.error(line_of(node), "'" + std::string(k) + "' must be an array of tables ([[" + std::string(k) + "]])");
      continue;
    }
    for (const auto& item : *arr) {
      const auto& t = *item.as_table();
      const int line = static_cast<int>(t.source().begin.line);
      if (k == "mailboxes") {
        parse_mailbox(t, reader, policy.mailboxes_);
        continue;
      }
      if (k == "erasure_orders") {
        parse_erasure_order(t, reader, policy.erasure_orders_);
        continue;
      }
      if (k == "types") {
        TypeRule tr;
        tr.line = line;
        bool has_topic = false, has_allow = false;
        for (const auto& [fkey, fnode] : t) {
          const std::string_view f = fkey.str();
          if (f == "topic") {
            has_topic = true;
            if (auto v = string_list(fnode, f, reader)) {
              for (const auto& p : *v) {
                Status s = validate_pattern(p);
                if (!s.ok()) reader.error(line_of(fnode), s.message());
                tr.topics.push_back(p);
              }
            }
          } else if (f == "allow") {
            has_allow = true;
            if (auto v = string_list(fnode, f, reader)) {
              for (const auto& ty : *v) {
                if (!valid_versioned_type(ty))
                  reader.error(line_of(fnode), "bad document type '" + ty + "' (expected name/version, e.g. alert/1)");
                tr.types.push_back(ty);
              }
            }
          } else if (f != "comment") {
            reader.error(line_of(fnode), "unknown key '" + std::string(f) + "' in [[types]] (expected topic, allow, comment)");
          }
        }
        if (!has_topic) reader.error(line, "[[types]] needs a 'topic'");
        if (!has_allow) reader.error(line, "[[types]] needs an 'allow' list");
        policy.type_rules_.push_back(std::move(tr));
        continue;
      }
      PolicyRule r;
      r.line = line;
      bool has_topic = false, has_action = false;
      // Deferred until topics are known: references to check against them.
      std::vector<std::pair<const toml::node*, SelectorValue>> refs;
      for (const auto& [fkey, fnode] : t) {
        const std::string_view f = fkey.str();
        if (f == "comment") continue;
        if (f == "effect") {
          const auto* s = fnode.as_string();
          if (s != nullptr && s->get() == "allow") {
            r.deny = false;
          } else if (s != nullptr && s->get() == "deny") {
            r.deny = true;
          } else {
            reader.error(line_of(fnode), "effect must be \"allow\" or \"deny\"");
          }
          continue;
        }
        if (f == "audit") {
          if (const auto* b = fnode.as_boolean()) r.audit = b->get();
          else reader.error(line_of(fnode), "audit must be true or false");
          continue;
        }
        if (f != "topic" && f != "action" && f != "role" && f != "name" && f != "region" && f != "prefecture") {
          reader.error(line_of(fnode), "unknown key '" + std::string(f) +
                                 "' in [[rule]] (expected effect, action, audit, topic, name, role, region, "
                                 "prefecture, comment)");
          continue;
        }
        auto values = string_list(fnode, f, reader);
        if (!values) {
          if (f == "topic") has_topic = true;
          if (f == "action") has_action = true;
          continue;
        }
        if (f == "topic") {
          has_topic = true;
          for (const auto& p : *values) {
            Status s = validate_pattern(p);
            if (!s.ok()) reader.error(line_of(fnode), s.message());
            else r.topics.push_back(p);
          }
        } else if (f == "action") {
          has_action = true;
          for (const auto& a : *values) {
            if (a == "publish") r.publish = true;
            else if (a == "subscribe") r.subscribe = true;
            else reader.error(line_of(fnode), "unknown action '" + a + "' (expected publish or subscribe)");
          }
        } else if (f == "role") {
          for (const auto& name : *values) {
            auto role = parse_role(name);
            if (!role.ok()) reader.error(line_of(fnode), "unknown role '" + name + "'");
            else if (*role == Role::kAuthority)
              reader.error(line_of(fnode), "role 'authority' is never a participant and cannot be granted anything");
            else r.roles.push_back(*role);
          }
        } else {
          auto& list = f == "name" ? r.names : f == "region" ? r.regions : r.prefectures;
          for (const auto& text : *values) {
            std::string why;
            auto v = parse_selector_value(text, why);
            if (!v) {
              reader.error(line_of(fnode), why);
              continue;
            }
            if (v->ref < 0 && ((f == "name" && !is_valid_participant_name(v->prefix)) ||
                               (f != "name" && (v->prefix.empty() || !is_valid_slug(v->prefix))))) {
              reader.error(line_of(fnode), "bad " + std::string(f) + " '" + text + "'");
              continue;
            }
            if (v->ref >= 0) refs.emplace_back(&fnode, *v);
            list.push_back(std::move(*v));
          }
        }
      }
      const bool audit_only = r.audit && !has_action;
      if (audit_only) {
        if (has_topic)
          reader.error(line_of(*t.get("topic")),
                       "'topic' has no use in a rule that only grants audit; remove it, or add an action");
        for (const auto& [n, v] : refs)
          reader.error(line_of(*n), "a token reference needs a topic; a rule that only grants audit has none");
      } else {
        if (!has_topic) reader.error(line, "[[rule]] needs a 'topic'");
        if (!has_action) reader.error(line, "[[rule]] needs an 'action' (publish, subscribe) or audit = true");
      }
      for (const auto& [n, v] : refs) {
        for (const auto& p : r.topics) {
          if (!pattern_covers(p, v.ref)) {
            reader.error(line_of(*n), "bad reference {" + std::to_string(v.ref) + (v.ref_rest ? ".." : "") +
                              "}: topic pattern '" + p + "' has no token " + std::to_string(v.ref) +
                              " (tokens count from 0)");
          }
        }
      }
      policy.rules_.push_back(std::move(r));
    }
  }
  RELAIS_RETURN_IF_ERROR(reader.finish(Code::kConfig));
  return policy;
}

bool Policy::may_audit(const PublicCard& card) const {
  if (card.revoked || card.role == Role::kAuthority) return false;
  const std::vector<std::string_view> no_tokens;
  bool allow = false;
  for (const auto& r : rules_) {
    if (!r.audit || !rule_selects(r, card, no_tokens)) continue;
    if (r.deny) return false;
    allow = true;
  }
  return allow;
}

bool Policy::allowed(const PublicCard& card, std::string_view topic, bool publish) const {
  if (card.revoked || card.role == Role::kAuthority) return false;
  if (!validate_topic(topic).ok()) return false;
  const auto tokens = split_tokens(topic);
  bool allow = false;
  for (const auto& r : rules_) {
    if (!(publish ? r.publish : r.subscribe)) continue;
    if (allow && !r.deny) continue;  // already allowed: only a deny can change the answer
    bool topic_hit = false;
    for (const auto& p : r.topics) topic_hit = topic_hit || pattern_matches(p, topic);
    if (!topic_hit || !rule_selects(r, card, tokens)) continue;
    if (r.deny) return false;
    allow = true;
  }
  return allow;
}

bool Policy::may_publish(const PublicCard& card, std::string_view topic) const { return allowed(card, topic, true); }

bool Policy::may_subscribe(const PublicCard& card, std::string_view topic) const {
  return allowed(card, topic, false);
}

bool Policy::type_allowed(std::string_view topic, std::string_view versioned_type) const {
  for (const auto& tr : type_rules_) {
    bool topic_hit = false;
    for (const auto& p : tr.topics) topic_hit = topic_hit || pattern_matches(p, topic);
    if (!topic_hit) continue;
    for (const auto& t : tr.types)
      if (t == versioned_type) return true;
  }
  return false;
}

std::vector<std::string> Policy::readers(std::string_view topic, const std::vector<PublicCard>& participants) const {
  std::vector<std::string> out;
  for (const auto& c : participants)
    if (may_subscribe(c, topic)) out.push_back(c.name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool Policy::may_subscribe_pattern(const PublicCard& card, std::string_view pattern) const {
  if (card.revoked || card.role == Role::kAuthority) return false;
  if (!validate_pattern(pattern).ok()) return false;
  const Tokens want = to_tokens(pattern);
  for (const auto& r : rules_) {
    if (r.deny || !r.subscribe) continue;
    std::vector<Tokens> bindings;
    binding_patterns(r.names, card.name, bindings);
    binding_patterns(r.regions, card.region, bindings);
    binding_patterns(r.prefectures, card.prefecture, bindings);
    for (const auto& p : r.topics) {
      std::vector<Tokens> shapes{to_tokens(p)};
      for (const auto& b : bindings) {
        const size_t n = shapes.size();
        for (size_t i = 0; i < n; ++i)
          if (auto u = unify(shapes[i], b)) shapes.push_back(std::move(*u));
      }
      for (const auto& shape : shapes) {
        auto u = unify(want, shape);
        if (!u) continue;
        std::string topic;
        for (const auto& t : *u) {
          if (!topic.empty()) topic += '.';
          topic += (t == "*" || t == ">") ? std::string(kPlaceholderToken) : t;
        }
        if (pattern_matches(pattern, topic) && may_subscribe(card, topic)) return true;
      }
    }
  }
  return false;
}

std::vector<std::string> Policy::describe() const {
  std::vector<std::string> out;
  auto join_values = [](const std::vector<SelectorValue>& vs) {
    std::string s;
    for (const auto& v : vs) {
      if (!s.empty()) s += ',';
      s += v.prefix;
      if (v.ref >= 0) s += "{" + std::to_string(v.ref) + (v.ref_rest ? "..}" : "}") + v.suffix;
    }
    return s;
  };
  for (const auto& r : rules_) {
    std::string line = r.deny ? "deny  " : "allow ";
    std::string actions;
    for (auto [on, name] : {std::pair<bool, const char*>{r.publish, "publish"}, {r.subscribe, "subscribe"},
                            {r.audit, "audit"}})
      if (on) actions += (actions.empty() ? "" : ",") + std::string(name);
    line += actions;
    if (!r.topics.empty()) line += " on";
    for (const auto& t : r.topics) line += " " + t;
    line += " to";
    bool any = true;
    if (!r.roles.empty()) {
      line += " role=";
      for (size_t i = 0; i < r.roles.size(); ++i) line += (i ? "," : "") + std::string(role_name(r.roles[i]));
      any = false;
    }
    if (!r.names.empty()) { line += " name=" + join_values(r.names); any = false; }
    if (!r.regions.empty()) { line += " region=" + join_values(r.regions); any = false; }
    if (!r.prefectures.empty()) { line += " prefecture=" + join_values(r.prefectures); any = false; }
    if (any) line += " everyone";
    out.push_back(line);
  }
  for (const auto& tr : type_rules_) {
    std::string line = "types";
    for (const auto& t : tr.topics) line += " " + t;
    line += " allow";
    for (const auto& t : tr.types) line += " " + t;
    out.push_back(line);
  }
  for (const auto& m : mailboxes_) {
    std::string line = "mailbox";
    for (const auto& t : m.topics) line += " " + t;
    line += " owner={" + std::to_string(m.owner.ref) + (m.owner.ref_rest ? "..}" : "}");
    out.push_back(line);
  }
  auto duration = [](int64_t ms) {
    for (auto [unit, scale] : {std::pair<const char*, int64_t>{"d", 86400000}, {"h", 3600000}, {"m", 60000}})
      if (ms % scale == 0) return std::to_string(ms / scale) + unit;
    return std::to_string(ms / 1000) + "s";
  };
  for (const auto& [type, ms] : expiry_ms_) out.push_back("expiry " + type + " " + duration(ms));
  for (const auto& [type, ms] : retention_ms_) out.push_back("retention " + type + " " + duration(ms));
  for (const auto& e : erasure_orders_)
    out.push_back("erasure order " + std::to_string(e.number) + " for " +
                  (e.id.empty() ? "case " + e.case_ref : "message " + e.id) + (e.order.empty() ? "" : " (" + e.order + ")"));
  return out;
}

std::optional<int64_t> Policy::retention_for(std::string_view versioned_type) const {
  if (auto it = retention_ms_.find(versioned_type); it != retention_ms_.end()) return it->second;
  if (auto it = retention_ms_.find("default"); it != retention_ms_.end()) return it->second;
  return std::nullopt;
}

const ErasureOrder* Policy::erasure_order(uint64_t number) const {
  for (const ErasureOrder& e : erasure_orders_)
    if (e.number == number) return &e;
  return nullptr;
}

std::string Policy::mailbox_owner(std::string_view topic) const {
  const std::vector<std::string_view> tokens = split_tokens(topic);
  for (const MailboxRule& rule : mailboxes_) {
    bool covered = false;
    for (const std::string& p : rule.topics) covered = covered || pattern_matches(p, topic);
    if (!covered) continue;
    if (rule.owner.ref < 0) continue;  // the parser requires a reference; never a fixed owner
    if (auto owner = resolve(rule.owner, tokens)) return *owner;
  }
  return {};
}

}  // namespace relais
