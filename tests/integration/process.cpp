#include "process.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace relais::test {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> v;
  for (const auto& a : argv) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

void apply_env(const std::map<std::string, std::string>& env) {
  for (const auto& [k, val] : env) setenv(k.c_str(), val.c_str(), 1);
}

int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

ProcResult run_process(const std::vector<std::string>& argv, int timeout_ms, const std::string& stdin_data,
                       const std::map<std::string, std::string>& env) {
  ProcResult r;
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    apply_env(env);
    auto args = c_argv(argv);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Feed stdin (small documents) then close it.
  size_t off = 0;
  while (off < stdin_data.size()) {
    ssize_t n = write(in[1], stdin_data.data() + off, stdin_data.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  close(in[1]);
  const int64_t deadline = now_ms() + timeout_ms;
  bool out_open = true, err_open = true;
  char buf[65536];
  while ((out_open || err_open) && now_ms() < deadline) {
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int rc = poll(fds, 2, 100);
    if (rc < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      else (i == 0 ? out_open : err_open) = false;
    }
  }
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == 0) {
    // Give it until the deadline, then kill.
    const int left = static_cast<int>(std::max<int64_t>(0, deadline - now_ms()));
    if (!eventually(left, 10, [&] { return waitpid(pid, &status, WNOHANG) != 0; })) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.err += "\n[test harness: killed after timeout]";
      status = -1;
    }
  }
  close(out[0]);
  close(err[0]);
  r.exit_code = status == -1 ? -1 : decode_status(status);
  return r;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
  }
}

bool ChildProcess::start(const std::vector<std::string>& argv, const std::string& log_path,
                         const std::map<std::string, std::string>& env) {
  log_path_ = log_path;
  log_start_ = read_all(log_path).size();
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    apply_env(env);
    auto args = c_argv(argv);
    execv(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
  return true;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    exit_code_ = decode_status(st);
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::wait(int timeout_ms) {
  if (eventually(timeout_ms, 10, [&] { return !running(); })) return exit_code_;
  return -1;
}

int ChildProcess::stop(int timeout_ms) {
  if (pid_ <= 0) return exit_code_;
  kill(pid_, SIGTERM);
  int rc = wait(timeout_ms);
  if (pid_ > 0) {
    kill9();
    return -1;
  }
  return rc;
}

void ChildProcess::kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
  exit_code_ = -1;
}

bool ChildProcess::wait_for_log(const std::string& needle, int timeout_ms) {
  // Stops early when the process exits: it has then written all it will.
  eventually(timeout_ms, 10, [&] { return log().find(needle) != std::string::npos || !running(); });
  return log().find(needle) != std::string::npos;
}

std::string ChildProcess::log() const {
  std::string all = read_all(log_path_);
  return log_start_ <= all.size() ? all.substr(log_start_) : all;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/relais-test-XXXXXX";
  char* p = mkdtemp(tmpl);
  path_ = p ? p : "/tmp/relais-test-fallback";
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

std::string bin(const std::string& program) { return std::string(RELAIS_BIN_DIR) + "/" + program; }

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

}  // namespace relais::test
