// SystemdNotifier: tells the service manager what the broker is doing, for
// a Type=notify unit (packaging/systemd/relais-broker.service), through
// sd_notify(3): READY=1 once it serves; RELOADING=1 with MONOTONIC_USEC (as
// systemd 253 and later want; older ones ignore the field) when a reload
// starts and READY=1 once its outcome is known; STOPPING=1 when it stops.
// Each message carries a STATUS= line for `systemctl status`. Without
// NOTIFY_SOCKET in the environment (not run by systemd) every call does
// nothing. Part of the program only: the core library never links
// libsystemd.
#pragma once

#include "broker/broker.h"

namespace relais {

class SystemdNotifier final : public LifecycleListener {
 public:
  void ready(const std::string& endpoint, uint64_t bundle_serial) override;
  void reloading() override;
  void reloaded(bool accepted, uint64_t bundle_serial) override;
  void stopping() override;
};

}  // namespace relais
