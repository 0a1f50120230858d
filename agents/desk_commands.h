// relais-agent's desk commands, registered on the program's CLI::App:
//   relais-agent --config A.toml user add NAME --role viewer|caseworker|admin   (password on stdin)
//   relais-agent --config A.toml user list [--json]
//   relais-agent --config A.toml user remove NAME
//   relais-agent --config A.toml user passwd NAME                                (password on stdin)
//   relais-agent --config A.toml user unlock NAME
//   relais-agent --config A.toml desk-cert [--days N]
// The password is the first line of standard input; on a terminal it is
// asked twice without echo. They need only the configuration's state_dir
// (the accounts live in state_dir/store.db), not the participant's key.
#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace relais {

class DeskCommands {
 public:
  explicit DeskCommands(CLI::App& app);
  // The exit code when one of these commands was given, else nullopt.
  std::optional<int> run(const std::string& config_path);

 private:
  CLI::App* user_ = nullptr;
  CLI::App* add_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* remove_ = nullptr;
  CLI::App* passwd_ = nullptr;
  CLI::App* unlock_ = nullptr;
  CLI::App* cert_ = nullptr;
  std::string name_;
  std::string role_;
  bool json_ = false;
  int days_ = 825;
};

}  // namespace relais
