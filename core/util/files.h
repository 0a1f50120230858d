// Small, careful file helpers: whole-file reads, durable writes, key-file
// permission checks. All return Status/Result; none throw.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// Reads a whole regular file. Refuses files larger than max_size, and at once
// anything else in its place (a named pipe, a device, a folder): never waits.
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

// Writes data to path (created or truncated, then chmod to mode) without
// syncing it: for many small files made durable together by one
// sync_filesystem() instead of an fsync each.
Status write_file_unsynced(const std::string& path, ByteView data, mode_t mode);

// syncfs(2) on the file system holding `dir`: when it returns, every file
// written and every folder entry made or renamed on that file system before
// the call is durable, as if each file and folder had been fsynced (Linux
// waits for the writes and reports a write-back error since 5.8).
Status sync_filesystem(const std::string& dir);

// Reads a secret file (a key file, a passphrase file) with no window between
// check and use: the folder is opened and checked first, then the file is
// opened inside it with O_NOFOLLOW and checked with fstat on that descriptor,
// and the bytes read are those of the file checked. Refused, each with the fix:
//   - a symbolic link (Status::Permission: name the file itself);
//   - not a regular file (Status::Invalid);
//   - a file group or others may access (Status::Permission, "chmod 600 FILE"),
//     as ssh does;
//   - a folder group or others may write to, or one owned by another user than
//     the caller or root: whoever may write there may replace the key
//     (Status::Permission, "chmod go-w DIR");
//   - larger than max_size (Status::Invalid).
// A missing or unreadable file is Status::IOError naming it. The caller wipes
// the bytes returned once done with them.
Result<Bytes> read_secret_file(const std::string& path, size_t max_size);

// Creates a folder (and parents) with the given mode if missing, then syncs
// each folder it had to make into its parent, so that a crash cannot lose a
// new folder together with the files later synced inside it. Costs one stat
// when the folder exists already; the mode is set either way.
Status make_dirs(const std::string& path, mode_t mode = 0755);

// make_dirs() without the syncs, for a caller that syncs the whole file
// system afterwards (sync_filesystem) before relying on the folders.
Status make_dirs_unsynced(const std::string& path, mode_t mode = 0755);

// The folders make_dirs(path) would make, deepest first (none when path
// exists). For a file system seam that makes and syncs them its own way.
std::vector<std::string> missing_folders(const std::string& path);

// The folder holding `folder` ("" for a relative name with no separator, which
// sync_dir reads as "."); "a/b/" and "a/./b" give "a", as "a/b" does.
std::string parent_folder(const std::string& folder);

}  // namespace relais
