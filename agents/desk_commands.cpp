#include "desk_commands.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "config/agent_config.h"
#include "desk/account_store.h"
#include "desk/desk_cert.h"
#include "desk/password_hasher.h"
#include "desk/password_strength.h"
#include "util/clock.h"
#include "util/json_output.h"
#include "command_failure.h"

namespace relais {
namespace {

std::string read_line_quietly(const char* prompt) {
  termios old {};
  const bool tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    std::cerr << prompt << std::flush;
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The new password: one line of stdin, or asked twice on a terminal.
Result<std::string> new_password(const std::string& user) {
  std::string p = read_line_quietly("New password: ");
  if (::isatty(STDIN_FILENO)) {
    if (read_line_quietly("Again: ") != p) return Status::Invalid("the two passwords differ: try again");
  }
  if (p.empty())
    return Status::Usage("give the password on standard input, for example: relais-agent --config A.toml user add " +
                         user + " --role caseworker < password.txt");
  if (Status s = desk::check_password_strength(p, user); !s.ok()) return s;
  return p;
}

}  // namespace

DeskCommands::DeskCommands(CLI::App& app) {
  user_ = app.add_subcommand("user", "manage the desk's accounts (local to this agency)");
  user_->require_subcommand(1);
  add_ = user_->add_subcommand("add", "add an account; the password is read from standard input");
  add_->add_option("NAME", name_, "the user name: lowercase letters, digits, '.', '_' or '-'")->required();
  add_->add_option("--role", role_, "viewer, caseworker or admin")->required();
  list_ = user_->add_subcommand("list", "list the accounts");
  list_->add_flag("--json", json_, "one JSON array");
  remove_ = user_->add_subcommand("remove", "remove an account");
  remove_->add_option("NAME", name_, "the user name")->required();
  passwd_ = user_->add_subcommand("passwd", "set a new password, read from standard input");
  passwd_->add_option("NAME", name_, "the user name")->required();
  unlock_ = user_->add_subcommand("unlock", "clear the lockout after repeated wrong passwords");
  unlock_->add_option("NAME", name_, "the user name")->required();
  cert_ = app.add_subcommand("desk-cert", "make the desk's TLS key and self-signed certificate, print its fingerprint");
  cert_->add_option("--days", days_, "validity in days (default 825)")->check(CLI::Range(1, 3650));
}

std::optional<int> DeskCommands::run(const std::string& config_path) {
  if (!user_->parsed() && !cert_->parsed()) return std::nullopt;
  if (config_path.empty()) {
    std::cerr << "relais-agent: --config AGENT.toml is required\n";
    return 2;
  }
  auto cfg = load_agent_config(config_path);
  if (!cfg.ok()) return fail_with(cfg.status());
  if (cfg->state_dir.empty()) {
    std::cerr << "relais-agent: " << config_path << " has no [agent] state_dir: the accounts live there\n";
    return 2;
  }

  if (cert_->parsed()) {
    if (!cfg->desk.enabled) {
      std::cerr << "relais-agent: " << config_path
                << " has no [desk] section: add one with listen, tls_cert and tls_key first\n";
      return 2;
    }
    const std::string cert = cfg->desk.tls_cert.empty() ? cfg->state_dir + "/desk.crt" : cfg->desk.tls_cert;
    const std::string key = cfg->desk.tls_key.empty() ? cfg->state_dir + "/desk.key" : cfg->desk.tls_key;
    auto made = desk::make_desk_certificate(cert, key, cfg->desk.hostnames, days_);
    if (!made.ok()) return fail_with(made.status());
    std::cout << json_text(nlohmann::json{{"certificate", made->cert_path},
                                          {"key", made->key_path},
                                          {"sha256_fingerprint", made->sha256_fingerprint}})
              << std::endl;
    std::cerr << "relais-agent: check this fingerprint on each PC the first time its browser warns about the "
                 "certificate: "
              << made->sha256_fingerprint << "\n";
    return 0;
  }

  auto store = desk::AccountStore::open(cfg->state_dir);
  if (!store.ok()) return fail_with(store.status());
  desk::AccountStore& accounts = **store;

  if (add_->parsed()) {
    if (!desk::is_valid_account_name(name_))
      return fail_with(Status::Usage("\"" + name_ +
                                "\" is not a valid user name: use lowercase letters, digits, '.', '_' or '-', like "
                                "amivi.k"));
    if (!desk::is_valid_role(role_)) return fail_with(Status::Usage("--role must be viewer, caseworker or admin"));
    auto existing = accounts.find(name_);
    if (!existing.ok()) return fail_with(existing.status());
    if (existing->has_value()) return fail_with(Status::Invalid("the user " + name_ + " already exists"));
    auto password = new_password(name_);
    if (!password.ok()) return fail_with(password.status());
    desk::PasswordHasher hasher;
    auto hash = hasher.hash(*password);
    if (!hash.ok()) return fail_with(hash.status());
    desk::Account a;
    a.name = name_;
    a.role = role_;
    a.hash = *hash;
    a.created_ms = now_ms();
    if (Status s = accounts.add(a); !s.ok()) return fail_with(s);
    std::cout << json_text(nlohmann::json{{"added", name_}, {"role", role_}}) << std::endl;
    return 0;
  }
  if (list_->parsed()) {
    auto all = accounts.list();
    if (!all.ok()) return fail_with(all.status());
    if (json_) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& a : *all)
        out.push_back({{"name", a.name},
                       {"role", a.role},
                       {"created", format_rfc3339_ms(a.created_ms)},
                       {"password_changed", format_rfc3339_ms(a.password_changed_ms)}});
      std::cout << json_text(out) << std::endl;
    } else {
      if (all->empty()) std::cout << "Aucun compte / No account: relais-agent --config A.toml user add NAME --role admin\n";
      for (const auto& a : *all) std::cout << a.name << "\t" << a.role << "\n";
    }
    return 0;
  }
  if (remove_->parsed()) {
    if (Status s = accounts.remove(name_); !s.ok()) return fail_with(s);
    std::cout << json_text(nlohmann::json{{"removed", name_}}) << std::endl;
    return 0;
  }
  if (passwd_->parsed()) {
    auto existing = accounts.find(name_);
    if (!existing.ok()) return fail_with(existing.status());
    if (!existing->has_value()) return fail_with(Status::Invalid("there is no user " + name_ + " (see relais-agent user list)"));
    auto password = new_password(name_);
    if (!password.ok()) return fail_with(password.status());
    desk::PasswordHasher hasher;
    auto hash = hasher.hash(*password);
    if (!hash.ok()) return fail_with(hash.status());
    if (Status s = accounts.set_hash(name_, *hash, now_ms()); !s.ok()) return fail_with(s);
    std::cout << json_text(nlohmann::json{{"password_changed", name_}}) << std::endl;
    return 0;
  }
  if (unlock_->parsed()) {
    auto n = accounts.unlock(name_);
    if (!n.ok()) return fail_with(n.status());
    std::cout << json_text(nlohmann::json{{"unlocked", name_}, {"addresses", *n}}) << std::endl;
    return 0;
  }
  return 2;
}

}  // namespace relais
