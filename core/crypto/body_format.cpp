#include "crypto/body_format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include <msgpack.hpp>

#include "crypto/hashing.h"
#include "util/json_msgpack.h"
#include "util/msgpack_limits.h"
#include "util/utf8.h"

namespace relais {
namespace {

bool starts_with_bytes(ByteView data, std::initializer_list<uint8_t> magic, size_t at = 0) {
  if (data.size() < at + magic.size()) return false;
  return std::equal(magic.begin(), magic.end(), data.begin() + static_cast<std::ptrdiff_t>(at));
}

std::string lower_extension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Reads a msgpack array header at data[*at]; false when it is not one.
bool read_array_header(ByteView data, size_t* at, uint32_t* count) {
  if (*at >= data.size()) return false;
  const uint8_t b = data[*at];
  if (b >= 0x90 && b <= 0x9f) {
    *count = b & 0x0f;
    *at += 1;
    return true;
  }
  if (b == 0xdc && data.size() - *at >= 3) {
    *count = (uint32_t{data[*at + 1]} << 8) | data[*at + 2];
    *at += 3;
    return true;
  }
  return false;
}

// Reads a msgpack bin at data[*at] (bin 8, 16 or 32); false when it is not
// one or is truncated.
bool read_bin(ByteView data, size_t* at, ByteView* out) {
  if (*at >= data.size()) return false;
  const uint8_t b = data[*at];
  size_t header = 0;
  size_t len = 0;
  const size_t left = data.size() - *at;
  if (b == 0xc4 && left >= 2) {
    header = 2;
    len = data[*at + 1];
  } else if (b == 0xc5 && left >= 3) {
    header = 3;
    len = (size_t{data[*at + 1]} << 8) | data[*at + 2];
  } else if (b == 0xc6 && left >= 5) {
    header = 5;
    len = (size_t{data[*at + 1]} << 24) | (size_t{data[*at + 2]} << 16) | (size_t{data[*at + 3]} << 8) | data[*at + 4];
  } else {
    return false;
  }
  if (left - header < len) return false;
  *out = data.subspan(*at + header, len);
  *at += header + len;
  return true;
}

}  // namespace

Status check_attachment_name(std::string_view name) {
  if (name.empty()) return Status::Usage("an attachment needs a file name");
  if (name.size() > kMaxAttachmentName)
    return Status::Usage("an attachment's file name is longer than " + std::to_string(kMaxAttachmentName) +
                         " bytes: rename the file");
  if (!utf8_valid(name)) return Status::Usage("an attachment's file name is not valid text (UTF-8): rename the file");
  if (name == "." || name == ".." || name.front() == '.' || name.front() == '-')
    return Status::Usage("an attachment's file name may not start with '.' or '-': rename the file");
  for (unsigned char c : name) {
    if (c == '/' || c == '\\') return Status::Usage("an attachment's file name may not contain '/' or '\\'");
    if (c < 0x20 || c == 0x7f)
      return Status::Usage("an attachment's file name may not contain control characters: rename the file");
  }
  return Status::Ok();
}

std::string guess_media_type(std::string_view name, ByteView data) {
  const std::string ext = lower_extension(name);
  if (starts_with_bytes(data, {0xff, 0xd8, 0xff})) return "image/jpeg";
  if (starts_with_bytes(data, {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a})) return "image/png";
  if (starts_with_bytes(data, {'G', 'I', 'F', '8'})) return "image/gif";
  if (starts_with_bytes(data, {'R', 'I', 'F', 'F'}) && starts_with_bytes(data, {'W', 'E', 'B', 'P'}, 8))
    return "image/webp";
  if (starts_with_bytes(data, {'%', 'P', 'D', 'F', '-'})) return "application/pdf";
  struct Known {
    const char* ext;
    const char* type;
  };
  static constexpr Known kByExtension[] = {
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"png", "image/png"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"heic", "image/heic"},
      {"tif", "image/tiff"},
      {"tiff", "image/tiff"},
      {"pdf", "application/pdf"},
      {"txt", "text/plain"},
      {"csv", "text/csv"},
      {"odt", "application/vnd.oasis.opendocument.text"},
      {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"doc", "application/msword"},
      {"xls", "application/vnd.ms-excel"},
      {"zip", "application/zip"},
      {"mp3", "audio/mpeg"},
      {"m4a", "audio/mp4"},
      {"ogg", "audio/ogg"},
      {"mp4", "video/mp4"},
  };
  for (const Known& k : kByExtension)
    if (ext == k.ext) return k.type;
  return "application/octet-stream";
}

std::string attachment_hash(ByteView data) {
  const Hash256 h = blake2b_256(data);
  return to_hex(ByteView(h.data(), h.size()));
}

nlohmann::json attachment_list(const std::vector<Attachment>& files) {
  nlohmann::json list = nlohmann::json::array();
  for (const Attachment& f : files) {
    list.push_back({{"name", f.name},
                    {"media_type", f.media_type},
                    {"size", f.data.size()},
                    {"blake2b", attachment_hash(f.data)}});
  }
  return list;
}

Result<Bytes> encode_body_v2(ByteView document_msgpack, const std::vector<Attachment>& files) {
  if (files.size() > kMaxAttachments)
    return Status::Invalid("a message carries at most " + std::to_string(kMaxAttachments) + " attachments, not " +
                           std::to_string(files.size()));
  size_t total = document_msgpack.size() + 8;
  for (const Attachment& f : files) total += f.data.size() + 5;
  msgpack::sbuffer buf(total);
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(2);
  buf.write(reinterpret_cast<const char*>(document_msgpack.data()), document_msgpack.size());
  pk.pack_array(static_cast<uint32_t>(files.size()));
  for (const Attachment& f : files) {
    pk.pack_bin(static_cast<uint32_t>(f.data.size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(f.data.data()), static_cast<uint32_t>(f.data.size()));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(buf.data());
  return Bytes(p, p + buf.size());
}

Result<BodyParts> decode_body_v2(ByteView body) {
  const Status bad = Status::Invalid(
      "body: not a body with attachments (expected [document, [files]]): the message is malformed");
  size_t at = 0;
  uint32_t n = 0;
  if (!read_array_header(body, &at, &n) || n != 2) return bad;
  // The document: one bounded msgpack map, whatever follows left to us.
  MsgpackLimits limits = document_msgpack_limits();
  limits.max_bytes = body.size();
  size_t used = 0;
  auto doc = unpack_bounded(body.subspan(at), limits, MsgpackCopy::kReference, &used);
  if (!doc.ok()) return Status::Invalid("body: the document is malformed: " + doc.status().message());
  if (doc->get().type != msgpack::type::MAP) return bad;
  BodyParts out;
  out.document.assign(body.begin() + static_cast<std::ptrdiff_t>(at),
                      body.begin() + static_cast<std::ptrdiff_t>(at + used));
  at += used;
  uint32_t count = 0;
  if (!read_array_header(body, &at, &count)) return bad;
  if (count > kMaxAttachments)
    return Status::Invalid("body: more than " + std::to_string(kMaxAttachments) + " attachments");
  for (uint32_t i = 0; i < count; ++i) {
    ByteView file;
    if (!read_bin(body, &at, &file))
      return Status::Invalid("body: attachment " + std::to_string(i + 1) + " is malformed or cut short");
    out.files.emplace_back(file.begin(), file.end());
  }
  if (at != body.size()) return Status::Invalid("body: unexpected bytes after the attachments");
  return out;
}

Result<std::vector<Attachment>> match_attachments(const nlohmann::json& document, std::vector<Bytes> files) {
  static const nlohmann::json kNone = nlohmann::json::array();
  const nlohmann::json* list = &kNone;
  if (document.is_object()) {
    auto it = document.find("attachments");
    if (it != document.end()) list = &*it;
  }
  if (!list->is_array()) return Status::Invalid("attachments: the document's list of attachments is not a list");
  if (list->size() != files.size())
    return Status::Invalid("attachments: the document lists " + std::to_string(list->size()) +
                           " attachments but the body carries " + std::to_string(files.size()) +
                           ": the message was altered");
  std::vector<Attachment> out;
  out.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const nlohmann::json& e = (*list)[i];
    const std::string which = "attachment " + std::to_string(i + 1);
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("media_type") ||
        !e["media_type"].is_string() || !e.contains("size") || !e["size"].is_number_unsigned() ||
        !e.contains("blake2b") || !e["blake2b"].is_string())
      return Status::Invalid(which + " is not described by name, media_type, size and blake2b");
    Attachment a;
    a.name = e["name"].get<std::string>();
    if (Status s = check_attachment_name(a.name); !s.ok())
      return Status::Invalid(which + ": " + s.message());
    a.media_type = e["media_type"].get<std::string>();
    if (e["size"].get<uint64_t>() != files[i].size())
      return Status::Invalid(which + " is not of the size the document gives: the message was altered");
    if (e["blake2b"].get<std::string>() != attachment_hash(files[i]))
      return Status::Invalid(which + " does not match its hash: the message was altered");
    a.data = std::move(files[i]);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace relais
