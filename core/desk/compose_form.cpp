#include "desk/compose_form.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>

#include "schema/embedded_schemas.h"
#include "schema/registry.h"
#include "util/json_msgpack.h"

namespace relais::desk {
namespace {

using ojson = nlohmann::ordered_json;

// How many rows the form offers for a table (an array of objects).
int rows_for(const std::string& pointer) { return pointer == "/victims" ? 4 : 2; }

// Fields the desk fills itself: the sender, and what an answer takes from
// the message it answers (service/reply.h); the list of attachments is the
// agent's (from the uploaded files).
bool filled_by_desk(const std::string& type, const std::string& pointer) {
  if (pointer == "/attachments") return true;  // the agent lists the uploaded files
  if (type == "referral") return pointer == "/from_org";
  if (type == "referral-response") return pointer == "/referral_id" || pointer == "/responded_at";
  if (type == "case-update") return pointer == "/case_ref";
  return false;
}

struct Builder {
  const ojson& root;
  ComposeForm& form;

  const ojson& resolve(const ojson& node, int depth = 0) const {
    if (depth < 16 && node.is_object() && node.contains("$ref") && node["$ref"].is_string()) {
      const std::string ref = node["$ref"].get<std::string>();
      const std::string prefix = "#/definitions/";
      if (ref.rfind(prefix, 0) == 0 && root.contains("definitions") &&
          root["definitions"].contains(ref.substr(prefix.size())))
        return resolve(root["definitions"][ref.substr(prefix.size())], depth + 1);
    }
    return node;
  }

  static std::string text_of(const ojson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

  void object(const ojson& node, const std::string& pointer, const std::string& key, std::vector<std::string> groups) {
    std::vector<std::string> required;
    if (node.contains("required") && node["required"].is_array())
      for (const auto& r : node["required"]) required.push_back(r.get<std::string>());
    if (!node.contains("properties")) return;
    for (auto it = node["properties"].begin(); it != node["properties"].end(); ++it) {
      const bool req = std::find(required.begin(), required.end(), it.key()) != required.end();
      value(it.value(), pointer + "/" + it.key(), key + "/" + it.key(), it.key(), req, groups);
    }
  }

  void value(const ojson& raw, const std::string& pointer, const std::string& key, const std::string& name, bool required,
             const std::vector<std::string>& groups) {
    if (filled_by_desk(form.type, pointer)) return;
    const ojson& node = resolve(raw);
    const std::string type = node.contains("type") && node["type"].is_string() ? node["type"].get<std::string>() : "";
    FormField f;
    f.pointer = pointer;
    f.key = key;
    f.name = name;
    f.required = required;
    f.groups = groups;
    if (node.contains("maxLength")) f.max_length = node["maxLength"].get<int64_t>();
    if (node.contains("minLength")) f.min_length = node["minLength"].get<int64_t>();
    if (node.contains("minimum")) f.minimum = node["minimum"].get<int64_t>();
    if (node.contains("maximum")) f.maximum = node["maximum"].get<int64_t>();
    if (type == "object") {
      form.groups.push_back({pointer, key, required, false});
      std::vector<std::string> inner = groups;
      inner.push_back(pointer);
      object(node, pointer, key, inner);
      return;
    }
    if (node.contains("anyOf")) {
      f.kind = FieldKind::kCell;
    } else if (node.contains("enum")) {
      f.kind = FieldKind::kChoice;
      for (const auto& v : node["enum"]) f.choices.push_back(text_of(v));
    } else if (type == "array") {
      const ojson& items = node.contains("items") ? resolve(node["items"]) : node;
      const std::string item_type = items.contains("type") && items["type"].is_string() ? items["type"].get<std::string>() : "";
      if (items.contains("enum")) {
        f.kind = FieldKind::kChoices;
        for (const auto& v : items["enum"]) f.choices.push_back(text_of(v));
      } else if (item_type == "object") {
        for (int i = 0; i < rows_for(pointer); ++i) {
          const std::string row = pointer + "/" + std::to_string(i);
          form.groups.push_back({row, key + "/*", required, true});
          std::vector<std::string> inner = groups;
          inner.push_back(row);
          object(items, row, key + "/*", inner);
        }
        return;
      } else {
        f.kind = FieldKind::kLines;
      }
    } else if (type == "boolean") {
      f.kind = FieldKind::kYesNo;
    } else if (type == "integer") {
      f.kind = FieldKind::kInteger;
      if (f.minimum && f.maximum && *f.maximum - *f.minimum <= 9)
        for (int64_t v = *f.minimum; v <= *f.maximum; ++v) f.choices.push_back(std::to_string(v));
    } else {
      const std::string format = node.contains("format") ? node["format"].get<std::string>() : "";
      if (format == "date") f.kind = FieldKind::kDate;
      else if (format == "date-time") f.kind = FieldKind::kDateTime;
      else if (name == "region") f.kind = FieldKind::kRegion;
      else if (name == "prefecture") f.kind = FieldKind::kPrefecture;
      else if (name == "to_org") f.kind = FieldKind::kParticipant;
      else if (f.max_length > 200) f.kind = FieldKind::kTextarea;
      else f.kind = FieldKind::kText;
    }
    form.fields.push_back(std::move(f));
  }
};

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 12) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "2026-11-30T14:05" (a datetime-local input, the machine's time) as
// RFC 3339 UTC; anything else unchanged (the validator then says so).
std::string local_to_utc(const std::string& v) {
  int y, mo, d, h, mi, s = 0;
  char tail = 0;
  const int n = std::sscanf(v.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail);
  if ((n != 5 && n != 6) || v.size() < 16) return v;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return v;
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// The raw value of a field as submitted ("" when none).
std::string raw_of(const FormField& f, const FormValues& values) {
  if (f.kind == FieldKind::kChoices) {
    std::string any;
    for (const auto& c : f.choices)
      if (auto it = values.find(f.pointer + "/" + c); it != values.end() && !it->second.empty()) any += c + ",";
    return any;
  }
  auto it = values.find(f.pointer);
  return it == values.end() ? std::string() : trim(it->second);
}

bool is_suppressed_word(const std::string& v) {
  const std::string l = lower(v);
  if (l == "suppressed") return true;
  for (auto lang : kLanguages) {
    const std::string word = lower(Catalog::builtin(lang).text("value.suppressed"));
    const std::string short_word = lower(Catalog::builtin(lang).text("compose.cell.suppressed_word"));
    if (l == word || l == short_word) return true;
  }
  return false;
}

nlohmann::json value_of(const FormField& f, const std::string& raw, const FormValues& values) {
  switch (f.kind) {
    case FieldKind::kInteger:
      return all_digits(raw) ? nlohmann::json(std::stoll(raw)) : nlohmann::json(raw);
    case FieldKind::kCell:
      if (is_suppressed_word(raw)) return "suppressed";
      return all_digits(raw) ? nlohmann::json(std::stoll(raw)) : nlohmann::json(raw);
    case FieldKind::kYesNo:
      if (raw == "yes") return true;
      if (raw == "no") return false;
      return raw;
    case FieldKind::kDateTime:
      return local_to_utc(raw);
    case FieldKind::kLines: {
      nlohmann::json a = nlohmann::json::array();
      size_t start = 0;
      while (start <= raw.size()) {
        size_t end = raw.find('\n', start);
        if (end == std::string::npos) end = raw.size();
        const std::string line = trim(raw.substr(start, end - start));
        if (!line.empty()) a.push_back(line);
        start = end + 1;
      }
      return a;
    }
    case FieldKind::kChoices: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& c : f.choices)
        if (auto it = values.find(f.pointer + "/" + c); it != values.end() && !it->second.empty()) a.push_back(c);
      return a;
    }
    default:
      return raw;
  }
}

const SchemaRegistry* registry() {
  static const std::optional<SchemaRegistry> r = [] {
    auto loaded = SchemaRegistry::load_builtin();
    return loaded.ok() ? std::optional<SchemaRegistry>(std::move(*loaded)) : std::nullopt;
  }();
  return r ? &*r : nullptr;
}

std::string text_at(const nlohmann::json& doc, const std::string& pointer) {
  const nlohmann::json::json_pointer p(pointer);
  if (!doc.contains(p)) return {};
  const auto& v = doc.at(p);
  return v.is_string() ? v.get<std::string>() : std::string();
}

}  // namespace

const FormField* ComposeForm::field(const std::string& pointer) const {
  for (const auto& f : fields)
    if (f.pointer == pointer) return &f;
  return nullptr;
}

const FormGroup* ComposeForm::group(const std::string& pointer) const {
  for (const auto& g : groups)
    if (g.pointer == pointer) return &g;
  return nullptr;
}

bool composable(const std::string& type) {
  return type == "alert" || type == "referral" || type == "statistics-report" || is_answer_type(type);
}
bool is_answer_type(const std::string& type) { return type == "referral-response" || type == "case-update"; }
bool takes_attachments(const std::string& type) {
  if (!composable(type)) return false;
  auto dt = parse_doc_type(type);
  return dt.ok() && doc_type_body_format(*dt) == 2;
}

Result<ComposeForm> build_form(const std::string& type) {
  if (!composable(type)) return Status::Usage("the desk composes alert, referral, statistics-report, referral-response "
                                               "and case-update, not " + type);
  auto dt = parse_doc_type(type);
  if (!dt.ok()) return dt.status();
  const ojson root = ojson::parse(embedded_schema(doc_type_schema_file(*dt)), nullptr, false);
  if (root.is_discarded() || !root.is_object()) return Status::Corruption("the embedded schema of " + type + " does not read");
  ComposeForm form;
  form.type = type;
  form.versioned = std::string(doc_type_versioned(*dt));
  Builder b{root, form};
  b.object(root, "", "", {});
  return form;
}

const ComposeForm* form_for(const std::string& type) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<ComposeForm>> forms;
  std::lock_guard lock(mu);
  auto it = forms.find(type);
  if (it != forms.end()) return it->second.get();
  auto f = build_form(type);
  if (!f.ok()) return nullptr;
  return forms.emplace(type, std::make_unique<ComposeForm>(std::move(*f))).first->second.get();
}

nlohmann::json document_from(const ComposeForm& form, const FormValues& values, RowMap* rows) {
  // Rows with any value keep their place, in order; empty rows are left out.
  std::map<std::string, std::string> row_to;  // "/victims/2" -> "/victims/0"
  std::map<std::string, int> next_row;
  for (const auto& g : form.groups) {
    if (!g.row) continue;
    bool any = false;
    for (const auto& f : form.fields)
      if (std::find(f.groups.begin(), f.groups.end(), g.pointer) != f.groups.end() && !raw_of(f, values).empty())
        any = true;
    if (!any) continue;
    const std::string array = g.pointer.substr(0, g.pointer.rfind('/'));
    row_to[g.pointer] = array + "/" + std::to_string(next_row[array]++);
    if (rows) (*rows)[row_to[g.pointer]] = g.pointer;
  }
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& f : form.fields) {
    const std::string raw = raw_of(f, values);
    // A required text that may be empty ("empty if none") is sent empty.
    const bool empty_text = raw.empty() && f.required && f.min_length == 0 &&
                            (f.kind == FieldKind::kText || f.kind == FieldKind::kTextarea);
    if (raw.empty() && !empty_text) continue;
    std::string pointer = f.pointer;
    bool dropped = false;
    for (const auto& g : f.groups) {
      const FormGroup* grp = form.group(g);
      if (!grp || !grp->row) continue;
      auto it = row_to.find(g);
      if (it == row_to.end()) {
        dropped = true;
        break;
      }
      pointer = it->second + pointer.substr(g.size());
    }
    if (dropped) continue;
    doc[nlohmann::json::json_pointer(pointer)] = value_of(f, raw, values);
  }
  // A required object or table is there even when nothing in it was filled
  // (its own required fields are then reported; a table may be empty).
  for (const auto& g : form.groups) {
    if (!g.required) continue;
    const std::string at = g.row ? g.pointer.substr(0, g.pointer.rfind('/')) : g.pointer;
    const std::string parent = at.substr(0, at.rfind('/'));
    if (!parent.empty() && !doc.contains(nlohmann::json::json_pointer(parent))) continue;
    if (!doc.contains(nlohmann::json::json_pointer(at)))
      doc[nlohmann::json::json_pointer(at)] = g.row ? nlohmann::json::array() : nlohmann::json::object();
  }
  return doc;
}

std::vector<FieldError> check_form(const ComposeForm& form, const nlohmann::json& doc, const ComposeDirectory& dir,
                                   const std::string& today, const RowMap& rows) {
  std::vector<FieldError> out;
  std::map<std::string, bool> has_error;
  auto add = [&](const std::string& pointer, std::string key, std::map<std::string, std::string> values = {}) {
    if (has_error[pointer]) return;
    has_error[pointer] = true;
    out.push_back({pointer, std::move(key), std::move(values)});
  };
  // A pointer in the document (rows renumbered) back to the form's.
  auto to_form = [&](const std::string& pointer) {
    for (const auto& [in_doc, in_form] : rows)
      if (pointer == in_doc || pointer.rfind(in_doc + "/", 0) == 0) return in_form + pointer.substr(in_doc.size());
    return pointer;
  };
  auto field_for = [&](const std::string& pointer) -> const FormField* {
    if (const FormField* f = form.field(pointer)) return f;
    for (const auto& f : form.fields)
      if (f.pointer.rfind(pointer + "/", 0) == 0) return &f;
    return nullptr;
  };
  auto dt = parse_doc_type(form.type);
  const SchemaRegistry* reg = registry();
  if (!dt.ok() || reg == nullptr) {
    add("", "error.internal");
    return out;
  }
  auto body = json_to_msgpack(doc.dump());
  if (!body.ok()) {
    add("", "error.internal");
    return out;
  }
  for (const auto& e : reg->validate(*dt, *body)) {
    std::string pointer = to_form(e.pointer);
    if (e.keyword == "required" && !e.property.empty()) {
      const std::string tail = "/" + e.property;
      if (pointer.size() < tail.size() || pointer.compare(pointer.size() - tail.size(), tail.size(), tail) != 0)
        pointer += tail;
    }
    const FormField* f = field_for(pointer);
    if (f == nullptr) {
      add("", "error.form.invalid");
      continue;
    }
    std::string keyword = e.keyword;
    std::map<std::string, std::string> values;
    if (f->pointer != pointer && keyword != "required") keyword = "required";
    if (keyword == "type") {
      keyword = f->kind == FieldKind::kInteger ? "integer" : f->kind == FieldKind::kYesNo ? "choose" : "invalid";
    } else if (keyword == "format") {
      keyword = f->kind == FieldKind::kDate ? "date" : f->kind == FieldKind::kDateTime ? "datetime" : "invalid";
    } else if (keyword == "anyOf" && f->kind == FieldKind::kCell) {
      keyword = "cell";
    } else if (keyword == "minimum" && f->minimum) {
      values["min"] = std::to_string(*f->minimum);
    } else if (keyword == "maximum" && f->maximum) {
      values["max"] = std::to_string(*f->maximum);
    } else if (keyword == "maxLength") {
      values["max"] = std::to_string(f->max_length);
    }
    add(f->pointer, "error." + keyword + "." + f->key, values);
  }
  // The location rules of relais-agent send, field by field.
  for (const std::string base : {"/location", ""}) {
    const FormField* rf = form.field(base + "/region");
    const FormField* pf = form.field(base + "/prefecture");
    if (rf == nullptr || pf == nullptr) continue;
    const std::string region = text_at(doc, rf->pointer), pref = text_at(doc, pf->pointer);
    if (!region.empty() && !has_error[rf->pointer] && !dir.locations.has_region(region))
      add(rf->pointer, "error.location.region");
    if (!pref.empty() && !has_error[pf->pointer]) {
      const Prefecture* p = dir.locations.find_prefecture(pref);
      if (p == nullptr) add(pf->pointer, "error.location.prefecture");
      else if (!region.empty() && p->region != region && dir.locations.has_region(region))
        add(pf->pointer, "error.location.prefecture_region", {{"prefecture", p->name}, {"region", p->region_name}});
    }
  }
  if (form.field("/period/start") && form.field("/period/end")) {
    const std::string start = text_at(doc, "/period/start"), end = text_at(doc, "/period/end");
    if (!start.empty() && !end.empty() && !has_error["/period/start"] && !has_error["/period/end"]) {
      if (start > end) add("/period/end", "error.period.order");
      else if (end > today) add("/period/end", "error.period.future");
    }
  }
  if (const FormField* to = form.field("/to_org"); to != nullptr) {
    const std::string name = text_at(doc, "/to_org");
    if (!name.empty() && !has_error[to->pointer] &&
        std::find(dir.participants.begin(), dir.participants.end(), name) == dir.participants.end())
      add(to->pointer, "error.participant.unknown");
  }
  return out;
}

std::string topic_for(const std::string& type, const nlohmann::json& doc) {
  if (type == "alert")
    return "alert." + text_at(doc, "/kind") + "." + text_at(doc, "/location/region") + "." +
           text_at(doc, "/location/prefecture");
  if (type == "referral") return "referral." + text_at(doc, "/to_org");
  if (type == "statistics-report") return "stats." + text_at(doc, "/prefecture");
  return {};
}

std::string field_label(const Catalog& t, const FormField& f) {
  if (t.has("label." + f.key)) return t.text("label." + f.key);
  if (t.has("field." + f.name)) return t.text("field." + f.name);
  return f.name;
}

std::string group_label(const Catalog& t, const FormGroup& g) {
  std::string key = g.key, name = g.pointer.substr(g.pointer.rfind('/') + 1);
  if (g.row) {
    key = g.key.substr(0, g.key.size() - 2);
    const std::string array = g.pointer.substr(0, g.pointer.rfind('/'));
    const std::string array_name = array.substr(array.rfind('/') + 1);
    const std::string base = t.has("label." + key)          ? t.text("label." + key)
                             : t.has("field." + array_name) ? t.text("field." + array_name)
                                                            : array_name;
    return t.format("compose.row", {{"table", base}, {"n", std::to_string(std::stoi(name) + 1)}});
  }
  if (t.has("label." + key)) return t.text("label." + key);
  if (t.has("field." + name)) return t.text("field." + name);
  return name;
}

std::string field_help(const Catalog& t, const std::string& key) {
  return t.has("help." + key) ? t.text("help." + key) : std::string();
}

std::string choice_label(const Catalog& t, const std::string& name, const std::string& value) {
  if (t.has("choice." + name + "." + value)) return t.text("choice." + name + "." + value);
  if (t.has("choice." + value)) return t.text("choice." + value);
  return value;
}

std::string error_text(const Catalog& t, const FieldError& e) {
  if (t.has(e.key)) return t.format(e.key, e.values);
  // "error.<keyword>.<pointer>" -> "error.field.<keyword>"
  if (e.key.rfind("error.", 0) == 0) {
    const size_t dot = e.key.find('.', 6);
    if (dot != std::string::npos) {
      const std::string generic = "error.field." + e.key.substr(6, dot - 6);
      if (t.has(generic)) return t.format(generic, e.values);
    }
  }
  return t.text("error.field.invalid");
}

}  // namespace relais::desk
