// Compiling arbitrary JSON as a schema (strict or lenient by the first
// byte's low bit), then validating a few fixed instances with it. Also
// exercises json_to_msgpack's SAX conversion.
#include "fuzz/harnesses.h"
#include "schema/validator.h"
#include "util/json_msgpack.h"

namespace relais::fuzz {

int fuzz_schema_compile(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const SchemaMode mode = (data[0] & 1) ? SchemaMode::kLenient : SchemaMode::kStrict;
  const std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
  auto schema = Schema::compile_json(json, mode);
  if (!schema.ok()) return 0;
  static const char* kInstances[] = {"null", "{}", "[1, \"a\", {\"b\": [true, 2.5]}]", "\"x\"", "-7",
                                     "{\"location\": {\"region\": \"kara\"}, \"n\": 3}"};
  for (const char* text : kInstances) {
    auto mp = json_to_msgpack(text);
    if (!mp.ok()) std::abort();
    auto doc = unpack_document(*mp);
    if (!doc.ok()) std::abort();
    const bool valid = schema->is_valid(doc->get());
    FUZZ_CHECK(valid == schema->validate(doc->get()).empty());
  }
  // The schema document validating itself (as an instance).
  if (auto mp = json_to_msgpack(json); mp.ok()) {
    if (auto doc = unpack_document(*mp); doc.ok()) {
      FUZZ_CHECK(schema->is_valid(doc->get()) == schema->validate(doc->get()).empty());
    }
  }
  return 0;
}

}  // namespace relais::fuzz
