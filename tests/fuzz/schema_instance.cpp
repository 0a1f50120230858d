// The built-in schemas validating arbitrary instances (core/schema): the
// first byte picks the document type, the rest is the msgpack document.
#include "fuzz/harnesses.h"
#include "schema/registry.h"

#include <cstdlib>

namespace relais::fuzz {

int fuzz_schema_instance(const uint8_t* data, size_t size) {
  static const SchemaRegistry* registry = [] {
    auto r = SchemaRegistry::load_builtin();
    if (!r.ok()) std::abort();
    return new SchemaRegistry(std::move(*r));
  }();
  if (size == 0) return 0;
  const auto type = static_cast<DocType>(data[0] % 5);
  auto errors = registry->validate(type, ByteView(data + 1, size - 1));
  for (const auto& e : errors) (void)e.to_string();
  return 0;
}

}  // namespace relais::fuzz
