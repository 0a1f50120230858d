// participant_card: a PublicCard with only the fields the policy reads
// (name, role, region, prefecture), for the policy tests.
#pragma once

#include <string>

#include "crypto/keys.h"

namespace relais::test {

inline PublicCard participant_card(const std::string& name, Role role, const std::string& region = "",
                                   const std::string& prefecture = "") {
  PublicCard c;
  c.name = name;
  c.role = role;
  c.region = region;
  c.prefecture = prefecture;
  return c;
}

}  // namespace relais::test
