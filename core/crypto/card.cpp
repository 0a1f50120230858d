// Public cards as TOML (see card.h).
#include "crypto/card.h"

#include <cstdint>
#include <cstring>
#include <utility>

#include "util/bytes.h"

namespace relais {
namespace {

std::string toml_quoted(std::string_view s) {
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
  o += "name = " + toml_quoted(card.name) + "\n";
  o += "role = " + toml_quoted(role_name(card.role)) + "\n";
  o += "region = " + toml_quoted(card.region) + "\n";
  o += "prefecture = " + toml_quoted(card.prefecture) + "\n";
  for (const auto& f : kKeyFields) {
    o += std::string(f.key) + " = " + toml_quoted(to_base64(card.*f.member));
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

std::string card_history_toml(const CardHistory& history, std::string_view array_path) {
  std::string o;
  if (history.revoked_at_serial != 0) o += "revoked_at_serial = " + std::to_string(history.revoked_at_serial) + "\n";
  for (const auto& r : history.retired) {
    o += "\n[[" + std::string(array_path) + ".retired]]\n";
    for (const auto& [key, pk] : {std::pair<std::string_view, const PublicKey*>{"sign_pk", &r.sign_pk},
                                  {"link_pk", &r.link_pk},
                                  {"seal_pk", &r.seal_pk}})
      o += std::string(key) + " = " + toml_quoted(to_base64(*pk)) + "\n";
    o += "retired_at_serial = " + std::to_string(r.retired_at_serial) + "\n";
  }
  return o;
}

std::optional<CardHistory> read_card_history(TomlTable& t, const PublicCard& card) {
  CardHistory h;
  bool good = true;
  if (t.has("revoked_at_serial")) {
    if (auto n = t.get_int("revoked_at_serial", true, 1, INT64_MAX)) {
      h.revoked_at_serial = static_cast<uint64_t>(*n);
      if (!card.revoked) {
        t.error("revoked_at_serial", t.path("revoked_at_serial") + " is set but revoked = false; set both or neither");
        good = false;
      }
    } else {
      good = false;
    }
  } else if (card.revoked) {
    t.error("revoked", t.path("revoked") + " = true needs revoked_at_serial, the serial that revoked the card");
    good = false;
  }
  for (auto& r : t.get_tables("retired", false)) {
    RetiredKey k;
    bool key_good = true;
    for (auto [key, dst] : {std::pair<std::string_view, PublicKey*>{"sign_pk", &k.sign_pk},
                            {"link_pk", &k.link_pk},
                            {"seal_pk", &k.seal_pk}}) {
      auto text = r.get_string(key, true);
      if (!text) {
        key_good = false;
        continue;
      }
      auto raw = from_base64(*text);
      if (!raw.ok() || raw->size() != 32) {
        r.error(key, r.path(key) + " must be 32 bytes in base64");
        key_good = false;
        continue;
      }
      std::memcpy(dst->data(), raw->data(), 32);
    }
    if (auto n = r.get_int("retired_at_serial", true, 1, INT64_MAX)) k.retired_at_serial = static_cast<uint64_t>(*n);
    else key_good = false;
    r.reject_unknown();
    if (key_good) h.retired.push_back(k);
    else good = false;
  }
  if (!good) return std::nullopt;
  return h;
}

}  // namespace relais
