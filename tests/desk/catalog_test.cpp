// The label catalogs: French and English hold the same keys and the same
// placeholders, and the pages' fallbacks show a missing key as itself.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "desk/catalog.h"
#include "desk/embedded.h"

using relais::desk::Catalog;

namespace {

std::set<std::string> placeholders(const std::string& text) {
  std::set<std::string> out;
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close != std::string::npos) out.insert(text.substr(open, close - open + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("the French and English catalogs hold the same keys", "[desk][i18n]") {
  const Catalog& fr = Catalog::builtin("fr");
  const Catalog& en = Catalog::builtin("en");
  REQUIRE(fr.lang() == "fr");
  REQUIRE(en.lang() == "en");
  REQUIRE(fr.keys().size() > 100);
  const auto missing = relais::desk::missing_keys(fr, en);
  INFO("differences: " << missing.size());
  for (const auto& m : missing) INFO(m);
  CHECK(missing.empty());
}

TEST_CASE("each key has the same placeholders in both languages and no empty text", "[desk][i18n]") {
  const Catalog& fr = Catalog::builtin("fr");
  const Catalog& en = Catalog::builtin("en");
  for (const auto& k : fr.keys()) {
    INFO(k);
    CHECK_FALSE(fr.text(k).empty());
    CHECK_FALSE(en.text(k).empty());
    CHECK(placeholders(fr.text(k)) == placeholders(en.text(k)));
  }
}

TEST_CASE("a missing key shows as itself and placeholders are filled", "[desk][i18n]") {
  auto c = Catalog::parse(R"({"a.b": "Bonjour {user}, {n} messages"})", "fr");
  REQUIRE(c.ok());
  CHECK(c->text("no.such.key") == "no.such.key");
  CHECK(c->format("a.b", {{"user", "Amivi"}, {"n", "3"}}) == "Bonjour Amivi, 3 messages");
}

TEST_CASE("a malformed catalog is refused with a plain reason", "[desk][i18n]") {
  CHECK_FALSE(Catalog::parse("[1,2]", "fr").ok());
  auto bad = Catalog::parse(R"({"a": 3})", "en");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("\"a\"") != std::string::npos);
}

TEST_CASE("the desk's assets are embedded", "[desk]") {
  CHECK_FALSE(relais::embedded_asset("desk.css").empty());
  CHECK_FALSE(relais::embedded_asset("desk.js").empty());
  CHECK(relais::embedded_asset("nope.css").empty());
  CHECK(relais::embedded_i18n_names().size() == 2);
}
