// relais-admin restore --from BACKUP --data NEWDIR [--last-known-seq N] [--config FILE]
// Puts a backup into a new data folder as a new log epoch (broker/restore.h):
// its first record is the signed `restored` event; seqs continue from the
// backup's; every record logged after the backup's last seq is lost, and
// agents re-send theirs when they hear NOTICE restored.
#include <filesystem>
#include <iostream>
#include <memory>

#include "broker/restore.h"
#include "commands.h"
#include "config/broker_config.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace relais::admin {

Command add_restore(CLI::App& root) {
  struct Options {
    std::string from, data, config;
    std::optional<uint64_t> last_known_seq;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "restore", "Restore a broker backup into a new data folder, as a new log epoch that starts with a signed "
                 "'restored' record");
  app->add_option("--from", o->from, "The backup folder (made by relais-admin backup)")->required();
  app->add_option("--data", o->data, "The new data folder (must not exist, or be empty)")->required();
  app->add_option("--last-known-seq", o->last_known_seq,
                  "The highest seq anyone may hold (from a witness state, a receipt or the broker's metrics); "
                  "recorded in the restored event (default: unknown)");
  app->add_option("--config", o->config,
                  "The broker's configuration, for its signing key and bundle (default: broker.toml in the new data "
                  "folder's parent, as relais-admin init lays it out)");
  return {app, [o] {
            namespace fs = std::filesystem;
            std::error_code ec;
            const fs::path data = fs::absolute(o->data, ec);
            const std::string config_path =
                o->config.empty() ? (data.parent_path() / "broker.toml").string() : o->config;
            if (!fs::exists(config_path, ec))
              return report(Status::Usage("restore: no broker configuration at " + config_path +
                                          "; name it with --config FILE"));
            auto config = load_broker_config(config_path);
            if (!config.ok()) return report(config.status());
            const std::string configured = config->data_dir;
            RestoreOptions ro;
            ro.from = o->from;
            ro.data = o->data;
            ro.last_known_seq = o->last_known_seq;
            auto rep = restore_data_folder(*config, ro, now_ms());
            if (!rep.ok()) return report(rep.status());
            const uint64_t last = rep->backup.size;
            std::cout << "restored " << o->from << " into " << o->data << ": seq 1 to " << last << " (epoch "
                      << rep->backup.epoch << "); epoch " << rep->epoch << " begins at seq " << rep->restored_seq
                      << " with the restored record, signed " << format_rfc3339_ms(rep->first.ts_ms) << "\n"
                      << "records logged after seq " << last << " are lost";
            if (o->last_known_seq && *o->last_known_seq > last)
              std::cout << " (seq " << last + 1 << " to " << *o->last_known_seq << " at least)";
            std::cout << ": agents re-send theirs when the broker tells them (NOTICE restored); auditors run "
                         "relais-audit verify --accept-restore "
                      << rep->epoch << " once they have seen this\n";
            if (fs::weakly_canonical(configured, ec) != fs::weakly_canonical(o->data, ec))
              std::cout << "the broker's configuration " << config_path << " names the data folder " << configured
                        << ": point data_dir at " << o->data << " (or move the folder there) before starting it\n";
            return 0;
          }};
}

}  // namespace relais::admin
