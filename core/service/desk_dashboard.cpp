#include "service/desk_dashboard.h"

#include "desk/html.h"
#include "report/report_file.h"

namespace relais {

DeskDashboard::DeskDashboard(report::PtbaConfig config, const Locations& locations)
    : config_(std::move(config)), locations_(std::make_shared<const Locations>(locations)) {}

void DeskDashboard::set_locations(const Locations& locations) {
  auto copy = std::make_shared<const Locations>(locations);
  std::lock_guard lock(mu_);
  locations_ = std::move(copy);
}

Result<desk::DashboardOutput> DeskDashboard::render(Store& store, const desk::DashboardQuery& query,
                                                    int64_t now_ms) const {
  std::shared_ptr<const Locations> locations;
  {
    std::lock_guard lock(mu_);
    locations = locations_;
  }
  report::ReportRequest r;
  r.from = query.from;
  r.to = query.to;
  r.by = query.by == "prefecture" ? report::Dimension::kPrefecture
         : query.by == "month"    ? report::Dimension::kMonth
                                  : report::Dimension::kRegion;
  r.lang = query.lang == "en" ? "en" : "fr";
  r.now_ms = now_ms;
  if (Status s = report::check_request(r); !s.ok()) return s;
  desk::DashboardOutput out;
  if (query.format == "page") {
    const std::string base = "/report?from=" + desk::url_encode(query.from) + "&to=" + desk::url_encode(query.to) +
                             "&by=" + desk::url_encode(query.by) + "&format=";
    report::DownloadLinks links{base + "html", base + "csv", base + "json"};
    auto main = report::dashboard_main(store, *locations, config_, r, links);
    if (!main.ok()) return main.status();
    out.content_type = "text/html; charset=utf-8";
    out.body = std::move(*main);
    return out;
  }
  auto file = report::report_file(store, *locations, config_, r, query.format);
  if (!file.ok()) return file.status();
  out.content_type = std::move(file->content_type);
  out.file_name = std::move(file->file_name);
  out.body = std::move(file->body);
  return out;
}

}  // namespace relais
