// The broker's identity and trust bundle, loaded and checked together: the
// one check shared by the broker's start and `relais-broker --check-config`,
// so that a configuration that check says is ok also starts.
//
// load_broker_trust() reads the identity key file (mode 0600), the bundle
// (verified against the pinned authority key), checks that the identity is
// the bundle's broker card, and that the bundle's serial is not older than
// the one recorded in DATA/bundle.serial (a downgrade could un-revoke keys).
// It records nothing. Every problem is reported at once, each prefixed with
// the configuration file (Status::Config, exit 2; a downgrade is Refused).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/broker_config.h"
#include "crypto/keys.h"
#include "policy/bundle.h"
#include "util/status.h"

namespace relais {

struct BrokerTrust {
  Identity identity;
  std::shared_ptr<const TrustBundle> bundle;
};

Result<BrokerTrust> load_broker_trust(const BrokerConfig& config);

// The file the data folder records the newest accepted bundle serial in.
std::string bundle_serial_file(const BrokerConfig& config);

// The folder that keeps a copy of every bundle the broker loaded,
// DATA/bundles/<serial>.bundle (served by FETCH bundle:<serial>).
std::string bundle_archive_dir(const BrokerConfig& config);

// Who the ZAP handler admits under `bundle`: the current link key of every
// participant that is not revoked (the authority and the broker aside).
std::map<PublicKey, std::string> zap_allowlist(const TrustBundle& bundle);

// A bundle that may replace `current` at a reload, given the broker's own
// identity: its broker card must be this broker's keys (rotating the
// broker's keys needs a restart) and its serial must be higher. Status
// Refused with the reason otherwise. (Signature and parsing are checked by
// parse_bundle before.)
Status check_reload(const TrustBundle& current, const TrustBundle& next, const Identity& identity);

}  // namespace relais
