#include "store/stats_cells.h"

#include <map>
#include <optional>

namespace relais {
namespace {

Status bad(const std::string& field, const std::string& why) {
  return Status::Invalid("statistics report: " + field + " " + why);
}

// A cell: an integer >= 0 (nullopt inside the optional: "suppressed").
Result<std::optional<int64_t>> cell_of(const nlohmann::json& v, const std::string& field) {
  if (v.is_string() && v.get_ref<const std::string&>() == "suppressed") return std::optional<int64_t>();
  if (v.is_number_unsigned()) {
    const auto n = v.get<uint64_t>();
    if (n > static_cast<uint64_t>(INT64_MAX)) return bad(field, "is too large");
    return std::optional<int64_t>(static_cast<int64_t>(n));
  }
  if (v.is_number_integer()) {
    const auto n = v.get<int64_t>();
    if (n < 0) return bad(field, "is negative");
    return std::optional<int64_t>(n);
  }
  return bad(field, "is neither a count nor \"suppressed\"");
}

// The member `key` of an object, or nullptr.
const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) return nullptr;
  return &obj.at(key);
}

Result<std::string> text_of(const nlohmann::json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return bad(where + key, "is missing or not text");
  return it->get<std::string>();
}

}  // namespace

namespace {

Result<std::vector<StatsCell>> cells_or_error(const std::string& message_id, const std::string& sender,
                                              const nlohmann::json& report) {
  if (!report.is_object()) return bad("document", "is not an object");
  auto period = report.find("period");
  if (period == report.end() || !period->is_object()) return bad("period", "is missing");
  auto start = text_of(*period, "start", "period.");
  if (!start.ok()) return start.status();
  auto end = text_of(*period, "end", "period.");
  if (!end.ok()) return end.status();
  auto region = text_of(report, "region", "");
  if (!region.ok()) return region.status();
  auto prefecture = text_of(report, "prefecture", "");
  if (!prefecture.ok()) return prefecture.status();

  std::vector<StatsCell> out;
  auto add = [&](const char* table, std::string key, std::optional<int64_t> count) {
    StatsCell c;
    c.message_id = message_id;
    c.sender = sender;
    c.period_start = *start;
    c.period_end = *end;
    c.region = *region;
    c.prefecture = *prefecture;
    c.table = table;
    c.key = std::move(key);
    c.count = count;
    out.push_back(std::move(c));
  };

  // Rows keyed by some of their text fields; rows with the same key add up.
  auto add_rows = [&](const char* table, std::initializer_list<const char*> fields) -> Status {
    const nlohmann::json* rows = member(report, table);
    if (rows == nullptr || !rows->is_array()) return bad(table, "is missing or not a list");
    std::map<std::string, std::optional<int64_t>> by_key;  // one cell per key
    std::vector<std::string> order;
    for (size_t i = 0; i < rows->size(); ++i) {
      const auto& row = (*rows)[i];
      const std::string where = std::string(table) + "[" + std::to_string(i) + "].";
      if (!row.is_object()) return bad(std::string(table) + "[" + std::to_string(i) + "]", "is not an object");
      std::string key;
      for (const char* f : fields) {
        auto t = text_of(row, f, where);
        if (!t.ok()) return t.status();
        if (t->find('|') != std::string::npos) return bad(where + f, "holds '|'");
        key += (key.empty() ? "" : "|") + *t;
      }
      const nlohmann::json* count = member(row, "count");
      if (count == nullptr) return bad(where + "count", "is missing");
      auto c = cell_of(*count, where + "count");
      if (!c.ok()) return c.status();
      auto [it, fresh] = by_key.emplace(key, *c);
      if (fresh) {
        order.push_back(key);
      } else if (!it->second || !*c) {
        it->second.reset();
      } else {
        it->second = *it->second + **c;
      }
    }
    for (const auto& k : order) add(table, k, by_key[k]);
    return Status::Ok();
  };
  // An object of named cells, every one required.
  auto add_object = [&](const char* table, std::initializer_list<const char*> fields) -> Status {
    const nlohmann::json* obj = member(report, table);
    if (obj == nullptr || !obj->is_object()) return bad(table, "is missing");
    for (const char* f : fields) {
      const nlohmann::json* v = member(*obj, f);
      if (v == nullptr) return bad(std::string(table) + "." + f, "is missing");
      auto c = cell_of(*v, std::string(table) + "." + f);
      if (!c.ok()) return c.status();
      add(table, f, *c);
    }
    return Status::Ok();
  };

  // Version 2: the report's identity first.
  const auto report_id = report.find("report_id");
  if (report_id != report.end()) {
    if (!report_id->is_string() || report_id->get_ref<const std::string&>().empty())
      return bad("report_id", "is not text");
    add("report", "report_id=" + report_id->get<std::string>(), 0);
    if (auto sup = report.find("supersedes"); sup != report.end()) {
      if (!sup->is_string() || sup->get_ref<const std::string&>().empty()) return bad("supersedes", "is not text");
      add("report", "supersedes=" + sup->get<std::string>(), 0);
    }
  }

  RELAIS_RETURN_IF_ERROR(add_rows("victims", {"age_band", "gender", "exploitation_type", "nationality"}));
  RELAIS_RETURN_IF_ERROR(add_object("referrals", {"made", "accepted", "done"}));
  auto alerts = report.find("alerts_by_kind");
  if (alerts == report.end() || !alerts->is_object()) return bad("alerts_by_kind", "is missing");
  for (auto it = alerts->begin(); it != alerts->end(); ++it) {
    auto c = cell_of(it.value(), "alerts_by_kind." + it.key());
    if (!c.ok()) return c.status();
    add("alerts_by_kind", it.key(), *c);
  }
  if (report_id == report.end()) return out;  // version 1

  auto identified = report.find("victims_identified");
  if (identified == report.end()) return bad("victims_identified", "is missing");
  auto c = cell_of(*identified, "victims_identified");
  if (!c.ok()) return c.status();
  add("victims_identified", "total", *c);
  RELAIS_RETURN_IF_ERROR(add_object(
      "victims_assisted", {"shelter", "medical", "psychosocial", "legal", "family_tracing", "reintegration"}));
  RELAIS_RETURN_IF_ERROR(add_object("justice", {"investigations_opened", "prosecutions", "convictions"}));
  RELAIS_RETURN_IF_ERROR(add_rows("repatriations", {"direction", "country"}));
  RELAIS_RETURN_IF_ERROR(add_object("awareness", {"sessions", "people_reached"}));
  RELAIS_RETURN_IF_ERROR(add_object("trainings", {"sessions", "people_trained"}));
  return out;
}

}  // namespace

std::vector<StatsCell> stats_cells_of(const std::string& message_id, const std::string& sender,
                                      const nlohmann::json& report) {
  auto cells = cells_or_error(message_id, sender, report);
  if (!cells.ok()) return {};
  return std::move(cells).value();
}

}  // namespace relais
