// log_event_durably: for the relais-admin commands that write to a stopped
// broker's log (restore, shred): submits one event record and waits until
// the log has made it durable, returning its seq (or the log's failure).
// The wait polls the log's completion descriptor in 1 s steps; the log
// completes every submission (durable or failed), so the wait ends.
#pragma once

#include <cstdint>

#include "log/log_writer.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

Result<uint64_t> log_event_durably(Log& log, uint64_t token, int64_t ts_ms, ByteView body);

}  // namespace relais
