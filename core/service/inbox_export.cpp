#include "service/inbox_export.h"

#include "crypto/uuid.h"
#include "util/files.h"

namespace relais {

Status prepare_inbox_dir(const std::string& dir) {
  Status s = make_dirs(dir, 0700);
  if (!s.ok()) return Status(s.code(), "service.inbox_dir: " + s.message());
  return Status::Ok();
}

Status export_message(const std::string& dir, const std::string& id, const std::string& json_text) {
  auto parsed = uuid_from_string(id);
  if (!parsed.ok() || uuid_to_string(*parsed) != id) return Status::Invalid("inbox_dir: " + id + " is not a message id");
  std::string text = json_text + "\n";
  return write_file_durable(dir + "/" + id + ".json", as_bytes(text), 0600);
}

}  // namespace relais
