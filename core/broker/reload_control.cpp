#include "broker/reload_control.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>
#include <unistd.h>

#include "util/clock.h"
#include "util/files.h"
#include "util/log_text.h"

namespace relais {
namespace {

struct StatusLine {
  long pid = 0;
  uint64_t count = 0;
  bool accepted = false;
  uint64_t serial = 0;
  std::string why;
};

bool read_status(const BrokerConfig& config, StatusLine* out) {
  auto text = read_text_file(reload_status_file(config), 1 << 16);
  if (!text.ok()) return false;
  std::istringstream in(*text);
  std::string outcome;
  if (!(in >> out->pid >> out->count >> outcome >> out->serial)) return false;
  out->accepted = outcome == "accepted";
  std::getline(in, out->why);
  if (!out->why.empty() && out->why[0] == ' ') out->why.erase(0, 1);
  return true;
}

}  // namespace

std::string broker_pid_file(const BrokerConfig& config) { return config.data_dir + "/broker.pid"; }
std::string reload_status_file(const BrokerConfig& config) { return config.data_dir + "/reload.status"; }

Status write_broker_pid(const BrokerConfig& config) {
  const std::string text = std::to_string(::getpid()) + "\n";
  return write_file_durable(broker_pid_file(config), as_bytes(text), 0600);
}

void remove_broker_pid(const BrokerConfig& config) { ::unlink(broker_pid_file(config).c_str()); }

void write_reload_status(const BrokerConfig& config, uint64_t count, bool accepted, uint64_t serial,
                         const std::string& why) {
  const std::string line = std::to_string(::getpid()) + " " + std::to_string(count) + " " +
                           (accepted ? "accepted" : "refused") + " " + std::to_string(serial) + " " +
                           log_text(why, 2048) + "\n";
  (void)write_file_durable(reload_status_file(config), as_bytes(line), 0600);
}

Result<std::string> request_reload(const BrokerConfig& config, int64_t timeout_ms) {
  const std::string pid_path = broker_pid_file(config);
  auto text = read_text_file(pid_path, 64);
  if (!text.ok())
    return Status::NotFound("relais-broker: no running broker found for " + config.path + " (no " + pid_path +
                            "); start it first");
  char* end = nullptr;
  const long pid = std::strtol(text->c_str(), &end, 10);
  if (pid <= 0 || end == text->c_str())
    return Status::NotFound("relais-broker: " + pid_path + " does not hold a process id; is the broker running?");
  if (::kill(static_cast<pid_t>(pid), 0) != 0)
    return Status::NotFound("relais-broker: the broker recorded in " + pid_path + " (pid " + std::to_string(pid) +
                            ") is not running; start it first");
  StatusLine before;
  uint64_t seen = 0;
  if (read_status(config, &before) && before.pid == pid) seen = before.count;
  if (::kill(static_cast<pid_t>(pid), SIGHUP) != 0)
    return Status::Refused("relais-broker: cannot signal the broker (pid " + std::to_string(pid) +
                           "): " + std::strerror(errno) + "; run as the broker's user");
  const int64_t deadline = monotonic_ms() + timeout_ms;
  while (monotonic_ms() < deadline) {
    StatusLine now;
    if (read_status(config, &now) && now.pid == pid && now.count > seen) {
      if (now.accepted) return "bundle serial " + std::to_string(now.serial) + " is in force";
      return Status::Refused("relais-broker: reload refused, the previous bundle stays in force: " + now.why);
    }
    if (::kill(static_cast<pid_t>(pid), 0) != 0)
      return Status::Refused("relais-broker: the broker (pid " + std::to_string(pid) + ") stopped during the reload");
    ::usleep(20000);
  }
  return Status::Timeout("relais-broker: the broker (pid " + std::to_string(pid) + ") did not report the reload within " +
                         std::to_string(timeout_ms / 1000) + " s; see its log");
}

}  // namespace relais
