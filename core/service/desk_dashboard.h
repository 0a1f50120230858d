// DeskDashboard: the indicators page of an agency's desk (the commission's
// dashboard), what desk::DeskDeps::dashboard calls. It holds the PTBA
// settings (report/ptba_config.h, read once at the service's start) and a
// copy of the held bundle's location table, which the service loop replaces
// through set_locations() whenever it takes a newer bundle; render() runs on
// the desk's HTTP threads, so the table is shared under a mutex and each
// render works on the copy it took.
// render() answers a query with the dashboard's <main> ("page") or a whole
// file ("html", "csv", "json"), in the query's language; a query it cannot
// answer (dates, span) is Status::Usage, as report::check_request says.
#pragma once

#include <memory>
#include <mutex>

#include "desk/desk_server.h"
#include "policy/locations.h"
#include "report/ptba_config.h"
#include "store/store.h"
#include "util/status.h"

namespace relais {

class DeskDashboard {
 public:
  DeskDashboard(report::PtbaConfig config, const Locations& locations);
  void set_locations(const Locations& locations);
  Result<desk::DashboardOutput> render(Store& store, const desk::DashboardQuery& query, int64_t now_ms) const;

 private:
  const report::PtbaConfig config_;
  mutable std::mutex mu_;
  std::shared_ptr<const Locations> locations_;
};

}  // namespace relais
