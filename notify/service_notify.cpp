#include "service_notify.h"

#include <systemd/sd-daemon.h>

namespace relais {

int notify_service_manager(const std::string& state) { return sd_notify(0, state.c_str()); }

}  // namespace relais
