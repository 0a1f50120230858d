#include "agent/bundle_store.h"

#include <algorithm>
#include <filesystem>

#include "util/files.h"

namespace relais {

namespace {

// "<serial>.bundle" -> serial; 0 when the name is anything else.
uint64_t serial_of_name(const std::string& name) {
  constexpr std::string_view kExt = ".bundle";
  if (name.size() <= kExt.size() || !name.ends_with(kExt)) return 0;
  const std::string digits = name.substr(0, name.size() - kExt.size());
  if (digits.empty() || digits.size() > 19 || digits[0] == '0' ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stoull(digits);
}

}  // namespace

BundleStore::BundleStore(std::string state_dir, const PublicKey& authority)
    : state_dir_(std::move(state_dir)), authority_(authority) {}

std::string BundleStore::folder() const { return state_dir_.empty() ? std::string() : state_dir_ + "/bundles"; }

Status BundleStore::open(const std::string& configured_path) {
  auto configured = load_bundle(configured_path, authority_);
  if (!configured.ok()) return Status::Config(configured.status().message());
  current_ = std::make_shared<const TrustBundle>(std::move(*configured));
  held_[current_->serial] = current_;
  if (state_dir_.empty()) return Status::Ok();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(folder(), ec)) return Status::Ok();
  std::vector<uint64_t> serials;
  for (const auto& entry : fs::directory_iterator(folder(), ec)) {
    const uint64_t serial = serial_of_name(entry.path().filename().string());
    if (serial != 0) serials.push_back(serial);
  }
  if (ec) return Status::Config("agent: cannot list " + folder() + ": " + ec.message());
  std::sort(serials.rbegin(), serials.rend());
  // The newest stored file that verifies; older ones are read when needed.
  for (uint64_t serial : serials) {
    if (serial <= current_->serial) break;
    auto b = load_stored(serial);
    if (b.ok()) {
      current_ = *b;
      break;
    }
    warnings_.push_back(b.status().message());
  }
  return Status::Ok();
}

Result<std::shared_ptr<const TrustBundle>> BundleStore::load_stored(uint64_t serial) {
  const std::string path = folder() + "/" + std::to_string(serial) + ".bundle";
  auto b = load_bundle(path, authority_);
  if (!b.ok())
    return Status::Invalid("ignoring the stored bundle " + path + ": " + b.status().message() +
                           " (delete the file; the agent fetches the broker's bundle again)");
  if (b->serial != serial)
    return Status::Invalid("ignoring the stored bundle " + path + ": it holds serial " + std::to_string(b->serial) +
                           ", not the serial its name says (delete the file)");
  auto shared = std::make_shared<const TrustBundle>(std::move(*b));
  held_[serial] = shared;
  return shared;
}

Status BundleStore::write(const TrustBundle& b) {
  if (state_dir_.empty()) return Status::Ok();
  RELAIS_RETURN_IF_ERROR(make_dirs(folder(), 0700));
  const std::string path = folder() + "/" + std::to_string(b.serial) + ".bundle";
  Status s = write_file_durable(path, b.file, 0644);
  if (!s.ok()) return Status::IOError("agent: cannot store the bundle of serial " + std::to_string(b.serial) + ": " +
                                      s.message());
  return Status::Ok();
}

Result<std::shared_ptr<const TrustBundle>> BundleStore::keep(ByteView file, uint64_t serial,
                                                             const std::string& origin) {
  auto b = parse_bundle(file, authority_, origin);
  if (!b.ok()) return b.status();
  if (b->serial != serial)
    return Status::Invalid("bundle: " + origin + " holds serial " + std::to_string(b->serial) + ", not serial " +
                           std::to_string(serial) + " as asked");
  if (auto held = find(serial)) {
    if (held->hash != b->hash)
      return Status::Invalid("bundle: " + origin + " is not the bundle of serial " + std::to_string(serial) +
                             " this agent already holds: the authority signed two bundles with one serial");
    return held;
  }
  auto shared = std::make_shared<const TrustBundle>(std::move(*b));
  RELAIS_RETURN_IF_ERROR(write(*shared));
  held_[serial] = shared;
  return shared;
}

Result<std::shared_ptr<const TrustBundle>> BundleStore::accept(ByteView file, const std::string& origin) {
  auto b = parse_bundle(file, authority_, origin);
  if (!b.ok()) return b.status();
  if (b->serial < current_->serial)
    return Status::Refused("bundle: " + origin + " has serial " + std::to_string(b->serial) +
                           ", older than the serial " + std::to_string(current_->serial) +
                           " this agent holds: refusing to go back to it");
  if (b->serial == current_->serial) {
    if (b->hash != current_->hash)
      return Status::Invalid("bundle: " + origin + " is not the bundle of serial " + std::to_string(b->serial) +
                             " this agent holds: the authority signed two bundles with one serial");
    return current_;
  }
  auto shared = std::make_shared<const TrustBundle>(std::move(*b));
  RELAIS_RETURN_IF_ERROR(write(*shared));
  held_[shared->serial] = shared;
  current_ = shared;
  return shared;
}

std::shared_ptr<const TrustBundle> BundleStore::find(uint64_t serial) {
  if (auto it = held_.find(serial); it != held_.end()) return it->second;
  if (state_dir_.empty()) return nullptr;
  std::error_code ec;
  if (!std::filesystem::exists(folder() + "/" + std::to_string(serial) + ".bundle", ec)) return nullptr;
  auto b = load_stored(serial);
  if (!b.ok()) {
    warnings_.push_back(b.status().message());
    return nullptr;
  }
  return *b;
}

}  // namespace relais
