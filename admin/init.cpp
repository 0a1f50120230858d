// relais-admin init --dir DIR [--port PORT] [--data-dir DATA]
// Creates the sample deployment (core/policy/sample_policy.h, the demo's
// participants): keys, policy, signed bundle
// (relais-bundle/2, serial 1), broker.toml and one agents/<name>.toml per participant.
// The broker's data folder is DIR/data unless --data-dir names another
// (written into broker.toml as an absolute path; created 0700 if missing).
// Refuses a folder, or a data folder, that is not empty (exit 2) and never
// overwrites a key.
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "policy/bundle.h"
#include "policy/sample_policy.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais::admin {
namespace {

struct Member {
  const char* name;
  const char* role;
  const char* region;
  const char* prefecture;
};

// Golfe is in region maritime, Kozah in region kara.
constexpr Member kMembers[] = {
    {"commission", "commission", "", ""},
    {"committee.golfe", "committee", "maritime", "golfe"},
    {"committee.kozah", "committee", "kara", "kozah"},
    {"police.golfe", "police", "maritime", "golfe"},
    {"police.kozah", "police", "kara", "kozah"},
    {"gendarmerie.kozah", "gendarmerie", "kara", "kozah"},
    {"social.golfe", "social", "maritime", "golfe"},
    {"ngo.refuge", "ngo", "maritime", "golfe"},
    {"auditor", "auditor", "", ""},
};

// A TOML basic string holding s.
std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string broker_toml(const std::string& endpoint, const std::string& authority_b64, const std::string& data_dir) {
  std::ostringstream o;
  o << "# Relais broker configuration, written by relais-admin init.\n"
       "# Paths are relative to this file's folder. See config/broker.toml for every key.\n"
       "[broker]\n"
    << "endpoint = \"" << endpoint << "\"\n"
    << "identity = \"keys/broker.key\"\n"
       "bundle = \"trust.bundle\"\n"
    << "authority_key = \"" << authority_b64 << "\"  # pinned authority public key (Ed25519)\n"
    << "data_dir = " << toml_string(data_dir) << "\n"
       "\n[log]\n"
       "sync = \"batch\"\n"
       "segment_bytes = 67108864\n"
       "checkpoint_every = 1000\n"
       "checkpoint_seconds = 10\n"
       "\n[delivery]\n"
       "max_in_flight = 256\n"
       "ack_timeout_ms = 30000\n"
       "max_deliver = 5\n"
       "heartbeat_ms = 2000\n"
       "heartbeat_timeout_ms = 10000\n"
       "\n[limits]\n"
       "max_frame_bytes = 17825792  # 17 MiB: a 16 MiB body (attachments) and its header\n"
       "max_body = 16777216\n"
       "max_subscriptions = 64\n"
       "max_connections = 4096\n"
       "max_readers = 64\n"
       "max_clock_skew_ms = 300000\n";
  return o.str();
}

Status write_text(const std::string& path, const std::string& text) {
  return write_file_durable(path, as_bytes(text), 0644, true);
}

}  // namespace

std::string agent_toml(const std::string& name, const std::string& endpoint, const std::string& authority_b64,
                       const std::string& key_path) {
  std::ostringstream o;
  o << "# Relais agent configuration for " << name << ", written by relais-admin.\n"
    << "# Paths are relative to this file's folder. See config/agent.toml for every key.\n"
    << "[agent]\n"
    << "identity = \"" << key_path << "\"\n"
    << "bundle = \"../trust.bundle\"\n"
    << "authority_key = \"" << authority_b64 << "\"  # pinned authority public key (Ed25519)\n"
    << "broker = \"" << endpoint << "\"\n"
    << "state_dir = \"../state/" << name << "\"\n";
  return o.str();
}

Command add_init(CLI::App& root) {
  struct Options {
    std::string dir, locations, data_dir;
    int port = 7450;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("init", "Create a complete sample deployment, ready to run, in an empty folder");
  app->add_option("--dir", o->dir, "Folder to create (must be missing or empty)")->required();
  app->add_option("--port", o->port, "Broker TCP port on 127.0.0.1 (default 7450)")->check(CLI::Range(1, 65535));
  app->add_option("--data-dir", o->data_dir,
                  "Folder for the broker's log, checkpoints and cursors (default DIR/data); must be missing or "
                  "empty, e.g. /var/lib/relais");
  app->add_option("--locations", o->locations,
                  "Location CSV used to check regions and prefectures (default: the data built in from config/locations.csv)");
  return {app, [o] {
            namespace fs = std::filesystem;
            std::error_code ec;
            if (fs::exists(o->dir, ec)) {
              if (!fs::is_directory(o->dir, ec))
                return report(Status::Usage("init: " + o->dir + " exists and is not a folder"));
              if (!fs::is_empty(o->dir, ec))
                return report(Status::Usage("init: " + o->dir +
                                            " is not empty; refusing to touch it. Choose a new or empty folder"));
            }
            // The data folder, checked before anything is written.
            std::string data_dir = "data";
            if (!o->data_dir.empty()) {
              if (o->data_dir.find_first_of("\n\r") != std::string::npos)
                return report(Status::Usage("init: --data-dir must be a folder name on one line"));
              data_dir = fs::absolute(o->data_dir, ec).lexically_normal().string();
              if (ec) return report(Status::Usage("init: cannot resolve --data-dir " + o->data_dir));
              if (fs::exists(data_dir, ec)) {
                if (!fs::is_directory(data_dir, ec))
                  return report(Status::Usage("init: --data-dir " + data_dir + " exists and is not a folder"));
                if (!fs::is_empty(data_dir, ec))
                  return report(Status::Usage("init: --data-dir " + data_dir +
                                              " is not empty (another broker's data?); refusing to touch it. "
                                              "Choose a new or empty folder"));
              }
            }
            auto loc = load_locations(o->locations);
            if (!loc.ok()) return report(loc.status());
            const std::string dir = o->dir;
            const std::string keys = dir + "/keys";
            for (const auto& d : {dir, keys, dir + "/agents"}) {
              Status s = make_dirs(d, d == keys ? 0700 : 0755);
              if (!s.ok()) return report(s);
            }
            if (!o->data_dir.empty()) {
              Status s = make_dirs(data_dir, 0700);
              if (!s.ok()) return report(s);
            }
            auto authority_card = create_identity("authority", "authority", "", "", keys, *loc);
            if (!authority_card.ok()) return report(authority_card.status());
            std::vector<PublicCard> cards;
            auto broker = create_identity("broker", "broker", "", "", keys, *loc);
            if (!broker.ok()) return report(broker.status());
            cards.push_back(*broker);
            for (const auto& m : kMembers) {
              auto c = create_identity(m.name, m.role, m.region, m.prefecture, keys, *loc);
              if (!c.ok()) return report(c.status());
              cards.push_back(*c);
            }
            Status s = write_text(dir + "/policy.toml", std::string(sample_policy_toml()));
            if (!s.ok()) return report(s);
            auto authority = load_identity(keys + "/authority.key");
            if (!authority.ok()) return report(authority.status());
            auto bundle = build_bundle(*authority, cards, sample_policy_toml(), 1, now_ms(), {});
            if (!bundle.ok()) return report(bundle.status());
            s = write_file_durable(dir + "/trust.bundle", *bundle, 0644, true);
            if (!s.ok()) return report(s);
            const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(o->port);
            const std::string pin = to_base64(authority->card.sign_pk);
            s = write_text(dir + "/broker.toml", broker_toml(endpoint, pin, data_dir));
            if (!s.ok()) return report(s);
            for (const auto& m : kMembers) {
              s = write_text(dir + "/agents/" + m.name + ".toml",
                             agent_toml(m.name, endpoint, pin, std::string("../keys/") + m.name + ".key"));
              if (!s.ok()) return report(s);
            }
            std::cout << "created a Relais deployment in " << dir << ":\n"
                      << "  keys/           authority, broker and " << std::size(kMembers) << " participant keys\n"
                      << "  policy.toml     the topic policy\n"
                      << "  trust.bundle    signed by keys/authority.key, serial 1\n"
                      << "  broker.toml     broker on " << endpoint << ", data in "
                      << (o->data_dir.empty() ? dir + "/data" : data_dir) << "\n"
                      << "  agents/*.toml   one agent configuration per participant\n"
                      << "Move keys/authority.key offline now (e.g. to an encrypted USB key kept by the "
                         "commission): it signs every trust bundle, and the broker never needs it.\n";
            return 0;
          }};
}

}  // namespace relais::admin
