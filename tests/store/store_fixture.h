// Helpers for the store tests: identities made at run time, sample rows, and
// a byte search over every file of a folder (what an attacker holding the
// disk would read).
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "crypto/keys.h"
#include "crypto/uuid.h"
#include "store/store.h"
#include "util/files.h"

namespace relais::test {

inline Identity make_identity(const std::string& name = "social.golfe") {
  auto id = generate_identity(name, Role::kSocial, "maritime", "golfe");
  REQUIRE(id.ok());
  return std::move(id).value();
}

inline std::string fresh_id(int64_t ms = 1767225600000) { return uuid_to_string(new_uuid_v7(ms)); }

inline StoredMessage sample_message(const std::string& id, int64_t ts_ms, const std::string& case_ref = "",
                                    const std::string& in_reply_to = "") {
  StoredMessage m;
  m.id = id;
  m.seq = 7;
  m.subscription = "@mailbox";
  m.sender = "police.golfe";
  m.topic = "referral.social.golfe";
  m.type = "referral";
  m.case_ref = case_ref;
  m.urgency = "urgent";
  m.handling = "H2";
  m.in_reply_to = in_reply_to;
  m.ts_ms = ts_ms;
  m.expires_ms = ts_ms + 86400000;
  m.received_ms = ts_ms + 10;
  return m;
}

inline OutboxEntry sample_entry(const std::string& id, int64_t created_ms, const std::string& case_ref = "",
                                const std::string& in_reply_to = "") {
  OutboxEntry e;
  e.id = id;
  e.topic = "referral.ngo.refuge";
  e.type = "referral";
  e.urgency = "urgent";
  e.case_ref = case_ref;
  e.in_reply_to = in_reply_to;
  e.created_ms = created_ms;
  e.expires_ms = created_ms + 86400000;
  return e;
}

inline Store& opened(Result<std::unique_ptr<Store>>& r) {
  INFO(r.status().message());
  REQUIRE(r.ok());
  return **r;
}

// Whether `needle` occurs in the bytes of any regular file under `dir`; the
// file names where it does.
inline std::string files_holding(const std::string& dir, const std::string& needle) {
  std::string found;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto bytes = read_file(e.path().string());
    REQUIRE(bytes.ok());
    std::string text(bytes->begin(), bytes->end());
    if (text.find(needle) != std::string::npos) found += e.path().filename().string() + " ";
  }
  return found;
}

}  // namespace relais::test
