// relais-broker: the central broker. Thin over core/broker.
//   relais-broker --config broker.toml [--check-config] [--log-level LEVEL]
//   relais-broker --config broker.toml --reload
// SIGTERM and SIGINT stop it cleanly; SIGHUP reloads the bundle file and
// never ends it. --reload asks the broker running on that configuration's
// data folder to reload and waits for the outcome (core/broker/reload_control.h).
// Under systemd (Type=notify) it reports READY, RELOADING and STOPPING
// (broker/notify.h).
// Exit codes: 0 clean stop (--reload: the new bundle is in force), 1 failure
// at run time (--reload: refused, or no broker), 2 usage or configuration.
#include <csignal>
#include <iostream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "broker/broker.h"
#include "broker/reload_control.h"
#include "cli/cli.h"
#include "notify.h"

int main(int argc, char** argv) {
  CLI::App app{"relais-broker: routes encrypted, signed alerts and referrals between agencies"};
  app.name("relais-broker");
  std::string config_path, level = "info";
  bool check_only = false, reload = false;
  app.add_option("--config", config_path, "broker configuration file (broker.toml)")->required();
  app.add_flag("--check-config", check_only, "validate the configuration and the bundle, then exit (2 on errors)");
  app.add_flag("--reload", reload,
               "ask the running broker to reload its bundle file and wait: exit 0 if the new bundle is in force, "
               "1 if it was refused (the reason is printed)");
  app.add_option("--log-level", level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.set_version_flag("--version", std::string("relais-broker ") + RELAIS_VERSION);
  if (auto rc = relais::parse_command_line(app, argc, argv)) return *rc;

  auto logger = spdlog::stderr_color_mt("relais-broker");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  if (check_only) {
    relais::Status s = relais::check_broker_config(config_path);
    if (!s.ok()) {
      std::cerr << s.message() << "\n";
      return 2;
    }
    std::cout << config_path << ": ok\n";
    return 0;
  }
  auto config = relais::load_broker_config(config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  if (reload) {
    auto r = relais::request_reload(*config, 60000);
    if (!r.ok()) {
      std::cerr << r.status().message() << "\n";
      return 1;
    }
    std::cout << "relais-broker: " << *r << "\n";
    return 0;
  }
  // SIGTERM and SIGINT arrive on a signalfd the poll loop watches, SIGHUP on
  // another: blocked from here on, it can never end the broker.
  sigset_t stop_mask, hup_mask;
  sigemptyset(&stop_mask);
  sigaddset(&stop_mask, SIGTERM);
  sigaddset(&stop_mask, SIGINT);
  sigemptyset(&hup_mask);
  sigaddset(&hup_mask, SIGHUP);
  sigset_t all = stop_mask;
  sigaddset(&all, SIGHUP);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  int stop_fd = signalfd(-1, &stop_mask, SFD_CLOEXEC | SFD_NONBLOCK);
  int reload_fd = signalfd(-1, &hup_mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (stop_fd < 0 || reload_fd < 0) {
    std::cerr << "relais-broker: cannot create a signalfd\n";
    return 1;
  }
  auto broker = relais::Broker::create(*config);
  if (!broker.ok()) {
    spdlog::error("{}", broker.status().message());
    return broker.status().exit_code();
  }
  relais::SystemdNotifier notifier;
  (*broker)->set_lifecycle_listener(&notifier);
  if (relais::Status s = (*broker)->start(); !s.ok()) {
    spdlog::error("{}", s.message());
    return s.exit_code();
  }
  relais::Status s = (*broker)->run(stop_fd, reload_fd);
  close(stop_fd);
  close(reload_fd);
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  return 0;
}
