// How `relais-broker --reload` reaches the running broker and learns what
// became of its request (docs/protocol.md §Bundle serials and reloads).
//
// The running broker writes DATA/broker.pid ("<pid>\n") once it serves and
// removes it when it stops cleanly. After every reload it handled (SIGHUP,
// whoever sent it) it replaces DATA/reload.status with one line:
//     <pid> <count> accepted|refused <serial> <why, escaped, may be empty>
// where count is the number of reloads this process handled so far.
// request_reload() reads the pid file, checks that the process lives, notes
// the count, sends SIGHUP and waits for a status line of that pid with a
// higher count: the outcome of the first reload handled after its signal.
// Signals that arrive together are handled as one reload.
//
// Files are written atomically (a temporary file renamed over), mode 0600.
// Plain functions; the writer side runs on the broker's thread.
#pragma once

#include <cstdint>
#include <string>

#include "config/broker_config.h"
#include "util/status.h"

namespace relais {

std::string broker_pid_file(const BrokerConfig& config);
std::string reload_status_file(const BrokerConfig& config);

// The broker's side.
Status write_broker_pid(const BrokerConfig& config);
void remove_broker_pid(const BrokerConfig& config);
void write_reload_status(const BrokerConfig& config, uint64_t count, bool accepted, uint64_t serial,
                         const std::string& why);

// The outcome of one reload request: Ok with "bundle serial N is in force",
// Refused with the broker's reason, NotFound when no broker runs on this
// data folder, Timeout when it did not answer within timeout_ms.
Result<std::string> request_reload(const BrokerConfig& config, int64_t timeout_ms);

}  // namespace relais
