// Attachments end to end (issue: photos, scanned reports and PDFs sealed with
// the message): the real broker and agent services over CurveZMQ on
// 127.0.0.1, stores on disk.
//   - a referral with three files (a JPEG, a PDF and a 12 MiB file) sent with
//     `send --attach` arrives whole: `show --save-attachments` writes the same
//     bytes, inbox_dir holds them as 0600 files, the hook hears only their
//     types and sizes, and no file content is readable at rest;
//   - an attachment that does not match the hash its document lists, or a
//     body carrying more files than listed, is refused as tampering;
//   - a message over the limit is refused before anything is queued, with
//     the size and the limit in words.
// Every wait is bounded and on a condition.
#include <catch2/catch.hpp>

#include <filesystem>

#include "agent/agent.h"
#include "crypto/body_format.h"
#include "crypto/envelope.h"
#include "crypto/uuid.h"
#include "deployment.h"
#include "util/clock.h"
#include "util/json_msgpack.h"

using namespace relais;
using namespace relais::test;
namespace fs = std::filesystem;

namespace {

const char* kReferralFile = "demo/documents/referral-ngo-to-social.json";

// A file whose bytes start with `head` and then carry `marker` and filler.
Bytes file_bytes(const std::string& head, const std::string& marker, size_t size) {
  Bytes b(head.begin(), head.end());
  b.insert(b.end(), marker.begin(), marker.end());
  uint32_t x = 2463534242u;
  while (b.size() < size) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b.push_back(static_cast<uint8_t>(x));
  }
  return b;
}

void write_bytes(const std::string& path, const Bytes& b) {
  write_all(path, std::string(b.begin(), b.end()));
}

Bytes read_bytes(const std::string& path) {
  const std::string s = read_all(path);
  return Bytes(s.begin(), s.end());
}

// A referral from ngo.refuge to social.golfe sealed by hand: `listed` are the
// files its document lists, `carried` the files its body carries.
Bytes forged_referral(const AgentContext& ngo, const std::vector<Attachment>& listed,
                      const std::vector<Attachment>& carried) {
  nlohmann::json doc = nlohmann::json::parse(read_all(source_path(kReferralFile)));
  doc["attachments"] = attachment_list(listed);
  auto document = json_to_msgpack(doc.dump());
  REQUIRE(document.ok());
  auto body = encode_body_v2(*document, carried);
  REQUIRE(body.ok());
  SealParams p;
  p.from = ngo.identity.card.name;
  p.topic = "referral.social.golfe";
  p.type = "referral/2";
  if (doc.contains("case_ref") && doc["case_ref"].is_string()) p.case_ref = doc["case_ref"].get<std::string>();
  p.bundle_serial = ngo.bundle.serial;
  p.ts_ms = now_ms();
  p.expires_ms = p.ts_ms + 3600000;
  for (const auto& name : ngo.bundle.policy.readers(p.topic, ngo.bundle.participants))
    p.readers.emplace_back(name, ngo.bundle.find(name)->seal_pk);
  auto env = seal_envelope(p, *body, ngo.identity.sign_sk);
  INFO(env.status().message());
  REQUIRE(env.ok());
  return std::move(env).value();
}

}  // namespace

TEST_CASE("three attachments travel sealed, are saved whole, and are never readable at rest",
          "[integration][attachments]") {
  Deployment d;
  quick_service(d, "social.golfe");
  quick_service(d, "ngo.refuge");
  const std::string hook_out = d.dir() + "/hook-out";
  fs::create_directories(hook_out);
  const std::string hook = d.dir() + "/hook.sh";
  write_all(hook, "#!/bin/sh\ncat > " + hook_out + "/$$.tmp && mv " + hook_out + "/$$.tmp " + hook_out + "/$$.json\n");
  fs::permissions(hook, fs::perms::owner_all);
  d.set_agent_option("social.golfe", "service", "inbox_dir", "\"../inbox/social.golfe\"");
  d.set_agent_option("social.golfe", "service", "on_message", "\"" + hook + "\"");
  d.start_broker();
  ChildProcess social, ngo;
  d.start_service(social, "social.golfe", d.dir() + "/social.log");
  d.start_service(ngo, "ngo.refuge", d.dir() + "/ngo.log");

  const std::string marker = "ATTACH-" + uuid_to_string(new_uuid_v7(now_ms())).substr(24);
  const std::string files = d.dir() + "/files";
  fs::create_directories(files);
  const Bytes jpeg = file_bytes("\xff\xd8\xff\xe0", marker + "-jpeg", 48 * 1024);
  const Bytes pdf = file_bytes("%PDF-1.7\n", marker + "-pdf", 300 * 1024);
  const Bytes large = file_bytes("", marker + "-large", 12u << 20);
  write_bytes(files + "/véhicule.jpg", jpeg);
  write_bytes(files + "/rapport de police.pdf", pdf);
  write_bytes(files + "/enregistrement.bin", large);

  ProcResult sent = d.agent("ngo.refuge",
                            {"send", "--topic", "referral.social.golfe", "--type", "referral", "--file",
                             source_path(kReferralFile), "--attach", files + "/véhicule.jpg", "--attach",
                             files + "/rapport de police.pdf", "--attach", files + "/enregistrement.bin"},
                            60000);
  const std::string id = json_of(sent)["id"].get<std::string>();
  const bool stored = eventually(60000, 200, [&] {
    for (const auto& m : json_of(d.agent("social.golfe", {"inbox", "--json"})))
      if (m["id"] == id) return !fs::is_empty(hook_out);
    return false;
  });
  INFO(social.log() << ngo.log());
  REQUIRE(stored);

  // `show` prints the document with its list, and saves the three files whole.
  const std::string saved = d.dir() + "/saved";
  ProcResult shown = d.agent("social.golfe", {"show", id, "--save-attachments", saved});
  INFO(shown.err);
  REQUIRE(shown.exit_code == 0);
  const auto message = nlohmann::json::parse(shown.out);
  REQUIRE(message["type"] == "referral");
  const auto& list = message["body"]["attachments"];
  REQUIRE(list.size() == 3);
  CHECK(list[0]["name"] == "véhicule.jpg");
  CHECK(list[0]["media_type"] == "image/jpeg");
  CHECK(list[1]["media_type"] == "application/pdf");
  CHECK(list[2]["media_type"] == "application/octet-stream");
  CHECK(list[2]["size"] == large.size());
  CHECK(list[2]["blake2b"] == attachment_hash(large));
  CHECK(read_bytes(saved + "/véhicule.jpg") == jpeg);
  CHECK(read_bytes(saved + "/rapport de police.pdf") == pdf);
  CHECK(read_bytes(saved + "/enregistrement.bin") == large);
  CHECK((fs::status(saved + "/enregistrement.bin").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  // A second save never overwrites.
  ProcResult again = d.agent("social.golfe", {"show", id, "--save-attachments", saved});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  // The sender's outbox entry keeps its files too.
  ProcResult mine = d.agent("ngo.refuge", {"show", id, "--save-attachments", d.dir() + "/sent"});
  REQUIRE(mine.exit_code == 0);
  CHECK(read_bytes(d.dir() + "/sent/rapport de police.pdf") == pdf);
  REQUIRE(social.stop(10000) == 0);
  REQUIRE(ngo.stop(10000) == 0);

  // inbox_dir: each file beside <id>.json, 0600, named in the JSON.
  const std::string inbox = d.dir() + "/inbox/social.golfe/";
  const auto exported = nlohmann::json::parse(read_all(inbox + id + ".json"));
  REQUIRE(exported["attachment_files"].size() == 3);
  CHECK(exported["attachment_files"][0] == id + ".1.véhicule.jpg");
  CHECK(read_bytes(inbox + id + ".2.rapport de police.pdf") == pdf);
  CHECK((fs::status(inbox + id + ".3.enregistrement.bin").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  // The hook heard of three files, their types and sizes, never their names or bytes.
  bool hook_seen = false;
  for (const auto& e : fs::directory_iterator(hook_out)) {
    const auto input = nlohmann::json::parse(read_all(e.path().string()));
    if (input["id"] != id) continue;
    hook_seen = true;
    REQUIRE(input["attachments"].size() == 3);
    CHECK(input["attachments"][1]["media_type"] == "application/pdf");
    CHECK_FALSE(input.contains("body"));
  }
  CHECK(hook_seen);
  CHECK(files_containing(hook_out, "véhicule").empty());
  CHECK(files_containing(hook_out, marker).empty());
  // Sealed at rest in both stores.
  CHECK(files_containing(d.dir() + "/state/social.golfe", marker).empty());
  CHECK(files_containing(d.dir() + "/state/ngo.refuge", marker).empty());
  CHECK(files_containing(d.dir() + "/data", marker).empty());
}

TEST_CASE("an attachment that differs from its listed hash or count is refused as tampering",
          "[integration][attachments]") {
  Deployment d;
  auto ngo = context_for(d, "ngo.refuge");
  auto social = context_for(d, "social.golfe");
  const Attachment photo{"photo.jpg", "image/jpeg", file_bytes("\xff\xd8\xff", "a", 4096)};
  Attachment altered = photo;
  altered.data[100] ^= 1;

  // The honest message opens, with its file.
  auto good = open_delivery(*social, forged_referral(*ngo, {photo}, {photo}), 1);
  INFO((good.ok() ? "" : good.status().message()));
  REQUIRE(good.ok());
  CHECK((*good)["body"]["attachments"][0]["name"] == "photo.jpg");

  auto changed = open_delivery(*social, forged_referral(*ngo, {photo}, {altered}), 1);
  REQUIRE_FALSE(changed.ok());
  CHECK_THAT(changed.status().message(), Catch::Contains("attachment 1 does not match its hash"));

  auto extra = open_delivery(*social, forged_referral(*ngo, {photo}, {photo, photo}), 1);
  REQUIRE_FALSE(extra.ok());
  CHECK_THAT(extra.status().message(), Catch::Contains("lists 1 attachments but the body carries 2"));

  auto hidden = open_delivery(*social, forged_referral(*ngo, {}, {photo}), 1);
  REQUIRE_FALSE(hidden.ok());
  CHECK_THAT(hidden.status().message(), Catch::Contains("the message was altered"));
}

TEST_CASE("a message over the limit is refused before it is queued, with its size and the limit",
          "[integration][attachments]") {
  Deployment d;
  const std::string files = d.dir() + "/files";
  fs::create_directories(files);
  write_bytes(files + "/huge.bin", file_bytes("", "x", 17u << 20));
  write_bytes(files + "/half1.pdf", file_bytes("%PDF-", "y", 9u << 20));
  write_bytes(files + "/half2.pdf", file_bytes("%PDF-", "z", 9u << 20));
  const std::vector<std::string> send = {"send", "--topic", "referral.social.golfe", "--type", "referral",
                                         "--file", source_path(kReferralFile)};

  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = send;
    args.insert(args.end(), extra.begin(), extra.end());
    return d.agent("ngo.refuge", args, 60000);
  };
  ProcResult one = with({"--attach", files + "/huge.bin"});
  CHECK(one.exit_code == 1);
  CHECK_THAT(one.err, Catch::Contains("the file is 17.0 MiB; a message carries at most 16.0 MiB"));
  ProcResult two = with({"--attach", files + "/half1.pdf", "--attach", files + "/half2.pdf"});
  CHECK(two.exit_code == 1);
  CHECK_THAT(two.err, Catch::Contains("18.0 MiB with its attachments; at most 16.0 MiB can be sent"));
  // A version 1 type carries none; a folder is not a file.
  ProcResult v1 = d.agent("ngo.refuge", {"send", "--topic", "referral.social.golfe", "--type", "referral/1", "--file",
                                         source_path(kReferralFile), "--attach", files + "/half1.pdf"});
  CHECK(v1.exit_code == 2);
  CHECK_THAT(v1.err, Catch::Contains("referral/1 cannot carry attachments"));
  ProcResult folder = with({"--attach", files});
  CHECK(folder.exit_code == 2);
  CHECK_THAT(folder.err, Catch::Contains("not a file"));
  // Nothing was queued.
  CHECK(json_of(d.agent("ngo.refuge", {"outbox", "--json"})).empty());
}

TEST_CASE("subscribe saves the files of each message, and a file it cannot save leaves the message unacknowledged",
          "[integration][attachments]") {
  Deployment d;
  d.start_broker();
  const std::string files = d.dir() + "/files";
  fs::create_directories(files);
  const Bytes pdf = file_bytes("%PDF-1.4\n", "scan", 20000);
  write_bytes(files + "/scan.pdf", pdf);
  ProcResult sent = d.agent("ngo.refuge", {"publish", "--topic", "referral.social.golfe", "--type", "referral", "--file",
                                           source_path(kReferralFile), "--attach", files + "/scan.pdf"});
  const std::string id = json_of(sent)["id"].get<std::string>();

  // The folder already holds a file of that name: nothing is overwritten, the
  // command fails, and the message is not acknowledged.
  const std::string out = d.dir() + "/out";
  fs::create_directories(out + "/" + id);
  write_all(out + "/" + id + "/scan.pdf", "earlier");
  ProcResult blocked =
      d.agent("social.golfe", {"subscribe", "--mailbox", "--count", "1", "--timeout", "20", "--save-attachments", out});
  CHECK(blocked.exit_code == 1);
  CHECK_THAT(blocked.err, Catch::Contains("already exists"));
  CHECK_THAT(blocked.err, Catch::Contains("will come again"));
  CHECK(read_all(out + "/" + id + "/scan.pdf") == "earlier");

  // Once the folder is free, the same message comes again and its file is saved.
  fs::remove_all(out);
  ProcResult saved =
      d.agent("social.golfe", {"subscribe", "--mailbox", "--count", "1", "--timeout", "20", "--save-attachments", out});
  INFO(saved.err);
  REQUIRE(saved.exit_code == 0);
  CHECK(json_lines(saved.out).at(0)["id"] == id);
  CHECK(read_bytes(out + "/" + id + "/scan.pdf") == pdf);
  CHECK((fs::status(out + "/" + id + "/scan.pdf").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
}
