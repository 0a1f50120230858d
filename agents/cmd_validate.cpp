#include "cmd_validate.h"

#include <iostream>
#include <iterator>
#include <sstream>

#include "schema/registry.h"
#include "util/files.h"
#include "util/json_msgpack.h"

namespace relais {

namespace {
constexpr size_t kMaxDocumentBytes = 4u << 20;
}

int run_validate(const std::string& type_name, const std::string& file) {
  auto type = parse_doc_type(type_name);
  if (!type.ok()) {
    std::cerr << "relais-agent validate: " << type.status().message() << "\n";
    return 2;
  }
  std::string text;
  if (file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
    if (text.size() > kMaxDocumentBytes) {
      std::cerr << "relais-agent validate: stdin: document larger than 4 MiB\n";
      return 1;
    }
  } else {
    auto r = read_text_file(file, kMaxDocumentBytes);
    if (!r.ok()) {
      std::cerr << "relais-agent validate: cannot read " << file << ": " << r.status().message() << "\n";
      return 2;
    }
    text = std::move(*r);
  }
  auto registry = SchemaRegistry::load_builtin();
  if (!registry.ok()) {
    std::cerr << "relais-agent validate: " << registry.status().message() << "\n";
    return registry.status().exit_code();
  }
  auto doc = json_to_msgpack(text);
  if (!doc.ok()) {
    std::cerr << ValidationError{"", doc.status().message()}.to_string() << "\n";
    return 1;
  }
  const auto errors = registry->validate(*type, ByteView(*doc));
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << e.to_string() << "\n";
    return 1;
  }
  std::cout << "valid: " << doc_type_name(*type) << "\n";
  return 0;
}

}  // namespace relais
