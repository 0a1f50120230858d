// relais-admin shred --data DIR [--config FILE]
// The broker's shredder on a stopped broker's data folder
// (broker/offline_shred.h): erases what the [retention] periods and
// [[erasure_orders]] of the bundle in broker.toml allow, each erasure after
// its erasure event. Refused while the broker runs (DATA/LOCK) or while
// DATA/shredding.paused exists.
#include <filesystem>
#include <iostream>
#include <memory>

#include "broker/offline_shred.h"
#include "commands.h"
#include "config/broker_config.h"
#include "util/clock.h"

namespace relais::admin {

Command add_shred(CLI::App& root) {
  struct Options {
    std::string data, config;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "shred", "Erase, with the broker stopped, the messages that retention periods and erasure orders allow");
  app->add_option("--data", o->data, "The broker's data folder")->required();
  app->add_option("--config", o->config,
                  "The broker's configuration (default: broker.toml in the data folder's parent, as relais-admin "
                  "init lays it out)");
  return {app, [o] {
            namespace fs = std::filesystem;
            std::error_code ec;
            const fs::path data = fs::weakly_canonical(o->data, ec);
            if (ec || !fs::is_directory(data, ec))
              return report(Status::Usage("shred: --data " + o->data + " is not a folder"));
            const std::string config_path =
                o->config.empty() ? (data.parent_path() / "broker.toml").string() : o->config;
            if (!fs::exists(config_path, ec))
              return report(Status::Usage("shred: no broker configuration at " + config_path +
                                          "; name it with --config FILE"));
            auto config = load_broker_config(config_path);
            if (!config.ok()) return report(config.status());
            if (fs::weakly_canonical(config->data_dir, ec) != data)
              return report(Status::Usage("shred: " + config_path + " names the data folder " + config->data_dir +
                                          ", not " + o->data + "; pass the broker's own configuration with --config"));
            auto rep = shred_offline(*config, now_ms());
            if (!rep.ok()) return report(rep.status());
            std::cout << "erased " << rep->erased << " record" << (rep->erased == 1 ? "" : "s") << " in " << o->data
                      << " under bundle serial " << rep->bundle_serial << " (" << rep->under_retention
                      << " under retention";
            for (const auto& [order, n] : rep->by_order) std::cout << ", " << n << " by order " << order;
            std::cout << "); " << rep->events << " erasure event" << (rep->events == 1 ? "" : "s") << " logged\n";
            if (rep->not_yet_due > 0)
              std::cout << rep->not_yet_due
                        << " more are not yet due by this machine's clock; they are erased by a later run\n";
            return 0;
          }};
}

}  // namespace relais::admin
