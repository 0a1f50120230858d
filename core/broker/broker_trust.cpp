#include "broker/broker_trust.h"

#include <vector>

#include "policy/serial_state.h"

namespace relais {

std::string bundle_serial_file(const BrokerConfig& config) { return config.data_dir + "/bundle.serial"; }

std::string bundle_archive_dir(const BrokerConfig& config) { return config.data_dir + "/bundles"; }

std::map<PublicKey, std::string> zap_allowlist(const TrustBundle& bundle) {
  std::map<PublicKey, std::string> allow;
  for (const auto& c : bundle.participants) {
    if (c.revoked || c.role == Role::kAuthority || c.role == Role::kBroker) continue;
    allow.emplace(c.link_pk, c.name);
  }
  return allow;
}

Status check_reload(const TrustBundle& current, const TrustBundle& next, const Identity& identity) {
  if (next.serial <= current.serial)
    return Status::Refused("bundle serial " + std::to_string(next.serial) + " is not newer than the one in force (" +
                           std::to_string(current.serial) + "); sign the change with a higher serial");
  const PublicCard* me = next.broker();
  if (me == nullptr || me->link_pk != identity.card.link_pk || me->sign_pk != identity.card.sign_pk)
    return Status::Refused("bundle serial " + std::to_string(next.serial) +
                           " names other keys for the broker than this broker's; a change of the broker's own keys "
                           "needs a restart with the matching identity");
  return Status::Ok();
}

Result<BrokerTrust> load_broker_trust(const BrokerConfig& config) {
  std::vector<std::string> errors;
  bool refused = false;
  auto id = load_identity(config.identity);
  if (!id.ok()) errors.push_back(config.path + ": broker.identity: " + id.status().message());
  auto b = load_bundle(config.bundle, config.authority_key);
  if (!b.ok()) errors.push_back(config.path + ": broker.bundle: " + b.status().message());
  if (id.ok() && b.ok()) {
    const PublicCard* me = b->broker();
    if (me == nullptr || me->link_pk != id->card.link_pk || me->sign_pk != id->card.sign_pk)
      errors.push_back(config.path + ": broker.identity " + config.identity + " is not the broker card of bundle " +
                       config.bundle + "; use the matching key or bundle");
  }
  if (b.ok()) {
    Status st = check_serial(bundle_serial_file(config), b->serial, config.bundle);
    if (!st.ok()) {
      refused = refused || st.code() == Code::kRefused;
      errors.push_back(config.path + ": broker.bundle: " + st.message());
    }
  }
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    return refused && errors.size() == 1 ? Status::Refused(msg) : Status::Config(msg);
  }
  BrokerTrust t;
  t.identity = std::move(id).value();
  t.bundle = std::make_shared<const TrustBundle>(std::move(b).value());
  return t;
}

}  // namespace relais
