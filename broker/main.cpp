// relais-broker: the central broker. Thin over core/broker.
//   relais-broker --config broker.toml [--check-config] [--log-level LEVEL]
// Exit codes: 0 clean stop, 1 failure at run time, 2 usage or configuration.
#include <csignal>
#include <iostream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "broker/broker.h"
#include "cli/cli.h"

int main(int argc, char** argv) {
  CLI::App app{"relais-broker: routes encrypted, signed alerts and referrals between agencies"};
  app.name("relais-broker");
  std::string config_path, level = "info";
  bool check_only = false;
  app.add_option("--config", config_path, "broker configuration file (broker.toml)")->required();
  app.add_flag("--check-config", check_only, "validate the configuration and the bundle, then exit (2 on errors)");
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
  // SIGTERM and SIGINT arrive on a signalfd the poll loop watches.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int stop_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (stop_fd < 0) {
    std::cerr << "relais-broker: cannot create a signalfd\n";
    return 1;
  }
  auto broker = relais::Broker::create(*config);
  if (!broker.ok()) {
    spdlog::error("{}", broker.status().message());
    return broker.status().exit_code();
  }
  if (relais::Status s = (*broker)->start(); !s.ok()) {
    spdlog::error("{}", s.message());
    return s.exit_code();
  }
  relais::Status s = (*broker)->run(stop_fd);
  close(stop_fd);
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  return 0;
}
