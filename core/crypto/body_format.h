// Body format 2: a document with the files attached to it, sealed together
// (docs/envelope.md §Body formats).
//
//   body (format 1) = the document (a msgpack map)
//   body (format 2) = msgpack [document (map), [file (bin), ...]]
//
// The document of a format-2 body lists its files, in the same order, as
// "attachments": [{name, media_type, size, blake2b}] (the schemas alert/2,
// referral/2 and case-update/2); blake2b is the BLAKE2b-256 of the file's
// bytes in 64 lowercase hex digits. A reader checks every entry against its
// file (match_attachments): a count, size or hash that differs means the
// message was altered, and it is refused like any other tampering.
//
// Limits: at most kMaxAttachments files; their total size is bounded by the
// envelope's max_body (EnvelopeLimits), which the sealing checks.
//
// Pure functions; thread-safe; never throw. Errors are Status::Invalid (a
// malformed or altered body) or Status::Usage (a file a sender chose that
// cannot be attached), with messages for people that never quote a value
// of the document.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

inline constexpr size_t kMaxAttachments = 16;
inline constexpr size_t kMaxAttachmentName = 200;  // bytes of UTF-8

// One attached file: its name (no folder), media type and bytes. The bytes
// are sensitive like a document: never log them.
struct Attachment {
  std::string name;
  std::string media_type;
  Bytes data;
};

// A name a file may be attached (and saved) under: 1..200 bytes of valid
// UTF-8, no '/' or '\', no control character, not "." or "..", not starting
// with '.' or '-'. Status::Usage saying which rule it breaks.
Status check_attachment_name(std::string_view name);

// The media type of a file from its first bytes (JPEG, PNG, GIF, WebP, PDF,
// ZIP-based office files by their extension), else from its extension, else
// "application/octet-stream".
std::string guess_media_type(std::string_view name, ByteView data);

// 64 lowercase hex digits of BLAKE2b-256(data).
std::string attachment_hash(ByteView data);

// The document's "attachments" list for these files.
nlohmann::json attachment_list(const std::vector<Attachment>& files);

// msgpack [document, [file, ...]] from a msgpack-encoded document.
// Status::Invalid for more than kMaxAttachments files.
Result<Bytes> encode_body_v2(ByteView document_msgpack, const std::vector<Attachment>& files);

// A format-2 body split into the document's msgpack bytes and the files.
struct BodyParts {
  Bytes document;
  std::vector<Bytes> files;
};
// Bounded decoding of a format-2 body: an array of exactly two, a map, then
// an array of at most kMaxAttachments bins, nothing after. Status::Invalid.
Result<BodyParts> decode_body_v2(ByteView body);

// The files named by the document's "attachments" (absent: none), checked:
// as many as listed, each of the listed size and hash, each name acceptable
// (check_attachment_name). Status::Invalid ("attachment 2 does not match its
// hash: the message was altered") otherwise. Takes the files.
Result<std::vector<Attachment>> match_attachments(const nlohmann::json& document, std::vector<Bytes> files);

}  // namespace relais
