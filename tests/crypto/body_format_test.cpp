// Body format 2 (crypto/body_format.h): [document, [file...]] round-trips,
// malformed bodies are refused with a reason, the document's list is checked
// against the files, names that could escape a folder are refused, media
// types come from the bytes before the extension.
#include <catch2/catch.hpp>

#include "crypto/body_format.h"
#include "util/json_msgpack.h"

using namespace relais;

namespace {

Attachment file(const std::string& name, const std::string& type, const std::string& content) {
  return Attachment{name, type, Bytes(content.begin(), content.end())};
}

Bytes document(const nlohmann::json& doc) {
  auto b = json_to_msgpack(doc.dump());
  REQUIRE(b.ok());
  return std::move(b).value();
}

}  // namespace

TEST_CASE("a body with files round-trips and its list matches", "[crypto][attachments]") {
  const std::vector<Attachment> files = {file("a.jpg", "image/jpeg", "\xff\xd8\xff..."),
                                         file("b.pdf", "application/pdf", std::string(70000, 'p')),
                                         file("c.txt", "text/plain", "")};
  nlohmann::json doc = {{"kind", "x"}, {"attachments", attachment_list(files)}};
  const Bytes doc_bytes = document(doc);
  auto body = encode_body_v2(doc_bytes, files);
  REQUIRE(body.ok());
  auto parts = decode_body_v2(*body);
  REQUIRE(parts.ok());
  CHECK(parts->document == doc_bytes);
  REQUIRE(parts->files.size() == 3);
  CHECK(parts->files[1].size() == 70000);
  auto matched = match_attachments(doc, parts->files);
  REQUIRE(matched.ok());
  CHECK((*matched)[0].name == "a.jpg");
  CHECK((*matched)[2].data.empty());
  CHECK(doc["attachments"][1]["size"] == 70000);
  CHECK(doc["attachments"][0]["blake2b"].get<std::string>().size() == 64);

  // No files at all: an empty list is fine, a missing list too.
  auto bare = encode_body_v2(document({{"kind", "x"}}), {});
  REQUIRE(bare.ok());
  auto bare_parts = decode_body_v2(*bare);
  REQUIRE(bare_parts.ok());
  CHECK(bare_parts->files.empty());
  CHECK(match_attachments(nlohmann::json{{"kind", "x"}}, {}).ok());
}

TEST_CASE("a file that differs from the list is refused as an altered message", "[crypto][attachments]") {
  const std::vector<Attachment> files = {file("a.jpg", "image/jpeg", "abcdef")};
  const nlohmann::json doc = {{"attachments", attachment_list(files)}};
  auto swapped = match_attachments(doc, {Bytes{'a', 'b', 'c', 'd', 'e', 'g'}});
  REQUIRE_FALSE(swapped.ok());
  CHECK(swapped.status().message() == "attachment 1 does not match its hash: the message was altered");
  auto shorter = match_attachments(doc, {Bytes{'a'}});
  REQUIRE_FALSE(shorter.ok());
  CHECK_THAT(shorter.status().message(), Catch::Contains("size"));
  auto more = match_attachments(doc, {files[0].data, files[0].data});
  REQUIRE_FALSE(more.ok());
  CHECK_THAT(more.status().message(), Catch::Contains("lists 1 attachments but the body carries 2"));
  auto unlisted = match_attachments(nlohmann::json::object(), {files[0].data});
  REQUIRE_FALSE(unlisted.ok());
  // A listed name that could escape a folder is refused even with a good hash.
  nlohmann::json sneaky = doc;
  sneaky["attachments"][0]["name"] = "../../.bashrc";
  CHECK_FALSE(match_attachments(sneaky, {files[0].data}).ok());
}

TEST_CASE("malformed bodies are refused with a reason, never read past their end", "[crypto][attachments]") {
  const Bytes doc = document({{"k", 1}});
  auto good = encode_body_v2(doc, {file("a", "text/plain", "hello")});
  REQUIRE(good.ok());
  // Every truncation fails cleanly.
  for (size_t n = 0; n < good->size(); ++n) CHECK_FALSE(decode_body_v2(ByteView(good->data(), n)).ok());
  Bytes trailing = *good;
  trailing.push_back(0xc0);
  CHECK_THAT(decode_body_v2(trailing).status().message(), Catch::Contains("after the attachments"));
  // The document alone (format 1) is not a format-2 body.
  CHECK_FALSE(decode_body_v2(doc).ok());
  // A file that is a string, not bytes.
  Bytes str_file = {0x92};
  str_file.insert(str_file.end(), doc.begin(), doc.end());
  str_file.insert(str_file.end(), {0x91, 0xa1, 'x'});
  CHECK_THAT(decode_body_v2(str_file).status().message(), Catch::Contains("attachment 1 is malformed"));
  // A bin that claims more bytes than there are.
  Bytes liar = {0x92};
  liar.insert(liar.end(), doc.begin(), doc.end());
  liar.insert(liar.end(), {0x91, 0xc6, 0x7f, 0xff, 0xff, 0xff, 'x'});
  CHECK_FALSE(decode_body_v2(liar).ok());
  // Too many files.
  std::vector<Attachment> many(kMaxAttachments + 1, file("a", "text/plain", "x"));
  CHECK_FALSE(encode_body_v2(doc, many).ok());
  Bytes seventeen = {0x92};
  seventeen.insert(seventeen.end(), doc.begin(), doc.end());
  seventeen.insert(seventeen.end(), {0xdc, 0x00, 0x11});
  for (int i = 0; i < 17; ++i) seventeen.insert(seventeen.end(), {0xc4, 0x00});
  CHECK_THAT(decode_body_v2(seventeen).status().message(), Catch::Contains("more than 16 attachments"));
}

TEST_CASE("attachment names stay inside a folder and media types come from the bytes", "[crypto][attachments]") {
  CHECK(check_attachment_name("rapport de police.pdf").ok());
  CHECK(check_attachment_name("véhicule 2.jpg").ok());
  for (const char* bad : {"", ".", "..", ".hidden", "-rf", "a/b.jpg", "a\\b.jpg", "a\nb", "\x7f"}) {
    INFO(bad);
    CHECK(check_attachment_name(bad).code() == Code::kUsage);
  }
  CHECK_FALSE(check_attachment_name(std::string(201, 'a')).ok());
  CHECK_FALSE(check_attachment_name("\xc3\x28.jpg").ok());  // not UTF-8

  const Bytes jpeg = {0xff, 0xd8, 0xff, 0xe0};
  const std::string pdf_text = "%PDF-1.4";
  const Bytes pdf(pdf_text.begin(), pdf_text.end());
  CHECK(guess_media_type("scan.txt", jpeg) == "image/jpeg");  // the bytes win
  CHECK(guess_media_type("x", pdf) == "application/pdf");
  CHECK(guess_media_type("notes.TXT", {}) == "text/plain");
  CHECK(guess_media_type("page.html", {}) == "application/octet-stream");  // never a type a browser would run
  CHECK(guess_media_type("noextension", {}) == "application/octet-stream");
}
