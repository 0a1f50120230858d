#include "receipt/receipt_text.h"

#include <sstream>

#include "util/bytes.h"
#include "util/clock.h"

namespace relais {

std::string receipt_to_text(const Receipt& r) {
  std::ostringstream o;
  o << "version:    " << r.version << "\n"
    << "epoch:      " << r.epoch << (r.epoch == 0 ? " (a log never restored)" : " (the log's epoch since a restore)")
    << "\n"
    << "message:    " << uuid_to_string(r.id) << "\n"
    << "seq:        " << r.seq << "\n"
    << "leaf hash:  " << to_hex(ByteView(r.leaf_hash.data(), r.leaf_hash.size())) << "\n"
    << "logged at:  " << format_rfc3339_ms(r.ts_ms) << " (" << r.ts_ms << " ms)\n"
    << "batch:      item " << r.index << " of " << r.count << " signed together\n"
    << "path:       " << r.path.size() << (r.path.size() == 1 ? " hash" : " hashes") << " from the item to the batch root\n";
  for (const auto& h : r.path) o << "            " << to_hex(ByteView(h.data(), h.size())) << "\n";
  o << "signature:  " << to_base64(ByteView(r.sig.data(), r.sig.size())) << "\n";
  return o.str();
}

}  // namespace relais
