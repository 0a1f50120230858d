// broker_log_options: the LogOptions the broker's data folder is opened with,
// from its configuration ([log] sync, segment_bytes, checkpoint_every,
// checkpoint_seconds) and the record keys the broker hands the log. One
// function, so that the running broker and `relais-admin shred` (which
// opens the same folder with the broker stopped) cannot disagree. Pure.
#pragma once

#include "config/broker_config.h"
#include "log/log.h"

namespace relais {

LogOptions broker_log_options(const BrokerConfig& config);

}  // namespace relais
