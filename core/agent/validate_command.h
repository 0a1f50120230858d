// run_validate: what `relais-agent validate --type TYPE --file DOC.json` does
// ("-" reads the given input stream instead of a file).
//
// Validates a JSON document against the embedded schema of TYPE (alert,
// referral, referral-response, case-update, statistics-report, escalation). Needs no
// broker, no keys and no source tree.
//
// Regions, prefectures and a statistics period are then checked
// (agent/location_rules.h) against `locations` (the trust bundle's table
// when the caller has one), else the built-in table.
//
// Returns the exit code:
//   0  valid; writes "valid: <type>\n" to out;
//   1  invalid document, including text that is not JSON or has duplicate
//      keys or out-of-range integers, or more than 16 MiB (the envelope's max_body) on the input stream;
//      every error to err, one per line, "<pointer>: <message>" ("(root)"
//      for the whole document);
//   2  unknown type, or a file that cannot be read (a usage error); one line
//      "relais-agent validate: ..." on err.
// Writes only to out and err; reads `in` only for "-". Thread-safe as long
// as the streams are not shared.
#pragma once

#include <iosfwd>
#include <string>

#include "policy/locations.h"

namespace relais {

int run_validate(const std::string& type, const std::string& file, std::istream& in, std::ostream& out,
                 std::ostream& err, const Locations* locations = nullptr);

}  // namespace relais
