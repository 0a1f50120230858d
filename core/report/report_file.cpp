#include "report/report_file.h"

#include <filesystem>

#include "report/report_csv.h"
#include "report/report_json.h"
#include "report/store_source.h"
#include "util/json_output.h"

namespace relais::report {
namespace {

Result<Report> build_from(Store& store, const Locations& locations, const PtbaConfig& config,
                          const ReportRequest& request) {
  RELAIS_RETURN_IF_ERROR(check_request(request));
  auto reports = reports_from_store(store);
  if (!reports.ok()) return reports.status();
  return build_report(std::move(*reports), locations, config, request);
}

}  // namespace

Result<ReportFile> report_file(Store& store, const Locations& locations, const PtbaConfig& config,
                               const ReportRequest& request, const std::string& format) {
  if (format != "html" && format != "csv" && format != "json")
    return Status::Usage("report: the format must be html, csv or json, not '" + format + "'");
  auto rep = build_from(store, locations, config, request);
  if (!rep.ok()) return rep.status();
  const desk::Catalog& t = desk::Catalog::builtin(request.lang);
  ReportFile f;
  f.file_name = std::string(request.lang == "en" ? "indicators-" : "indicateurs-") + request.from + "-" + request.to +
                "." + format;
  if (format == "html") {
    f.content_type = "text/html; charset=utf-8";
    f.body = render_report_html(*rep, t);
  } else if (format == "csv") {
    f.content_type = "text/csv; charset=utf-8";
    f.body = render_report_csv(*rep, t);
  } else {
    f.content_type = "application/json";
    f.body = json_text(report_json(*rep)) + "\n";
  }
  f.counted = rep->selection.counted.size();
  f.excluded = rep->selection.excluded.size();
  return f;
}

Result<std::string> dashboard_main(Store& store, const Locations& locations, const PtbaConfig& config,
                                   const ReportRequest& request, const DownloadLinks& links) {
  auto rep = build_from(store, locations, config, request);
  if (!rep.ok()) return rep.status();
  return render_report_main(*rep, desk::Catalog::builtin(request.lang), links);
}

Result<PtbaConfig> ptba_config_for(const std::string& agent_config_path, const std::string& given) {
  if (!given.empty()) return load_ptba_config(given);
  if (!agent_config_path.empty()) {
    const std::filesystem::path beside = std::filesystem::path(agent_config_path).parent_path() / "ptba.toml";
    std::error_code ec;
    if (std::filesystem::exists(beside, ec)) return load_ptba_config(beside.string());
  }
  return parse_ptba_config(builtin_ptba_toml(), "config/ptba.toml (built in)");
}

}  // namespace relais::report
