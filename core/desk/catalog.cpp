#include "desk/catalog.h"

#include <nlohmann/json.hpp>

#include "desk/embedded.h"

namespace relais::desk {

Result<Catalog> Catalog::parse(std::string_view json_text, std::string lang) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Invalid("the " + lang + " label catalog is not a JSON object of \"key\": \"text\"");
  Catalog c;
  c.lang_ = std::move(lang);
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string())
      return Status::Invalid("the " + c.lang_ + " label catalog's entry \"" + it.key() + "\" is not a text");
    c.texts_.emplace(it.key(), it.value().get<std::string>());
  }
  return c;
}

const Catalog& Catalog::builtin(std::string_view lang) {
  static const Catalog fr = [] {
    auto c = parse(embedded_i18n("fr.json"), "fr");
    return c.ok() ? std::move(*c) : Catalog();
  }();
  static const Catalog en = [] {
    auto c = parse(embedded_i18n("en.json"), "en");
    return c.ok() ? std::move(*c) : Catalog();
  }();
  return lang == "en" ? en : fr;
}

std::string Catalog::text(std::string_view key) const {
  auto it = texts_.find(std::string(key));
  return it == texts_.end() ? std::string(key) : it->second;
}

std::string Catalog::format(std::string_view key, const std::map<std::string, std::string>& values) const {
  std::string t = text(key);
  for (const auto& [name, value] : values) {
    const std::string mark = "{" + name + "}";
    for (size_t pos = t.find(mark); pos != std::string::npos; pos = t.find(mark, pos + value.size()))
      t.replace(pos, mark.size(), value);
  }
  return t;
}

std::vector<std::string> Catalog::keys() const {
  std::vector<std::string> out;
  out.reserve(texts_.size());
  for (const auto& [k, v] : texts_) out.push_back(k);
  return out;
}

std::vector<std::string> missing_keys(const Catalog& a, const Catalog& b) {
  std::vector<std::string> out;
  for (const auto& k : a.keys())
    if (!b.has(k)) out.push_back(b.lang() + " lacks " + k);
  for (const auto& k : b.keys())
    if (!a.has(k)) out.push_back(a.lang() + " lacks " + k);
  return out;
}

}  // namespace relais::desk
