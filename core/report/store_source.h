// The stored statistics reports of an agent's store, for the indicators:
// every statistics cell (Store::stats_cells) grouped into reports, each with
// the time its envelope was sent (the message rows' ts). No body is opened.
// Reports whose message row was erased keep their cells (sent time 0:
// unknown).
#pragma once

#include <vector>

#include "report/selection.h"
#include "store/store.h"
#include "util/status.h"

namespace relais::report {

Result<std::vector<StoredReport>> reports_from_store(Store& store);

}  // namespace relais::report
