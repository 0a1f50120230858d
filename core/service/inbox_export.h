// The optional plaintext export folder ([service] inbox_dir): each opened
// message as <id>.json, the JSON object `relais-agent subscribe` prints
// (body included: PLAINTEXT, for a case-management system on this machine).
// Written atomically (a temporary file, fsync, rename) with mode 0600; the
// folder is created 0700. The id must be a canonical UUID (it names the
// file), else Status::Invalid.
#pragma once

#include <string>

#include "util/status.h"

namespace relais {

Status prepare_inbox_dir(const std::string& dir);
Status export_message(const std::string& dir, const std::string& id, const std::string& json_text);

}  // namespace relais
