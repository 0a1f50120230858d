// One call from a store to a report file, for `relais-agent report` and
// for the desk's dashboard page and downloads:
//   report_file(store, locations, config, request, "html"|"csv"|"json")
// reads the statistics (report/store_source.h), builds the indicators
// (report/report.h) and renders them in the request's language. The desk's
// page itself takes render_report_main (report/report_html.h) over
// build_report's result, or dashboard_main below.
// Errors: the request's (Status::Usage), the store's (Status::IOError...).
#pragma once

#include <string>

#include "desk/catalog.h"
#include "policy/locations.h"
#include "report/ptba_config.h"
#include "report/report.h"
#include "report/report_html.h"
#include "store/store.h"
#include "util/status.h"

namespace relais::report {

struct ReportFile {
  std::string content_type;  // "text/html; charset=utf-8", "text/csv; charset=utf-8", "application/json"
  std::string file_name;     // "indicateurs-2026-01-01-2026-03-31.csv" ("indicators-..." in English)
  std::string body;
  size_t counted = 0;        // reports counted
  size_t excluded = 0;       // reports listed as not counted
};

Result<ReportFile> report_file(Store& store, const Locations& locations, const PtbaConfig& config,
                               const ReportRequest& request, const std::string& format);

// The desk page's main part (escaped HTML, no inline style) with its
// download links.
Result<std::string> dashboard_main(Store& store, const Locations& locations, const PtbaConfig& config,
                                   const ReportRequest& request, const DownloadLinks& links);

// The settings of a deployment: `given` when not empty, else ptba.toml in
// the folder of the agent's configuration file when there is one, else the
// built-in config/ptba.toml.
Result<PtbaConfig> ptba_config_for(const std::string& agent_config_path, const std::string& given);

}  // namespace relais::report
