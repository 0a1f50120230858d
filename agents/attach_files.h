// Attachments on relais-agent's command line:
//   send | publish | reply ... --attach FILE [--attach FILE ...]
//     read_attachments reads each FILE (at most the envelope's max_body),
//     names it by its last path component and gives it a media type
//     (crypto/body_format.h guess_media_type). An unreadable file, a folder,
//     a name that cannot be attached, or more files than a message carries is
//     an error naming the file and what to do (Status::Usage, exit 2, or the
//     file's I/O error, exit 1).
//   show ID --save-attachments DIR
//     save_attachments writes a stored message's files into DIR (created
//     0700 when missing) as 0600 files under their own names; a file already
//     there is never overwritten (Status::Invalid naming it). Returns the
//     paths written.
#pragma once

#include <string>
#include <vector>

#include "crypto/body_format.h"
#include "util/status.h"

namespace relais {

Result<std::vector<Attachment>> read_attachments(const std::vector<std::string>& paths);

Result<std::vector<std::string>> save_attachments(const std::string& dir, const std::vector<Attachment>& files);

}  // namespace relais
