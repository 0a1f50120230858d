#include "schema/registry.h"

#include "schema/embedded_schemas.h"
#include "util/json_msgpack.h"

namespace relais {
namespace {

struct TypeInfo {
  DocType type;
  std::string_view name;
  std::string_view versioned;
  std::string_view file;
};

constexpr TypeInfo kTypes[] = {
    {DocType::kAlert, "alert", "alert/1", "alert.v1.schema.json"},
    {DocType::kReferral, "referral", "referral/1", "referral.v1.schema.json"},
    {DocType::kReferralResponse, "referral-response", "referral-response/1",
     "referral-response.v1.schema.json"},
    {DocType::kCaseUpdate, "case-update", "case-update/1", "case-update.v1.schema.json"},
    {DocType::kStatisticsReport, "statistics-report", "statistics-report/1",
     "statistics-report.v1.schema.json"},
    {DocType::kEscalation, "escalation", "escalation/1", "escalation.v1.schema.json"},
    {DocType::kStatisticsReportV2, "statistics-report", "statistics-report/2",
     "statistics-report.v2.schema.json"},
    {DocType::kAlertV2, "alert", "alert/2", "alert.v2.schema.json"},
    {DocType::kReferralV2, "referral", "referral/2", "referral.v2.schema.json"},
    {DocType::kCaseUpdateV2, "case-update", "case-update/2", "case-update.v2.schema.json"},
};

const TypeInfo& info(DocType t) { return kTypes[static_cast<size_t>(t)]; }

}  // namespace

Result<DocType> parse_doc_type(std::string_view name) {
  // A plain name: its newest version (the one listed last).
  const TypeInfo* newest = nullptr;
  for (const auto& t : kTypes) {
    if (t.name == name) newest = &t;
    if (t.versioned == name) return t.type;
  }
  if (newest != nullptr) return newest->type;
  return Status::Usage("schema: unknown document type \"" + std::string(name) +
                       "\" (use alert, referral, referral-response, case-update, statistics-report or escalation; "
                       "a version such as alert/1 or statistics-report/1 selects an earlier version)");
}

std::string_view doc_type_name(DocType type) { return info(type).name; }
std::string_view doc_type_versioned(DocType type) { return info(type).versioned; }
std::string_view doc_type_schema_file(DocType type) { return info(type).file; }

DocType doc_type_family(DocType type) {
  switch (type) {
    case DocType::kAlertV2: return DocType::kAlert;
    case DocType::kReferralV2: return DocType::kReferral;
    case DocType::kCaseUpdateV2: return DocType::kCaseUpdate;
    default: return type;
  }
}

int doc_type_body_format(DocType type) {
  return type == DocType::kAlertV2 || type == DocType::kReferralV2 || type == DocType::kCaseUpdateV2 ? 2 : 1;
}

Result<DocType> parse_versioned_type(std::string_view versioned) {
  for (const auto& t : kTypes) {
    if (t.versioned == versioned) return t.type;
  }
  return Status::Invalid("schema: unknown document type \"" + std::string(versioned) +
                         "\" (expected e.g. alert/1)");
}

Result<SchemaRegistry> SchemaRegistry::load_builtin() {
  std::vector<Schema> schemas;
  for (const auto& t : kTypes) {
    const std::string_view text = embedded_schema(t.file);
    if (text.empty()) {
      return Status::Config("schema: " + std::string(t.file) + " was not embedded in this build");
    }
    auto s = Schema::compile_json(text, SchemaMode::kStrict);
    if (!s.ok()) {
      return Status::Config(std::string(t.file) + ": " + s.status().message());
    }
    schemas.push_back(std::move(*s));
  }
  return SchemaRegistry(std::move(schemas));
}

const Schema& SchemaRegistry::schema(DocType type) const {
  return schemas_[static_cast<size_t>(type)];
}

std::vector<ValidationError> SchemaRegistry::validate(DocType type, ByteView msgpack_doc) const {
  auto oh = unpack_document(msgpack_doc);
  if (!oh.ok()) return {ValidationError{"", oh.status().message(), "document", ""}};
  return validate(type, oh->get());
}

std::vector<ValidationError> SchemaRegistry::validate(DocType type, const msgpack::object& doc) const {
  return schema(type).validate(doc);
}

}  // namespace relais
