// Public cards as TOML (see card.h).
#include "crypto/card.h"

#include <cstring>

#include "util/bytes.h"

namespace relais {
namespace {

std::string quoted(std::string_view s) {
  // Only slugs, names and base64 are ever written: no escaping needed, but be safe.
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

struct KeyField {
  std::string_view key;
  PublicKey PublicCard::*member;
  std::string_view comment;  // kKeyFile only
};
constexpr KeyField kKeyFields[] = {
    {"sign_pk", &PublicCard::sign_pk, "  # Ed25519, signatures"},
    {"link_pk", &PublicCard::link_pk, "  # X25519, CurveZMQ transport"},
    {"seal_pk", &PublicCard::seal_pk, "  # X25519, content-key sealing"},
};

}  // namespace

std::string card_fields_toml(const PublicCard& card, CardLayout layout) {
  std::string o;
  o += "name = " + quoted(card.name) + "\n";
  o += "role = " + quoted(role_name(card.role)) + "\n";
  o += "region = " + quoted(card.region) + "\n";
  o += "prefecture = " + quoted(card.prefecture) + "\n";
  for (const auto& f : kKeyFields) {
    o += std::string(f.key) + " = " + quoted(to_base64(card.*f.member));
    if (layout == CardLayout::kKeyFile) o += f.comment;
    o += "\n";
  }
  if (layout == CardLayout::kBundle) o += std::string("revoked = ") + (card.revoked ? "true" : "false") + "\n";
  return o;
}

std::optional<PublicCard> read_card_fields(TomlTable& t, CardLayout layout) {
  PublicCard card;
  bool good = true;
  if (auto name = t.get_string("name", true)) {
    if (is_valid_participant_name(*name)) {
      card.name = *name;
    } else {
      t.error("name", t.path("name") + ": invalid participant name '" + *name +
                          "' (use [a-z0-9_-]+ tokens separated by dots)");
      good = false;
    }
  } else {
    good = false;
  }
  if (auto role_text = t.get_string("role", true)) {
    auto role = parse_role(*role_text);
    if (role.ok()) {
      card.role = *role;
    } else {
      // parse_role's message starts with its module ("keys: "); the reader adds the caller's.
      std::string why = role.status().message();
      if (why.starts_with("keys: ")) why.erase(0, 6);
      t.error("role", t.path("role") + ": " + why);
      good = false;
    }
  } else {
    good = false;
  }
  for (auto [key, dst] : {std::pair<std::string_view, std::string*>{"region", &card.region},
                          {"prefecture", &card.prefecture}}) {
    if (auto v = t.get_string(key, false)) {
      if (is_valid_slug(*v)) {
        *dst = *v;
      } else {
        t.error(key, t.path(key) + " = '" + *v + "' is not a lowercase slug [a-z0-9_-]+");
        good = false;
      }
    } else if (t.has(key)) {
      good = false;
    }
  }
  for (const auto& f : kKeyFields) {
    auto text = t.get_string(f.key, true);
    if (!text) {
      good = false;
      continue;
    }
    auto raw = from_base64(*text);
    if (!raw.ok() || raw->size() != 32) {
      t.error(f.key, t.path(f.key) + " must be 32 bytes in base64");
      good = false;
      continue;
    }
    std::memcpy((card.*f.member).data(), raw->data(), 32);
  }
  if (layout == CardLayout::kBundle) {
    if (auto revoked = t.get_bool("revoked", true)) card.revoked = *revoked;
    else good = false;
  }
  if (!good) return std::nullopt;
  return card;
}

}  // namespace relais
