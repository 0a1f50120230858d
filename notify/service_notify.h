// notify_service_manager: one state message to the service manager through
// sd_notify(3) ("READY=1\nSTATUS=...", "STOPPING=1", ...), for the programs
// run as Type=notify units (relais-broker, relais-agent run). Returns
// sd_notify's result: 0 when no manager listens (no NOTIFY_SOCKET: run from a
// terminal), > 0 when sent, < 0 (-errno) when it could not be sent; the
// caller logs that and carries on. The one place that links libsystemd: the
// core library never does.
#pragma once

#include <string>

namespace relais {

int notify_service_manager(const std::string& state);

}  // namespace relais
