#include "service/inbox_export.h"

#include "crypto/uuid.h"
#include "util/files.h"
#include "util/wipe.h"

#include <nlohmann/json.hpp>

namespace relais {

Status prepare_inbox_dir(const std::string& dir) {
  Status s = make_dirs(dir, 0700);
  if (!s.ok()) return Status(s.code(), "service.inbox_dir: " + s.message());
  return Status::Ok();
}

std::string attachment_file_name(const std::string& id, size_t index, const std::string& name) {
  return id + "." + std::to_string(index + 1) + "." + name;
}

Status export_message(const std::string& dir, const std::string& id, const std::string& json_text,
                      const std::vector<Attachment>& attachments) {
  auto parsed = uuid_from_string(id);
  if (!parsed.ok() || uuid_to_string(*parsed) != id) return Status::Invalid("inbox_dir: " + id + " is not a message id");
  std::string text = json_text;
  if (!attachments.empty()) {
    nlohmann::ordered_json message = nlohmann::ordered_json::parse(json_text, nullptr, false);
    if (message.is_discarded()) return Status::Invalid("inbox_dir: the message of " + id + " is not JSON");
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (size_t i = 0; i < attachments.size(); ++i) {
      RELAIS_RETURN_IF_ERROR(check_attachment_name(attachments[i].name));
      const std::string file = attachment_file_name(id, i, attachments[i].name);
      RELAIS_RETURN_IF_ERROR(write_file_durable(dir + "/" + file, attachments[i].data, 0600));
      files.push_back(file);
    }
    message["attachment_files"] = files;
    text = message.dump();
  }
  text += "\n";
  Status s = write_file_durable(dir + "/" + id + ".json", as_bytes(text), 0600);
  wipe(text);
  return s;
}

}  // namespace relais
