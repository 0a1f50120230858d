// A receipt in words, for people (relais-audit show-receipt): every field of
// a Receipt (receipt/receipt.h), one per line, in the order the wire form
// holds them. The lines say what each field means; they make no claim about
// the signature (the caller checks it with verify_receipt and says so).
// Pure function; thread-safe.
#pragma once

#include <string>

#include "receipt/receipt.h"

namespace relais {

// "name:  value" lines, each ending in '\n'.
std::string receipt_to_text(const Receipt& r);

}  // namespace relais
