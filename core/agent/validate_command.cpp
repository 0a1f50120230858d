#include "agent/validate_command.h"

#include <istream>
#include <optional>
#include <ostream>

#include "agent/location_rules.h"
#include "schema/registry.h"
#include "util/clock.h"
#include "crypto/envelope.h"
#include "util/files.h"
#include "util/size_text.h"
#include "util/json_msgpack.h"

namespace relais {

namespace {

// The most one message carries (the envelope's max_body, 16 MiB).
const size_t kMaxDocumentBytes = EnvelopeLimits{}.max_body;

// Reads `in` to its end, or until it holds more than kMaxDocumentBytes
// (then returns false).
bool read_bounded(std::istream& in, std::string* text) {
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text->append(buf, static_cast<size_t>(in.gcount()));
    if (text->size() > kMaxDocumentBytes) return false;
  }
  return true;
}

}  // namespace

int run_validate(const std::string& type_name, const std::string& file, std::istream& in, std::ostream& out,
                 std::ostream& err, const Locations* locations) {
  auto type = parse_doc_type(type_name);
  if (!type.ok()) {
    err << "relais-agent validate: " << type.status().message() << "\n";
    return 2;
  }
  std::string text;
  if (file == "-") {
    if (!read_bounded(in, &text)) {
      err << "relais-agent validate: stdin: document larger than " << size_in_words(kMaxDocumentBytes)
          << ", the most one message carries\n";
      return 1;
    }
  } else {
    auto r = read_text_file(file, kMaxDocumentBytes);
    if (!r.ok()) {
      err << "relais-agent validate: cannot read " << file << ": " << r.status().message() << "\n";
      return 2;
    }
    text = std::move(*r);
  }
  auto registry = SchemaRegistry::load_builtin();
  if (!registry.ok()) {
    err << "relais-agent validate: " << registry.status().message() << "\n";
    return registry.status().exit_code();
  }
  auto doc = json_to_msgpack(text);
  if (!doc.ok()) {
    err << ValidationError{"", doc.status().message()}.to_string() << "\n";
    return 1;
  }
  const auto errors = registry->validate(*type, ByteView(*doc));
  if (!errors.empty()) {
    for (const auto& e : errors) err << e.to_string() << "\n";
    return 1;
  }
  std::optional<Locations> builtin;
  if (locations == nullptr) {
    auto l = Locations::parse(Locations::builtin_csv(), "the built-in location table");
    if (!l.ok()) {
      err << "relais-agent validate: " << l.status().message() << "\n";
      return 2;
    }
    builtin.emplace(std::move(l).value());
    locations = &*builtin;
  }
  auto json = msgpack_to_json(*doc);
  if (!json.ok()) {
    err << ValidationError{"", json.status().message()}.to_string() << "\n";
    return 1;
  }
  if (Status s = check_document_locations(*type, *json, *locations, now_ms()); !s.ok()) {
    err << s.message() << "\n";
    return 1;
  }
  out << "valid: " << doc_type_name(*type) << "\n";
  return 0;
}

}  // namespace relais
