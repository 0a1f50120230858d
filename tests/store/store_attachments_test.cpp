// Store (store/store.h): attachments are sealed at rest with their message or
// outbox entry, come back whole and in order, never appear in clear on disk,
// and go when their message is erased.
#include <catch2/catch.hpp>

#include "store/store.h"
#include "store/sqlite_db.h"
#include "store_fixture.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::test;

namespace {

Attachment file(const std::string& name, const std::string& type, const std::string& content) {
  return Attachment{name, type, Bytes(content.begin(), content.end())};
}

}  // namespace

TEST_CASE("a received message's attachments are sealed at rest and come back whole", "[store][attachments]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);
  const std::string secret = "SECRET-SCAN-CONTENT-4711";
  const std::vector<Attachment> files = {file("photo voiture.jpg", "image/jpeg", "\xff\xd8\xff" + secret),
                                         file("rapport.pdf", "application/pdf", "%PDF-1.7 " + secret),
                                         file("vide.txt", "text/plain", "")};
  StoredMessage m = sample_message(fresh_id(), 1000, "c-0011223344556677");
  auto put = store.put_message(m, R"({"body":{}})", files);
  REQUIRE(put.ok());
  CHECK(*put);
  // A redelivery changes nothing.
  auto again = store.put_message(m, R"({"body":{}})", {file("other.jpg", "image/jpeg", "x")});
  REQUIRE(again.ok());
  CHECK_FALSE(*again);

  auto all = store.message_attachments(m.id);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK((*all)[i].name == files[i].name);
    CHECK((*all)[i].media_type == files[i].media_type);
    CHECK((*all)[i].data == files[i].data);
  }
  auto second = store.message_attachment(m.id, 1);
  REQUIRE(second.ok());
  CHECK(second->name == "rapport.pdf");
  CHECK(store.message_attachment(m.id, 3).status().code() == Code::kNotFound);
  auto none = store.message_attachments(fresh_id());
  REQUIRE(none.ok());
  CHECK(none->empty());

  CHECK(files_holding(dir.path + "/state", secret).empty());
  CHECK(files_holding(dir.path + "/state", "photo voiture").empty());

  // Erasing the message takes its files.
  auto erased = store.erase_message(m.id);
  REQUIRE(erased.ok());
  auto after = store.message_attachments(m.id);
  REQUIRE(after.ok());
  CHECK(after->empty());
}

TEST_CASE("a queued entry keeps its attachments for every attempt", "[store][attachments]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);
  OutboxEntry e = sample_entry(fresh_id(), 1000);
  REQUIRE(store.enqueue(e, "{}", {file("a.jpg", "image/jpeg", "abc"), file("b.pdf", "application/pdf", "def")}).ok());
  auto files = store.outbox_attachments(e.id);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 2);
  CHECK((*files)[1].name == "b.pdf");
  CHECK((*files)[1].data == Bytes{'d', 'e', 'f'});
  // An entry with the same id is refused, and its files are not mixed in.
  CHECK_FALSE(store.enqueue(e, "{}", {file("c.txt", "text/plain", "zzz")}).ok());
  auto still = store.outbox_attachments(e.id);
  REQUIRE(still.ok());
  CHECK(still->size() == 2);
  // An entry without files has none.
  OutboxEntry plain = sample_entry(fresh_id(), 2000);
  REQUIRE(store.enqueue(plain, "{}").ok());
  auto empty = store.outbox_attachments(plain.id);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("a store of version 1 gains the attachments table when it is opened", "[store][attachments]") {
  TempDir dir;
  Identity me = make_identity();
  StoredMessage m = sample_message(fresh_id(), 1000);
  {
    auto r = Store::open(dir.path + "/state", me, {});
    REQUIRE(opened(r).put_message(m, "{}").ok());
  }
  {  // as a build from before attachments left it
    auto db = SqliteDb::open(dir.path + "/state/store.db");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("DROP TABLE attachments; PRAGMA user_version = 1", "downgrade").ok());
  }
  auto r = Store::open(dir.path + "/state", me, {});
  Store& store = opened(r);
  REQUIRE(store.message(m.id)->has_value());
  StoredMessage with_file = sample_message(fresh_id(), 2000);
  REQUIRE(store.put_message(with_file, "{}", {file("a.pdf", "application/pdf", "%PDF")}).ok());
  CHECK(store.message_attachments(with_file.id)->size() == 1);
}
