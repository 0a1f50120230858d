// Shared steps of the workflow commands (see workflow.h).
#include "workflow.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais::admin {

void add_deployment_options(CLI::App* app, DeploymentOptions& o) {
  app->add_option("--dir", o.dir, "The deployment folder: DIR/trust.bundle is the source of truth")->required();
  app->add_option("--authority", o.authority, "The authority's secret key file (default DIR/keys/authority.key)");
}

Result<Identity> load_authority(const std::string& path, const std::string& command) {
  auto authority = load_identity(path);
  if (!authority.ok()) return authority.status();
  if (authority->card.role != Role::kAuthority)
    return Status::Usage(command + ": " + path + " is not an authority key (role " +
                         std::string(role_name(authority->card.role)) + ")");
  return authority;
}

DeploymentLock& DeploymentLock::operator=(DeploymentLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

DeploymentLock::~DeploymentLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

Result<OpenDeployment> open_deployment(const DeploymentOptions& o) {
  OpenDeployment d;
  d.dir = o.dir;
  d.bundle_path = o.dir + "/trust.bundle";
  const std::string key = o.authority.empty() ? o.dir + "/keys/authority.key" : o.authority;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(d.bundle_path, ec))
    return Status::Usage(d.bundle_path + " does not exist; --dir must name a deployment made by relais-admin init");
  if (!std::filesystem::exists(key, ec))
    return Status::Usage(key + " does not exist; pass the authority's key with --authority FILE");
  const std::string lock_path = o.dir + "/.trust.lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot open " + lock_path + ": " + std::strerror(errno));
  d.lock = DeploymentLock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
    return Status::Refused("another relais-admin command is changing " + d.bundle_path +
                           "; run this one again when it has finished");
  auto authority = load_authority(key, "relais-admin");
  if (!authority.ok()) return authority.status();
  d.authority = std::move(*authority);
  auto bundle = load_bundle(d.bundle_path, d.authority.card.sign_pk);
  if (!bundle.ok()) return bundle.status();
  d.bundle = std::move(*bundle);
  return d;
}

int fail(const std::string& command, const Status& s) {
  std::cerr << "relais-admin " << command << ": " << s.message() << "\n";
  return s.exit_code();
}

int reissue(const OpenDeployment& d, BundleSpec spec, const std::string& what) {
  spec.serial = d.bundle.serial + 1;
  spec.issued_at_ms = now_ms();
  spec.expires_at_ms = 0;  // the default life from now
  auto bytes = build_bundle(d.authority, spec);
  if (!bytes.ok()) return report(bytes.status());
  Status s = write_file_durable(d.bundle_path, *bytes, 0644);
  if (!s.ok()) return report(s);
  std::cout << "wrote " << d.bundle_path << ": serial " << spec.serial << " (was " << d.bundle.serial
            << "): " << what << "\n"
            << "put it in force: relais-broker --reload --config " << d.dir
            << "/broker.toml (or send the broker SIGHUP, or systemctl reload relais-broker)\n";
  return 0;
}

Status check_keys_unused(const TrustBundle& b, const PublicCard& card) {
  for (const auto& c : b.participants) {
    if (c.sign_pk == card.sign_pk || c.link_pk == card.link_pk || c.seal_pk == card.seal_pk)
      return Status::Invalid("the card's keys are already used by participant '" + c.name +
                             "'; the agency must generate new keys with relais-admin keygen");
  }
  for (const auto& [name, h] : b.history) {
    for (const auto& r : h.retired) {
      if (r.sign_pk == card.sign_pk || r.link_pk == card.link_pk || r.seal_pk == card.seal_pk)
        return Status::Invalid("the card's keys are retired keys of participant '" + name +
                               "' and can never be used again; the agency must generate new keys with "
                               "relais-admin keygen");
    }
  }
  return Status::Ok();
}

}  // namespace relais::admin
