// Small, careful file helpers: whole-file reads, durable writes, key-file
// permission checks. All return Status/Result; none throw.
#pragma once

#include <string>
#include <sys/types.h>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// Reads a whole file. Refuses files larger than max_size.
Result<Bytes> read_file(const std::string& path, size_t max_size = 64u << 20);
Result<std::string> read_text_file(const std::string& path, size_t max_size = 64u << 20);

// Writes data to path durably: a temporary file in the same folder, fsync,
// rename over path, fsync of the folder. With exclusive=true an existing path
// is refused (Status::Invalid) and never overwritten.
Status write_file_durable(const std::string& path, ByteView data, mode_t mode,
                          bool exclusive = false);

// fsyncs a folder so that a rename or a new file in it is durable.
Status sync_dir(const std::string& dir);

// fdatasyncs an existing file (Status::IOError naming it on failure).
Status sync_file(const std::string& path);

// Refuses a secret file that group or others may access (as ssh does):
// Status::Permission naming the file and the fix ("chmod 600 FILE").
Status check_secret_file_mode(const std::string& path);

// Creates a folder (and parents) with the given mode if missing.
Status make_dirs(const std::string& path, mode_t mode = 0755);

}  // namespace relais
