// Key passphrases as people meet them: relais-admin run on a real
// pseudo-terminal (its controlling terminal, as in a shell) with no
// passphrase variable set asks for the passphrase without echo, twice for a
// new key and once to load one; a weak passphrase is refused with the rule.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "process.h"

namespace fs = std::filesystem;
using relais::test::bin;
using relais::test::read_all;
using relais::test::run_process;
using relais::test::TempDir;

namespace {

constexpr int kTimeoutMs = 60000;

struct TerminalRun {
  int exit_code = -1;  // -1: killed (timed out)
  std::string screen;  // everything the program showed on its terminal
};

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// Runs argv with a new pseudo-terminal as its controlling terminal and
// standard input, output and error, and the passphrase variables unset. Each
// step waits until the screen shows `prompt` one more time, then types `keys`.
TerminalRun run_on_terminal(const std::vector<std::string>& argv,
                            const std::vector<std::pair<std::string, std::string>>& steps) {
  TerminalRun r;
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const std::string slave_name = ::ptsname(master);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setsid();
    const int slave = ::open(slave_name.c_str(), O_RDWR);  // becomes the controlling terminal
    if (slave < 0) ::_exit(127);
    ::dup2(slave, 0);
    ::dup2(slave, 1);
    ::dup2(slave, 2);
    if (slave > 2) ::close(slave);
    ::close(master);
    ::unsetenv("RELAIS_KEY_PASSPHRASE");
    ::unsetenv("RELAIS_KEY_PASSPHRASE_FILE");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  std::map<std::string, size_t> seen;  // prompt -> how many times answered
  size_t step = 0;
  bool exited = false;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0 && (p.revents & POLLIN)) {
      char buf[1024];
      const ssize_t n = ::read(master, buf, sizeof buf);
      if (n > 0) r.screen.append(buf, static_cast<size_t>(n));
    }
    if (step < steps.size()) {
      const auto& [prompt, keys] = steps[step];
      if (count_of(r.screen, prompt) > seen[prompt]) {
        ++seen[prompt];
        (void)::write(master, keys.data(), keys.size());
        ++step;
      }
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  for (char buf[1024];;) {  // what is left on the screen
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) break;
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    r.screen.append(buf, static_cast<size_t>(n));
  }
  ::close(master);
  if (exited && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace

TEST_CASE("keygen --encrypt on a terminal asks twice without echo, and bundle asks once to load the key",
          "[admin][passphrase]") {
  TempDir tmp;
  const std::string deploy = tmp.path() + "/deploy";
  auto init = run_process({bin("relais-admin"), "init", "--dir", deploy, "--port", "7998"}, kTimeoutMs);
  INFO(init.err);
  REQUIRE(init.exit_code == 0);
  const std::string pass = "lagune tracteur velours poivre";
  const std::string out = tmp.path() + "/enc";
  auto gen = run_on_terminal({bin("relais-admin"), "keygen", "--name", "authority", "--role", "authority", "--out",
                              out, "--encrypt"},
                             {{"Passphrase for authority.key: ", pass + "\r"}, {"Type it again: ", pass + "\r"}});
  INFO(gen.screen);
  REQUIRE(gen.exit_code == 0);
  CHECK_THAT(gen.screen, !Catch::Contains("lagune"));
  const std::string key = out + "/authority.key";
  CHECK_THAT(read_all(key), Catch::Contains("relais-key-enc/1"));

  auto bundle = run_on_terminal({bin("relais-admin"), "bundle", "--authority", key, "--cards", deploy + "/keys",
                                 "--policy", deploy + "/policy.toml", "--out", tmp.path() + "/t.bundle"},
                                {{"Passphrase for " + key + ": ", pass + "\r"}});
  INFO(bundle.screen);
  CHECK(bundle.exit_code == 0);
  CHECK_THAT(bundle.screen, !Catch::Contains("lagune"));
  CHECK(fs::is_regular_file(tmp.path() + "/t.bundle"));
}

TEST_CASE("two different passphrases typed for a new key write nothing", "[admin][passphrase]") {
  TempDir tmp;
  auto gen = run_on_terminal({bin("relais-admin"), "keygen", "--name", "auditor", "--role", "auditor", "--out",
                              tmp.path(), "--encrypt"},
                             {{"Passphrase for auditor.key: ", "lagune tracteur velours poivre\r"},
                              {"Type it again: ", "lagune tracteur velours poivrE\r"}});
  INFO(gen.screen);
  CHECK(gen.exit_code == 2);
  CHECK_THAT(gen.screen, Catch::Contains("differ"));
  CHECK_FALSE(fs::exists(tmp.path() + "/auditor.key"));
}

TEST_CASE("keygen --encrypt refuses a weak passphrase and explains the rule", "[admin][passphrase]") {
  TempDir tmp;
  for (const char* weak : {"Password1!", "Summer2026", "azerty"}) {
    INFO(weak);
    auto r = run_process({bin("relais-admin"), "keygen", "--name", "auditor", "--role", "auditor", "--out",
                          tmp.path(), "--encrypt"},
                         kTimeoutMs, "", {{"RELAIS_KEY_PASSPHRASE", weak}});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("16 characters"));
    CHECK_THAT(r.err, Catch::Contains("60 bits"));
    CHECK_THAT(r.err, !Catch::Contains(weak));
    CHECK_FALSE(fs::exists(tmp.path() + "/auditor.key"));
  }
  auto ok = run_process({bin("relais-admin"), "keygen", "--name", "auditor", "--role", "auditor", "--out", tmp.path(),
                         "--encrypt"},
                        kTimeoutMs, "", {{"RELAIS_KEY_PASSPHRASE", "sixteen chars ok"}});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
}
