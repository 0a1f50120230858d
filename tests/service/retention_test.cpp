// Retention and erasure orders at an agency (service/retention.h): the
// bundle's periods and orders applied to a real store and to inbox_dir files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <utime.h>

#include "../store/store_fixture.h"
#include "temp_dir.h"
#include "policy/sample_policy.h"
#include "service/retention.h"

using namespace relais;
using namespace relais::test;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kDay = 86400000;
constexpr int64_t kNow = 1767225600000 + 100 * kDay;

TrustBundle bundle_with(const std::string& extra, uint64_t serial) {
  auto authority = generate_identity("authority", Role::kAuthority, "", "");
  auto broker = generate_identity("broker", Role::kBroker, "", "");
  REQUIRE(authority.ok());
  REQUIRE(broker.ok());
  auto bytes = build_bundle(*authority, {broker->card}, std::string(sample_policy_toml()) + extra, serial, kNow - kDay, {});
  REQUIRE(bytes.ok());
  auto b = parse_bundle(*bytes, authority->card.sign_pk, "t.bundle");
  REQUIRE(b.ok());
  return std::move(*b);
}

void write_inbox_file(const std::string& dir, const std::string& id, const std::string& type,
                      const std::string& case_ref, int64_t mtime_ms) {
  const std::string path = dir + "/" + id + ".json";
  std::ofstream(path) << "{\"id\":\"" << id << "\",\"type\":\"" << type << "\",\"case_ref\":"
                      << (case_ref.empty() ? std::string("null") : "\"" + case_ref + "\"")
                      << ",\"body\":{\"note\":\"plaintext\"}}";
  struct utimbuf t {};
  t.actime = t.modtime = static_cast<time_t>(mtime_ms / 1000);
  REQUIRE(::utime(path.c_str(), &t) == 0);
}

}  // namespace

TEST_CASE("the bundle's retention periods erase old messages from the store and inbox_dir", "[service][retention]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);
  const std::string inbox = dir.path + "/inbox";
  fs::create_directories(inbox);

  StoredMessage old_ref = sample_message(fresh_id(1), kNow - 40 * kDay);
  StoredMessage new_ref = sample_message(fresh_id(2), kNow - 10 * kDay);
  StoredMessage old_alert = sample_message(fresh_id(3), kNow - 40 * kDay);
  old_alert.type = "alert";
  for (const auto* m : {&old_ref, &new_ref, &old_alert}) REQUIRE(store.put_message(*m, "{}").ok());
  write_inbox_file(inbox, old_ref.id, "referral", "", kNow - 40 * kDay);
  write_inbox_file(inbox, new_ref.id, "referral", "", kNow - 10 * kDay);
  write_inbox_file(inbox, old_alert.id, "alert", "", kNow - 40 * kDay);

  // Referrals are kept 30 days; alerts have no period (and there is no default): kept.
  const TrustBundle b = bundle_with("\n[retention]\n\"referral/1\" = \"30d\"\n\"referral/2\" = \"30d\"\n", 5);
  AgencyRetention retention(store, inbox, {});
  auto out = retention.apply(b, kNow);
  INFO((out.ok() ? "" : out.status().message()));
  REQUIRE(out.ok());
  CHECK(out->store_rows == 1);
  CHECK(out->files == 1);
  CHECK_FALSE(store.message(old_ref.id)->has_value());
  CHECK(store.message(new_ref.id)->has_value());
  CHECK(store.message(old_alert.id)->has_value());
  CHECK_FALSE(fs::exists(inbox + "/" + old_ref.id + ".json"));
  CHECK(fs::exists(inbox + "/" + new_ref.id + ".json"));
  CHECK(fs::exists(inbox + "/" + old_alert.id + ".json"));
  // Nothing to do the second time.
  auto again = retention.apply(b, kNow);
  REQUIRE(again.ok());
  CHECK(again->store_rows == 0);
  CHECK(again->files == 0);
}

TEST_CASE("an erasure order in a newly fetched bundle erases the case at the agency", "[service][retention]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);
  const std::string inbox = dir.path + "/inbox";
  fs::create_directories(inbox);

  StoredMessage a = sample_message(fresh_id(1), kNow - kDay, "c-court");
  StoredMessage reply = sample_message(fresh_id(2), kNow - kDay, "", a.id);  // answers the case: goes too
  StoredMessage other = sample_message(fresh_id(3), kNow - kDay, "c-other");
  StoredMessage single = sample_message(fresh_id(4), kNow - kDay, "c-third");
  for (const auto* m : {&a, &reply, &other, &single}) REQUIRE(store.put_message(*m, "{}").ok());
  write_inbox_file(inbox, a.id, "referral", "c-court", kNow - kDay);
  write_inbox_file(inbox, reply.id, "referral", "", kNow - kDay);
  write_inbox_file(inbox, other.id, "referral", "c-other", kNow - kDay);
  write_inbox_file(inbox, single.id, "referral", "c-third", kNow - kDay);

  AgencyRetention retention(store, inbox, {});
  REQUIRE(retention.apply(bundle_with("", 5), kNow).ok());
  CHECK(store.message(a.id)->has_value());

  const TrustBundle with_orders = bundle_with(
      "\n[[erasure_orders]]\ncase_ref = \"c-court\"\n\n[[erasure_orders]]\nid = \"" + single.id + "\"\n", 6);
  auto out = retention.apply(with_orders, kNow);
  REQUIRE(out.ok());
  CHECK(out->orders == 2);
  CHECK_FALSE(store.message(a.id)->has_value());
  CHECK_FALSE(store.message(reply.id)->has_value());
  CHECK(store.message(other.id)->has_value());
  CHECK_FALSE(fs::exists(inbox + "/" + a.id + ".json"));
  CHECK_FALSE(fs::exists(inbox + "/" + reply.id + ".json"));
  CHECK_FALSE(fs::exists(inbox + "/" + single.id + ".json"));
  CHECK(fs::exists(inbox + "/" + other.id + ".json"));
  // The case's plaintext is gone from every file of the folder and the store.
  CHECK(files_holding(dir.path, "c-court").empty());
  // The same serial again: the orders are not applied twice.
  auto again = retention.apply(with_orders, kNow);
  REQUIRE(again.ok());
  CHECK(again->orders == 0);
}

TEST_CASE("a message's attachment files in inbox_dir go with it, and no other file does", "[service][retention]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);
  const std::string inbox = dir.path + "/inbox";
  fs::create_directories(inbox);
  StoredMessage old_ref = sample_message(fresh_id(1), kNow - 40 * kDay);
  REQUIRE(store.put_message(old_ref, "{}").ok());
  const std::string scan = old_ref.id + ".1.scan.pdf";
  std::ofstream(inbox + "/" + scan) << "%PDF-1.4 plaintext scan";
  std::ofstream(inbox + "/unrelated.pdf") << "kept";
  // Names outside the message's own prefix are never followed.
  std::ofstream(inbox + "/" + old_ref.id + ".json")
      << "{\"id\":\"" << old_ref.id << "\",\"type\":\"referral\",\"attachment_files\":[\"" << scan
      << "\",\"unrelated.pdf\",\"../escape\"]}";
  struct utimbuf t {};
  t.actime = t.modtime = static_cast<time_t>((kNow - 40 * kDay) / 1000);
  REQUIRE(::utime((inbox + "/" + old_ref.id + ".json").c_str(), &t) == 0);

  AgencyRetention retention(store, inbox, {});
  auto out = retention.apply(bundle_with("\n[retention]\n\"referral/1\" = \"30d\"\n\"referral/2\" = \"30d\"\n", 5), kNow);
  REQUIRE(out.ok());
  CHECK(out->files == 2);
  CHECK_FALSE(fs::exists(inbox + "/" + scan));
  CHECK_FALSE(fs::exists(inbox + "/" + old_ref.id + ".json"));
  CHECK(fs::exists(inbox + "/unrelated.pdf"));
}
