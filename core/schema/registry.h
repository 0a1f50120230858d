// The six Relais document types, in every version the programs read, and
// their compiled, embedded schemas.
//
// DocType names are used on the command line ("alert", "referral-response")
// and, versioned ("alert/1"), in the envelope's `type` field. A type may have
// several versions, each its own DocType: statistics-report/1
// (kStatisticsReport) and statistics-report/2 (kStatisticsReportV2). On the
// command line a plain name means the newest version ("statistics-report" is
// statistics-report/2) and a versioned name selects one
// ("statistics-report/1"); doc_type_name gives the plain name of every
// version. alert/2, referral/2 and case-update/2 are their version 1 with
// optional attachments and travel in body format 2 (schema/body_format.h).
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

enum class DocType {
  kAlert,
  kReferral,
  kReferralResponse,
  kCaseUpdate,
  kStatisticsReport,  // statistics-report/1
  kEscalation,
  kStatisticsReportV2,  // statistics-report/2
  kAlertV2,             // alert/2: alert/1 with attachments (body format 2)
  kReferralV2,          // referral/2
  kCaseUpdateV2,        // case-update/2
};

inline constexpr std::array<DocType, 10> kAllDocTypes = {
    DocType::kAlert,      DocType::kReferral,          DocType::kReferralResponse, DocType::kCaseUpdate,
    DocType::kStatisticsReport, DocType::kEscalation, DocType::kStatisticsReportV2, DocType::kAlertV2,
    DocType::kReferralV2, DocType::kCaseUpdateV2};

// "alert" -> kAlert (the newest version of a plain name), "alert/1" -> the
// version named. Unknown names or versions: Status::Usage naming the valid
// ones.
Result<DocType> parse_doc_type(std::string_view name);
std::string_view doc_type_name(DocType type);          // "alert" (every version)
std::string_view doc_type_versioned(DocType type);     // "alert/1"
// "alert/1" -> kAlert. Unknown type or version: Status::Invalid.
Result<DocType> parse_versioned_type(std::string_view versioned);
// "alert.v1.schema.json"
std::string_view doc_type_schema_file(DocType type);
// The version 1 type of the same document (kAlertV2 -> kAlert); other types
// are their own. For rules that do not depend on the version.
DocType doc_type_family(DocType type);
// 2 for the types whose body is [document, [file...]] (alert/2, referral/2,
// case-update/2), else 1 (the body is the document).
int doc_type_body_format(DocType type);

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
