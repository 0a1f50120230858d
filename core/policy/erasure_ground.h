// The grounds on which a message's ciphertext may be erased
// (docs/data-protection.md, docs/log-format.md §Erasure), as one rule that
// the broker applies when it chooses what to erase and the auditor applies
// when it checks an erasure event:
//   retention  the policy in force gives the message's document type a
//              period (its own or the default), and the record's broker
//              time + period <= the erasure event's time;
//   order N    the policy in force holds erasure order N, and the message
//              belongs to its case (case_ref) or is its message (id).
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/policy.h"
#include "util/status.h"

namespace relais {

struct ErasureGround {
  enum class Kind { kRetention, kOrder } kind = Kind::kRetention;
  uint64_t order = 0;  // kOrder: the order's number

  // "erased under retention" / "erased by order N", as reports print it.
  std::string describe() const;
};

// What the rule needs of one message.
struct ErasureSubject {
  std::string_view type;                 // versioned document type ("alert/1")
  const std::optional<std::string>* case_ref = nullptr;  // may point at nullopt
  std::string_view id;                   // the message id, lower-case UUID text
  int64_t record_ts_ms = 0;              // the broker's time of the message record
};

// Ok when the ground holds for the message at event_ts_ms under policy;
// Status::Invalid with a sentence saying why not.
Status erasure_ground_holds(const Policy& policy, const ErasureGround& ground, const ErasureSubject& m,
                            int64_t event_ts_ms);

}  // namespace relais
