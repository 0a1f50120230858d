#include "report/store_source.h"

#include <map>

namespace relais::report {

Result<std::vector<StoredReport>> reports_from_store(Store& store) {
  auto cells = store.stats_cells("", "");
  if (!cells.ok()) return cells.status();
  InboxFilter filter;
  filter.type = "statistics-report";
  filter.limit = INT64_MAX;
  auto messages = store.messages(filter);
  if (!messages.ok()) return messages.status();
  std::map<std::string, int64_t> sent;
  for (const StoredMessage& m : *messages) sent[m.id] = m.ts_ms;
  return group_reports(*cells, sent);
}

}  // namespace relais::report
