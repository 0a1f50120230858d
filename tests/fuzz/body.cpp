// Body format 2 (core/crypto/body_format.h): decode, then check the files
// against the document's list, as a reader does after opening.
#include "crypto/body_format.h"
#include "fuzz/harnesses.h"
#include "util/json_msgpack.h"

namespace relais::fuzz {

int fuzz_body(const uint8_t* data, size_t size) {
  auto parts = decode_body_v2(ByteView(data, size));
  if (!parts.ok()) return 0;
  FUZZ_CHECK(parts->files.size() <= kMaxAttachments);
  size_t total = parts->document.size();
  for (const Bytes& f : parts->files) total += f.size();
  FUZZ_CHECK(total <= size);
  // Re-encoding what was decoded gives a body that decodes to the same parts.
  std::vector<Attachment> files;
  for (const Bytes& f : parts->files) files.push_back(Attachment{"f", "application/octet-stream", f});
  auto again = encode_body_v2(parts->document, files);
  FUZZ_CHECK(again.ok());
  auto back = decode_body_v2(*again);
  FUZZ_CHECK(back.ok() && back->document == parts->document && back->files == parts->files);
  auto doc = msgpack_to_json(parts->document);
  if (!doc.ok()) return 0;
  auto matched = match_attachments(*doc, parts->files);
  if (matched.ok()) {
    FUZZ_CHECK(matched->size() == parts->files.size());
    for (const Attachment& a : *matched) FUZZ_CHECK(check_attachment_name(a.name).ok());
  }
  return 0;
}

}  // namespace relais::fuzz
