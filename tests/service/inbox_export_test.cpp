// inbox_dir (service/inbox_export.h): <id>.json, 0600, in a 0700 folder;
// nothing but a message id names a file.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "service/inbox_export.h"
#include "temp_dir.h"
#include "util/files.h"

#include <nlohmann/json.hpp>

using namespace relais;
using namespace relais::test;

TEST_CASE("a message is exported as <id>.json, mode 0600, in a 0700 folder", "[service][inbox]") {
  TempDir tmp;
  const std::string dir = tmp.path + "/inbox/social";
  REQUIRE(prepare_inbox_dir(dir).ok());
  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  const std::string id = "01a22d3b-ed6c-71aa-af1b-3fab7a32af69";
  REQUIRE(export_message(dir, id, "{\"id\":\"" + id + "\"}").ok());
  const std::string path = dir + "/" + id + ".json";
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_text_file(path).value() == "{\"id\":\"" + id + "\"}\n");
  // Written again (a redelivery): replaced, never a second file.
  REQUIRE(export_message(dir, id, "{}").ok());
  CHECK(read_text_file(path).value() == "{}\n");
}

TEST_CASE("only a canonical message id names an exported file", "[service][inbox]") {
  TempDir tmp;
  for (const char* bad : {"../../etc/x", "01A22D3B-ED6C-71AA-AF1B-3FAB7A32AF69", "", "x"}) {
    INFO(bad);
    Status s = export_message(tmp.path, bad, "{}");
    CHECK(s.code() == Code::kInvalid);
  }
}

TEST_CASE("attachments are exported beside <id>.json, 0600, and named in it", "[service][inbox]") {
  TempDir tmp;
  const std::string dir = tmp.path + "/inbox";
  REQUIRE(prepare_inbox_dir(dir).ok());
  const std::string id = "01a22d3b-ed6c-71aa-af1b-3fab7a32af69";
  const std::vector<Attachment> files = {Attachment{"photo.jpg", "image/jpeg", Bytes{0xff, 0xd8, 0xff}},
                                         Attachment{"rapport de police.pdf", "application/pdf", Bytes{'%', 'P'}}};
  REQUIRE(export_message(dir, id, "{\"id\":\"" + id + "\"}", files).ok());
  const std::string second = dir + "/" + id + ".2.rapport de police.pdf";
  CHECK(read_file(second).value() == Bytes{'%', 'P'});
  struct stat st {};
  REQUIRE(::stat(second.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto json = nlohmann::json::parse(read_text_file(dir + "/" + id + ".json").value());
  CHECK(json["attachment_files"] == nlohmann::json::array({id + ".1.photo.jpg", id + ".2.rapport de police.pdf"}));
  // A name that could leave the folder is refused, and nothing is written for it.
  const std::string other = "01a22d3b-ed6c-71aa-af1b-3fab7a32af70";
  CHECK_FALSE(export_message(dir, other, "{}", {Attachment{"../x", "text/plain", Bytes{'x'}}}).ok());
  struct stat none {};
  CHECK(::stat((dir + "/" + other + ".json").c_str(), &none) != 0);
}
