// Helpers shared by the relais-admin subcommands.
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "util/files.h"

namespace relais::admin {

int report(const Status& s) {
  if (!s.ok()) std::cerr << "relais-admin: " << s.message() << "\n";
  return s.exit_code();
}

Result<std::optional<Locations>> load_locations(const std::string& path) {
  // Fallback order: --locations FILE, then the data compiled in at build time.
  auto loc = path.empty() ? Locations::parse(Locations::builtin_csv(), "built-in config/locations.csv")
                          : Locations::load(path);
  if (!loc.ok()) return loc.status();
  return std::optional<Locations>(std::move(*loc));
}

Result<PublicCard> create_identity(const std::string& name, const std::string& role_text, const std::string& region,
                                   const std::string& prefecture, const std::string& dir,
                                   const std::optional<Locations>& locations, const SecretBytes* passphrase) {
  auto role = parse_role(role_text);
  if (!role.ok()) return Status::Usage(role.status().message());
  if (!is_valid_participant_name(name))
    return Status::Usage("keygen: invalid name '" + name + "': use [a-z0-9_-]+ tokens separated by dots");
  if (!is_valid_slug(region) || !is_valid_slug(prefecture))
    return Status::Usage("keygen: region and prefecture must be lowercase slugs [a-z0-9_-]+");
  if (locations && (!region.empty() || !prefecture.empty())) {
    Status s = locations->check(region, prefecture);
    if (!s.ok()) return Status::Usage("keygen: " + s.message());
  }
  auto id = generate_identity(name, *role, region, prefecture);
  if (!id.ok()) return id.status();
  RELAIS_RETURN_IF_ERROR(make_dirs(dir, 0700));
  RELAIS_RETURN_IF_ERROR(write_identity(*id, dir, passphrase));
  return id->card;
}

}  // namespace relais::admin
