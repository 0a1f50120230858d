// The optional plaintext export folder ([service] inbox_dir): each opened
// message as <id>.json, the JSON object `relais-agent subscribe` prints
// (body included: PLAINTEXT, for a case-management system on this machine).
// Written atomically (a temporary file, fsync, rename) with mode 0600; the
// folder is created 0700. The id must be a canonical UUID (it names the
// file), else Status::Invalid.
// Attachments (crypto/body_format.h) are written first, each as its own 0600
// file <id>.<n>.<name> (n from 1, the name checked by check_attachment_name),
// and the JSON names them in "attachment_files", so that a program watching
// for <id>.json finds them complete.
#pragma once

#include <string>
#include <vector>

#include "crypto/body_format.h"

#include "util/status.h"

namespace relais {

Status prepare_inbox_dir(const std::string& dir);
Status export_message(const std::string& dir, const std::string& id, const std::string& json_text,
                      const std::vector<Attachment>& attachments = {});
// The file name export_message gives attachment `index` (from 0) of message `id`.
std::string attachment_file_name(const std::string& id, size_t index, const std::string& name);

}  // namespace relais
