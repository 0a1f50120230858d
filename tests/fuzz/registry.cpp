// The list of every harness, for the regression replay (not linked into the
// libFuzzer executables, which each hold one harness).
#include "fuzz/harnesses.h"

namespace relais::fuzz {

const std::vector<HarnessEntry>& all_harnesses() {
  static const std::vector<HarnessEntry> kAll = {
      {"envelope", fuzz_envelope}, {"protocol", fuzz_protocol}, {"schema_instance", fuzz_schema_instance},
      {"schema_compile", fuzz_schema_compile}, {"topic", fuzz_topic}, {"policy", fuzz_policy},
      {"bundle", fuzz_bundle}, {"card", fuzz_card}, {"config", fuzz_config}, {"log", fuzz_log},
      {"body", fuzz_body},
  };
  return kAll;
}

}  // namespace relais::fuzz
