// Retention and erasure orders at an agency (docs/data-protection.md): the
// periods and orders of the bundle in use, applied to the local store and to
// the plaintext export folder ([service] inbox_dir).
//
//   retention  for each document type, the period of its versioned types
//              ([retention], their own or the default; with several
//              versions, the longest, and none if one version has none):
//              Store::erase_older_than(type, now - period) (received
//              messages and sent entries no longer queued), and each
//              inbox_dir/<id>.json of that type whose file is older than the
//              period.
//   orders     an order naming a case: Store::erase_case (the case timeline,
//              replies included) and the inbox_dir files of those messages
//              and of any message of the case; an order naming a message:
//              Store::erase_message (received or sent, with its statistics
//              cells) and its inbox_dir file.
//              Orders are applied when a bundle serial is first seen
//              (the service's start, and each newly fetched bundle).
// The store erases with secure_delete and wal_checkpoint(TRUNCATE) after
// each erasure (core/store/store.h). A file is overwritten with zeros and
// synced before it is removed, and the folder is synced. A message's
// attachment files (named in its <id>.json) go with it, before it.
//
// The service loop calls apply() every kCheckEveryMs; it runs on the
// service's thread (the store is not shared across threads). Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "policy/bundle.h"
#include "service/service_log.h"
#include "store/store.h"
#include "util/status.h"

namespace relais {

class AgencyRetention {
 public:
  static constexpr int64_t kCheckEveryMs = 3600000;  // hourly

  struct Outcome {
    int64_t store_rows = 0;   // messages and outbox entries erased
    int64_t files = 0;        // inbox_dir files removed
    uint64_t orders = 0;      // erasure orders applied by this call
  };

  // inbox_dir may be empty (no export folder). log gets one line per call
  // that erased something, never a value from a document.
  AgencyRetention(Store& store, std::string inbox_dir, ServiceLog log);

  // Applies `bundle`'s periods at now_ms, and its orders when its serial is
  // new to this object. Errors are returned after the rest was tried (the
  // first one; the next call tries again).
  Result<Outcome> apply(const TrustBundle& bundle, int64_t now_ms);

 private:
  Store& store_;
  std::string inbox_dir_;
  ServiceLog log_;
  uint64_t orders_serial_ = 0;  // the serial whose orders were last applied
};

}  // namespace relais
