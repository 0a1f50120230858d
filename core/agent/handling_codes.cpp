#include "agent/handling_codes.h"

namespace relais {

std::string_view handling_meaning(std::string_view code) {
  if (code == "H0") return "may be used for police and judicial purposes, including in court";
  if (code == "H1") return "not to be used as evidence in court without the sender's permission";
  if (code == "H2") return "not to be passed on beyond its readers without the sender's permission";
  if (code == "H3") return "other restrictions: ask the sender before any use";
  return {};
}

}  // namespace relais
