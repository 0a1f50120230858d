#include "notify.h"

#include "service_notify.h"

#include <ctime>
#include <spdlog/spdlog.h>
#include <string>

namespace relais {
namespace {

void notify(const std::string& state) {
  // 0: the service manager is not listening (no NOTIFY_SOCKET); < 0: it
  // could not be told, which must not stop the broker.
  if (int rc = notify_service_manager(state); rc < 0)
    spdlog::warn("broker: cannot notify the service manager (sd_notify: error {})", -rc);
}

uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

void SystemdNotifier::ready(const std::string& endpoint, uint64_t bundle_serial) {
  notify("READY=1\nSTATUS=serving on " + endpoint + " (bundle serial " + std::to_string(bundle_serial) + ")");
}

void SystemdNotifier::reloading() {
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()) + "\nSTATUS=reloading the trust bundle");
}

void SystemdNotifier::reloaded(bool accepted, uint64_t bundle_serial) {
  notify(std::string("READY=1\nSTATUS=") + (accepted ? "reloaded: " : "reload refused, still under ") +
         "bundle serial " + std::to_string(bundle_serial));
}

void SystemdNotifier::stopping() { notify("STOPPING=1\nSTATUS=stopping: syncing the log"); }

}  // namespace relais
