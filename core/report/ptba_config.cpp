#include "report/ptba_config.h"

#include <algorithm>

#include "report/embedded_ptba.h"
#include "report/indicators.h"
#include "util/toml_reader.h"

namespace relais::report {
namespace {

Result<PtbaConfig> read(TomlReader& reader) {
  PtbaConfig c;
  TomlTable root = reader.root();
  TomlTable rep = root.get_table("reporting", true);
  if (auto p = rep.get_string("period", false)) {
    if (*p == "month" || *p == "quarter")
      c.period = *p;
    else
      rep.error("period", "reporting.period must be \"month\" or \"quarter\", not \"" + *p + "\"");
  }
  if (auto v = rep.get_int("due_days", false, 0, 366)) c.due_days = *v;
  if (auto v = rep.get_int("min_cell", false, 1, 1000)) c.min_cell = *v;
  if (auto v = rep.get_int("public_min_cell", false, 1, 1000)) c.public_min_cell = *v;
  rep.reject_unknown();
  TomlTable targets = root.get_table("targets", false);
  for (const std::string& year_text : targets.keys()) {
    int year = 0;
    bool digits = year_text.size() == 4 && std::all_of(year_text.begin(), year_text.end(),
                                                        [](char ch) { return ch >= '0' && ch <= '9'; });
    if (digits) year = std::stoi(year_text);
    TomlTable one = targets.get_table(year_text, true);
    if (!digits || year < 2000) {
      targets.error(year_text, "targets." + year_text + " must be a year, like [targets.2026]");
      continue;
    }
    for (const std::string& id : one.keys()) {
      if (std::find(kTargetIndicators.begin(), kTargetIndicators.end(), id) == kTargetIndicators.end()) {
        one.node(id);
        one.error(id, "targets." + year_text + ": \"" + id +
                          "\" is not an indicator; use one of those listed at the top of config/ptba.toml");
        continue;
      }
      if (auto v = one.get_int(id, true, 0, 100000000)) c.targets[year][id] = *v;
    }
    one.reject_unknown();
  }
  targets.reject_unknown();
  root.reject_unknown();
  RELAIS_RETURN_IF_ERROR(reader.finish(Code::kConfig));
  return c;
}

}  // namespace

Result<PtbaConfig> parse_ptba_config(std::string_view text, const std::string& origin) {
  TomlReader reader(text, origin);
  return read(reader);
}

Result<PtbaConfig> load_ptba_config(const std::string& path) {
  auto reader = TomlReader::from_file(path);
  return read(*reader);
}

std::string_view builtin_ptba_toml() { return embedded_ptba("ptba.toml"); }

}  // namespace relais::report
