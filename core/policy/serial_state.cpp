#include "policy/serial_state.h"

#include <filesystem>

#include "util/files.h"

namespace relais {

namespace {

// Ok(true) when serial is newer than the recorded one (or none is recorded).
Result<bool> compare_serial(const std::string& state_file, uint64_t serial, const std::string& bundle_origin) {
  std::error_code ec;
  if (std::filesystem::exists(state_file, ec)) {
    auto text = read_text_file(state_file, 64);
    if (!text.ok())
      return Status::Config("bundle: cannot read serial state " + state_file + ": " + text.status().message());
    std::string digits = *text;
    if (!digits.empty() && digits.back() == '\n') digits.pop_back();
    uint64_t seen = 0;
    bool good = !digits.empty() && digits.size() <= 20;
    for (char c : digits) {
      if (c < '0' || c > '9' || seen > (UINT64_MAX - 9) / 10) {
        good = false;
        break;
      }
      seen = seen * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!good)
      return Status::Config("bundle: serial state " + state_file +
                            " is malformed; restore it or write the newest serial you trust into it");
    if (serial < seen)
      return Status::Refused("bundle: " + bundle_origin + " has serial " + std::to_string(serial) +
                             ", older than serial " + std::to_string(seen) + " already seen (recorded in " +
                             state_file + "); refusing a downgrade, which could un-revoke keys. Install the newest "
                             "bundle from the authority");
    if (serial == seen) return false;
  }
  return true;
}

}  // namespace

Status check_serial(const std::string& state_file, uint64_t serial, const std::string& bundle_origin) {
  return compare_serial(state_file, serial, bundle_origin).status();
}

Status check_and_record_serial(const std::string& state_file, uint64_t serial, const std::string& bundle_origin) {
  auto newer = compare_serial(state_file, serial, bundle_origin);
  if (!newer.ok()) return newer.status();
  if (!*newer) return Status::Ok();
  const std::string text = std::to_string(serial) + "\n";
  Status s = write_file_durable(state_file, as_bytes(text), 0600);
  return s.with_prefix("bundle: cannot record serial");
}

}  // namespace relais
