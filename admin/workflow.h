// The commission's workflow on an existing deployment (relais-admin add,
// revoke, rotate, set-policy, upgrade-bundle): DIR/trust.bundle is the source
// of truth. Each command opens it (verified against the authority key), changes
// one thing, signs it again with the next serial and replaces the file
// atomically, then prints the new serial and how to put it in force.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "crypto/keys.h"
#include "policy/bundle.h"
#include "util/status.h"

namespace relais::admin {

// The options every workflow command takes.
struct DeploymentOptions {
  std::string dir;        // --dir DIR (required)
  std::string authority;  // --authority FILE (default DIR/keys/authority.key)
};
void add_deployment_options(CLI::App* app, DeploymentOptions& o);

// Holds an exclusive flock on DIR/.trust.lock while it lives, so that two
// workflow commands never both sign "the next serial" from the same bundle.
class DeploymentLock {
 public:
  DeploymentLock() = default;
  explicit DeploymentLock(int fd) : fd_(fd) {}
  DeploymentLock(DeploymentLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DeploymentLock& operator=(DeploymentLock&& o) noexcept;
  DeploymentLock(const DeploymentLock&) = delete;
  DeploymentLock& operator=(const DeploymentLock&) = delete;
  ~DeploymentLock();

 private:
  int fd_ = -1;
};

// An opened deployment: its authority identity and current bundle, locked
// against other workflow commands until it is destroyed.
struct OpenDeployment {
  DeploymentLock lock;
  std::string dir;
  std::string bundle_path;  // DIR/trust.bundle
  Identity authority;
  TrustBundle bundle;
};

// Loads the authority key (a key of another role is a usage error) and
// DIR/trust.bundle verified with it. A missing bundle or key is
// Status::Usage/Config (exit 2); a bundle that does not verify is
// Status::Invalid (exit 1); another workflow command running on DIR is
// Status::Refused (exit 1).
Result<OpenDeployment> open_deployment(const DeploymentOptions& o);

// Loads an authority identity from path (usage error if not role authority).
Result<Identity> load_authority(const std::string& path, const std::string& command);

// Signs spec with the next serial after d.bundle's, issued now with the
// default expiry, writes DIR/trust.bundle atomically and prints
//     wrote DIR/trust.bundle: serial N (was M): <what>
// and the commands that put it in force. Returns the exit code.
int reissue(const OpenDeployment& d, BundleSpec spec, const std::string& what);

// A status' exit code after printing it, as report() does, with the command's name.
int fail(const std::string& command, const Status& s);

// Status::Invalid naming the participant that already holds any of card's
// keys in b, as a current, retired or revoked key (sign, link or seal); Ok
// when all three are new.
Status check_keys_unused(const TrustBundle& b, const PublicCard& card);

}  // namespace relais::admin
