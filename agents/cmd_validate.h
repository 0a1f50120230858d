// relais-agent validate --type TYPE --file DOC.json   ("-" reads stdin)
//
// Validates a JSON document against the embedded schema of TYPE (alert,
// referral, referral-response, case-update, statistics-report). Needs no
// broker, no keys and no source tree.
//
// Returns the exit code:
//   0  valid; prints "valid: <type>" on stdout;
//   1  invalid document, including text that is not JSON or has duplicate
//      keys or out-of-range integers; every error on stderr, one per line,
//      "<pointer>: <message>" ("(root)" for the whole document);
//   2  unknown type, or a file that cannot be read (a usage error).
// Writes only to std::cout / std::cerr; reads std::cin for "-".
#pragma once

#include <string>

namespace relais {

int run_validate(const std::string& type, const std::string& file);

}  // namespace relais
