// Handling codes: what a sender allows its readers to do with a message
// (the envelope's `handling`, H0 to H3, after Europol's handling codes;
// schemas/README.md gives them in French and English).
//   H0  may be used for police and judicial purposes, in court too
//   H1  not to be used as evidence in court without the sender's permission
//   H2  not to be passed on beyond its readers without the sender's permission
//   H3  other restrictions: ask the sender before any use
// handling_meaning returns the English sentence agents print beside each
// message, or an empty view for any other value. Pure function.
#pragma once

#include <string_view>

namespace relais {

std::string_view handling_meaning(std::string_view code);

}  // namespace relais
