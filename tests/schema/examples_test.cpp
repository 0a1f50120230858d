// schemas/examples/manifest.json: every example validates to exactly the
// errors it states, through the embedded (build-time) schemas.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "schema/registry.h"
#include "util/files.h"
#include "util/json_msgpack.h"

namespace fs = std::filesystem;
using namespace relais;

namespace {
fs::path examples_dir() { return fs::path(RELAIS_SOURCE_DIR) / "schemas" / "examples"; }
}  // namespace

TEST_CASE("Every example produces exactly the errors its manifest states", "[schema][examples]") {
  auto reg = SchemaRegistry::load_builtin();
  REQUIRE(reg.ok());
  auto manifest_text = read_text_file((examples_dir() / "manifest.json").string());
  REQUIRE(manifest_text.ok());
  const auto manifest = nlohmann::json::parse(*manifest_text);
  int count = 0;
  bool seen_valid[kAllDocTypes.size()] = {}, seen_invalid[kAllDocTypes.size()] = {};
  for (const auto& ex : manifest["examples"]) {
    const std::string file = ex["file"];
    INFO("example " << file);
    auto type = parse_doc_type(ex["type"].get<std::string>());
    REQUIRE(type.ok());
    auto text = read_text_file((examples_dir() / file).string());
    REQUIRE(text.ok());
    auto doc = json_to_msgpack(*text);
    REQUIRE(doc.ok());
    std::vector<std::string> got;
    for (const auto& e : reg->validate(*type, ByteView(*doc))) got.push_back(e.to_string());
    const auto want = ex["expect_errors"].get<std::vector<std::string>>();
    CHECK(got == want);
    (want.empty() ? seen_valid : seen_invalid)[static_cast<int>(*type)] = true;
    ++count;
  }
  // Every file in the folder is listed, and every type has both kinds.
  int files = 0;
  for (const auto& e : fs::directory_iterator(examples_dir())) {
    if (e.path().filename() != "manifest.json" && e.path().extension() == ".json") ++files;
  }
  CHECK(files == count);
  for (size_t t = 0; t < kAllDocTypes.size(); ++t) {
    CHECK(seen_valid[t]);
    CHECK(seen_invalid[t]);
  }
}

TEST_CASE("Document type names round-trip in plain and versioned form", "[schema][registry]") {
  for (DocType t : kAllDocTypes) {
    auto p = parse_doc_type(doc_type_name(t));
    REQUIRE(p.ok());
    CHECK(doc_type_name(*p) == doc_type_name(t));
    auto v = parse_versioned_type(doc_type_versioned(t));
    REQUIRE(v.ok());
    CHECK(*v == t);
    auto pv = parse_doc_type(doc_type_versioned(t));
    REQUIRE(pv.ok());
    CHECK(*pv == t);
  }
  CHECK(doc_type_versioned(DocType::kReferralResponse) == "referral-response/1");
  CHECK(parse_doc_type("alert/3").status().code() == Code::kUsage);
  CHECK(*parse_doc_type("alert") == DocType::kAlertV2);  // a plain name: the newest version
  CHECK(*parse_doc_type("alert/1") == DocType::kAlert);
  CHECK(doc_type_body_format(DocType::kAlertV2) == 2);
  CHECK(doc_type_body_format(DocType::kAlert) == 1);
  CHECK(doc_type_body_format(DocType::kStatisticsReportV2) == 1);
  CHECK(doc_type_family(DocType::kCaseUpdateV2) == DocType::kCaseUpdate);
  CHECK(parse_doc_type("alerts").status().message().find("referral-response") != std::string::npos);
  CHECK_FALSE(parse_versioned_type("alert/3").ok());
  CHECK_FALSE(parse_versioned_type("alert").ok());
}

TEST_CASE("A plain statistics-report means version 2, and statistics-report/1 selects version 1", "[schema][registry]") {
  CHECK(*parse_doc_type("statistics-report") == DocType::kStatisticsReportV2);
  CHECK(*parse_doc_type("statistics-report/2") == DocType::kStatisticsReportV2);
  CHECK(*parse_doc_type("statistics-report/1") == DocType::kStatisticsReport);
  CHECK(doc_type_versioned(DocType::kStatisticsReportV2) == "statistics-report/2");
  CHECK(doc_type_name(DocType::kStatisticsReport) == "statistics-report");
  CHECK(*parse_versioned_type("statistics-report/1") == DocType::kStatisticsReport);
  CHECK(parse_doc_type("statistics-report/3").status().code() == Code::kUsage);
}

TEST_CASE("A body that is not decodable msgpack yields one error at the document", "[schema][registry]") {
  auto reg = SchemaRegistry::load_builtin();
  REQUIRE(reg.ok());
  const Bytes garbage = {0xdd, 0xff, 0xff, 0xff, 0xff};  // array32 claiming 4G items
  auto errors = reg->validate(DocType::kAlert, ByteView(garbage));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].pointer.empty());
  CHECK(errors[0].to_string().rfind("(root): msgpack:", 0) == 0);

  const Bytes not_object = {0x01};
  errors = reg->validate(DocType::kCaseUpdate, ByteView(not_object));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].to_string() == "(root): must be object, not number");
}

TEST_CASE("Required fields are exactly those schemas/README.md marks required", "[schema][registry]") {
  auto reg = SchemaRegistry::load_builtin();
  REQUIRE(reg.ok());
  auto missing = [&](DocType t) {
    auto doc = json_to_msgpack("{}");
    REQUIRE(doc.ok());
    std::vector<std::string> names;
    for (const auto& e : reg->validate(t, ByteView(*doc))) names.push_back(e.message);
    return names;
  };
  auto req = [](std::initializer_list<const char*> names) {
    std::vector<std::string> out;
    for (const char* n : names) out.push_back(std::string("missing required property \"") + n + "\"");
    return out;
  };
  CHECK(missing(DocType::kAlert) == req({"kind", "observed_at", "location", "description", "subject_count",
                                         "age_band", "minor_involved", "reliability", "accuracy"}));
  CHECK(missing(DocType::kReferral) ==
        req({"referral_id", "from_org", "to_org", "trafficking_status", "services_requested", "reason",
             "consent", "is_minor", "age_band", "gender", "citizenship", "exploitation_types", "urgent_needs"}));
  CHECK(missing(DocType::kReferralResponse) == req({"referral_id", "status", "responded_at"}));
  CHECK(missing(DocType::kCaseUpdate) == req({"case_ref", "update_kind", "case_status"}));
  CHECK(missing(DocType::kStatisticsReport) ==
        req({"period", "region", "prefecture", "victims", "referrals", "alerts_by_kind"}));
}

TEST_CASE("Small cells accept 0, 5 and up, and suppressed, but never 1 to 4", "[schema][registry]") {
  auto reg = SchemaRegistry::load_builtin();
  REQUIRE(reg.ok());
  auto check_made = [&](const std::string& value) {
    const std::string json =
        R"({"period":{"start":"2025-01-01","end":"2025-03-31"},"region":"kara","prefecture":"kozah",)"
        R"("victims":[],"alerts_by_kind":{},"referrals":{"accepted":0,"done":0,"made":)" + value + "}}";
    auto doc = json_to_msgpack(json);
    REQUIRE(doc.ok());
    return reg->validate(DocType::kStatisticsReport, ByteView(*doc)).empty();
  };
  CHECK(check_made("0"));
  CHECK(check_made("5"));
  CHECK(check_made("5.0"));
  CHECK(check_made("1200"));
  CHECK(check_made("\"suppressed\""));
  for (const char* bad : {"1", "2", "3", "4", "4.0", "-1", "5.5", "\"5\"", "null"}) {
    INFO(bad);
    CHECK_FALSE(check_made(bad));
  }
}

TEST_CASE("The registry can be shared by threads validating at once", "[schema][registry]") {
  auto reg = SchemaRegistry::load_builtin();
  REQUIRE(reg.ok());
  auto text = read_text_file((examples_dir() / "referral.invalid-fields.json").string());
  REQUIRE(text.ok());
  auto doc = json_to_msgpack(*text);
  REQUIRE(doc.ok());
  const SchemaRegistry& shared = *reg;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (shared.validate(DocType::kReferral, ByteView(*doc)).size() != 3) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}
