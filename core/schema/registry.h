// The six Relais document types and their compiled, embedded schemas.
//
// DocType names are used on the command line ("alert", "referral-response")
// and, versioned ("alert/1"), in the envelope's `type` field.
//
// SchemaRegistry::load_builtin compiles the schemas embedded at build time in
// strict mode (an unsupported keyword fails the load). A loaded registry is
// immutable: validate() is const and safe to call from many threads at once;
// copies are cheap and share the compiled schemas.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "schema/validator.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

enum class DocType { kAlert, kReferral, kReferralResponse, kCaseUpdate, kStatisticsReport, kEscalation };

inline constexpr std::array<DocType, 6> kAllDocTypes = {
    DocType::kAlert,    DocType::kReferral,         DocType::kReferralResponse,
    DocType::kCaseUpdate, DocType::kStatisticsReport, DocType::kEscalation};

// "alert" -> kAlert. Unknown names: Status::Usage naming the valid ones.
Result<DocType> parse_doc_type(std::string_view name);
std::string_view doc_type_name(DocType type);          // "alert"
std::string_view doc_type_versioned(DocType type);     // "alert/1"
// "alert/1" -> kAlert. Unknown type or version: Status::Invalid.
Result<DocType> parse_versioned_type(std::string_view versioned);
// "alert.v1.schema.json"
std::string_view doc_type_schema_file(DocType type);

class SchemaRegistry {
 public:
  // The embedded schemas, strict mode. Status::Config if one fails to load
  // (a build defect).
  static Result<SchemaRegistry> load_builtin();

  // Validates a msgpack-encoded document. Empty vector = valid. A body that
  // is not decodable msgpack (bounded unpack) yields one error at pointer "".
  std::vector<ValidationError> validate(DocType type, ByteView msgpack_doc) const;
  std::vector<ValidationError> validate(DocType type, const msgpack::object& doc) const;

  const Schema& schema(DocType type) const;

 private:
  explicit SchemaRegistry(std::vector<Schema> schemas) : schemas_(std::move(schemas)) {}
  std::vector<Schema> schemas_;  // indexed by DocType
};

}  // namespace relais
