// BundleStore: the trust bundles an agent holds (docs/operations.md §Onboarding an agency).
//
// The agent's configured `bundle` file is where it starts; bundles fetched
// from the broker are kept in state_dir/bundles/<serial>.bundle, each the
// exact signed file, written atomically (write_file_durable) and only after
// it verified against the pinned authority key. The bundle in use is the
// newest verified one among the configured file and that folder: an older
// configured file is not an error. A stored file that does not verify, or
// whose name is not its serial, is ignored (and named in warnings()).
//
// accept() takes a newer bundle (never an older serial than the one in use:
// Status::Refused); keep() stores an older one too, for checking messages
// built with it, without changing the one in use. Without a state_dir the
// store holds bundles in memory only.
//
// Not thread-safe: one agent uses a store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "policy/bundle.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

class BundleStore {
 public:
  // state_dir may be empty (nothing is written).
  BundleStore(std::string state_dir, const PublicKey& authority);

  // Reads the configured file (required: Status::Config when unreadable or
  // not signed by the authority) and the stored ones; current() is then the
  // newest verified.
  Status open(const std::string& configured_path);

  // The bundle in use (open() succeeded).
  const TrustBundle& current() const { return *current_; }
  std::shared_ptr<const TrustBundle> current_shared() const { return current_; }

  // A newer bundle: verified against the authority (Status::Invalid naming
  // origin otherwise), refused when older than current() (Status::Refused),
  // stored, and in use from now on. The same serial as current() is a no-op
  // when it is the same file, Status::Invalid when it differs.
  Result<std::shared_ptr<const TrustBundle>> accept(ByteView file, const std::string& origin);

  // Any verified bundle of that serial, kept for checking what was built
  // with it (current() does not change).
  Result<std::shared_ptr<const TrustBundle>> keep(ByteView file, uint64_t serial, const std::string& origin);

  // A held bundle of that serial (current, configured, stored or kept); null if none.
  std::shared_ptr<const TrustBundle> find(uint64_t serial);

  // Stored files that were ignored, in words (for stderr).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // state_dir/bundles ("" without a state_dir).
  std::string folder() const;

 private:
  Result<std::shared_ptr<const TrustBundle>> load_stored(uint64_t serial);
  Status write(const TrustBundle& b);

  std::string state_dir_;
  PublicKey authority_;
  std::shared_ptr<const TrustBundle> current_;
  std::map<uint64_t, std::shared_ptr<const TrustBundle>> held_;  // verified, by serial
  std::vector<std::string> warnings_;
};

}  // namespace relais
