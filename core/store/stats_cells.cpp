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

  auto victims = report.find("victims");
  if (victims == report.end() || !victims->is_array()) return bad("victims", "is missing or not a list");
  std::map<std::string, std::optional<int64_t>> by_key;  // sorted, one cell per key
  std::vector<std::string> order;
  for (size_t i = 0; i < victims->size(); ++i) {
    const auto& row = (*victims)[i];
    const std::string where = "victims[" + std::to_string(i) + "].";
    if (!row.is_object()) return bad("victims[" + std::to_string(i) + "]", "is not an object");
    std::string key;
    for (const char* f : {"age_band", "gender", "exploitation_type", "nationality"}) {
      auto t = text_of(row, f, where);
      if (!t.ok()) return t.status();
      if (t->find('|') != std::string::npos) return bad(where + f, "holds '|'");
      key += (key.empty() ? "" : "|") + *t;
    }
    auto count = row.find("count");
    if (count == row.end()) return bad(where + "count", "is missing");
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
  for (const auto& k : order) add("victims", k, by_key[k]);

  auto referrals = report.find("referrals");
  if (referrals == report.end() || !referrals->is_object()) return bad("referrals", "is missing");
  for (const char* f : {"made", "accepted", "done"}) {
    auto v = referrals->find(f);
    if (v == referrals->end()) return bad(std::string("referrals.") + f, "is missing");
    auto c = cell_of(*v, std::string("referrals.") + f);
    if (!c.ok()) return c.status();
    add("referrals", f, *c);
  }

  auto alerts = report.find("alerts_by_kind");
  if (alerts == report.end() || !alerts->is_object()) return bad("alerts_by_kind", "is missing");
  for (auto it = alerts->begin(); it != alerts->end(); ++it) {
    auto c = cell_of(it.value(), "alerts_by_kind." + it.key());
    if (!c.ok()) return c.status();
    add("alerts_by_kind", it.key(), *c);
  }
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
