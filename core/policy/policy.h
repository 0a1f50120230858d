// The topic policy: data, not code (format "relais-policy/2", docs/formats.md).
//
// Rules grant `publish` and/or `subscribe` on topic patterns to participants
// selected by name, role, region and prefecture. Selector values may refer to
// tokens of the concrete topic: "{3}" is token 3 (0-based), "{1..}" is tokens
// 1..end joined with '.'; literal text may surround one reference
// ("committee.{3}"). Deny by default; a matching `effect = "deny"` rule wins
// over every allow. A rule never matches a revoked card, and nothing ever
// matches the authority. `[[types]]` entries say which versioned document
// types ("alert/1") are allowed on which topic patterns. A rule with
// `audit = true` lets the participants it selects witness checkpoints (every
// participant may fetch checkpoints and the proofs of its own receipts
// regardless).
//
// Version 2 also names sections that later work gives meaning to; they are
// parsed and checked for shape here and kept as data:
//   [[mailboxes]]       addressed topics: a pattern whose tokens name the owner
//   [expiry]            per document type, how long a document stays valid
//   [retention]         per document type (or "default"), how long it is kept
//   [[erasure_orders]]  orders to erase one case's documents
// A "relais-policy/1" text is refused, naming the one-line change.
//
// A Policy is immutable after parse() and safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "util/status.h"

namespace relais {

// One selector value: literal text, or text around one token reference.
struct SelectorValue {
  std::string prefix;     // the whole literal when ref < 0
  std::string suffix;
  int ref = -1;           // token index, or -1 for a plain literal
  bool ref_rest = false;  // "{k..}": tokens k..end joined with '.'
};

struct PolicyRule {
  bool deny = false;
  bool publish = false;
  bool subscribe = false;
  bool audit = false;               // witnesses checkpoints (audit = true)
  std::vector<std::string> topics;  // validated patterns; empty only in an audit-only rule
  // Each selector list: empty means "any"; otherwise any listed value matches.
  std::vector<Role> roles;
  std::vector<SelectorValue> names, regions, prefectures;
  int line = 0;  // source line, for messages
};

struct TypeRule {
  std::vector<std::string> topics;  // validated patterns
  std::vector<std::string> types;   // "alert/1", ...
  int line = 0;
};

// [[mailboxes]]: topics addressed to one participant, the owner named by a
// token reference of the topic (default "{1..}": referral.social.golfe
// belongs to social.golfe).
struct MailboxRule {
  std::vector<std::string> topics;  // validated patterns
  SelectorValue owner;              // always a token reference
  int line = 0;
};

// [[erasure_orders]]: one order to erase a case's documents, or one
// message. Exactly one of case_ref and id is given. `number` names the order
// in erasure events and audit reports ("erased by order N"): the `number`
// key, or the order's position (1, 2, ...) when it has none; numbers are
// unique within a policy, and relais-admin erasure-order gives each new
// order the next one.
struct ErasureOrder {
  uint64_t number = 0;
  std::string case_ref;  // the case, or empty
  std::string id;        // the id of one message (UUID text, lower case), or empty
  std::string order;     // the order's own reference (free text, optional)
  int line = 0;
};

// Parses a duration "<N>s", "<N>m", "<N>h" or "<N>d" (N from 1, at most 100
// years in all) into milliseconds; nullopt when malformed.
std::optional<int64_t> parse_policy_duration(std::string_view text);

class Policy {
 public:
  Policy() = default;  // the empty policy: denies everything

  // Parses policy TOML. On failure returns Status::Config listing EVERY
  // problem found, one per line, each as "origin:line: what".
  static Result<Policy> parse(std::string_view toml_text, const std::string& origin);

  bool may_publish(const PublicCard& card, std::string_view topic) const;
  bool may_subscribe(const PublicCard& card, std::string_view topic) const;
  bool type_allowed(std::string_view topic, std::string_view versioned_type) const;
  // True if some rule with audit = true selects the card and no such deny
  // rule does (never a revoked card or the authority).
  bool may_audit(const PublicCard& card) const;

  // The readers of a concrete topic: names (sorted ascending, byte order) of
  // every unrevoked participant that may subscribe to it. Never the authority.
  std::vector<std::string> readers(std::string_view topic, const std::vector<PublicCard>& participants) const;

  // True if the card may subscribe to at least one concrete topic matching
  // `pattern` (which may contain * and >). Candidates are built by unifying
  // the pattern with each allow rule's patterns, filling pure token
  // references ("{k}", "{k..}") from the card and free wildcards with a
  // placeholder token; each candidate is checked with may_subscribe, so deny
  // rules are honoured. May answer false for exotic rules (a reference with
  // surrounding literal text is not used to build candidates), never a false
  // true.
  bool may_subscribe_pattern(const PublicCard& card, std::string_view pattern) const;

  const std::vector<PolicyRule>& rules() const { return rules_; }
  const std::vector<TypeRule>& type_rules() const { return type_rules_; }
  const std::vector<MailboxRule>& mailboxes() const { return mailboxes_; }
  // The participant a concrete topic is addressed to: the owner reference of
  // the first [[mailboxes]] rule covering it, resolved from the topic's
  // tokens; empty when no rule covers it.
  std::string mailbox_owner(std::string_view topic) const;
  // [expiry]: versioned type -> milliseconds.
  const std::map<std::string, int64_t, std::less<>>& expiry_ms() const { return expiry_ms_; }
  // [retention]: versioned type or "default" -> milliseconds.
  const std::map<std::string, int64_t, std::less<>>& retention_ms() const { return retention_ms_; }
  const std::vector<ErasureOrder>& erasure_orders() const { return erasure_orders_; }
  // The retention period of a versioned document type: its own, else the
  // default; nullopt when neither is given (such documents are kept).
  std::optional<int64_t> retention_for(std::string_view versioned_type) const;
  // The erasure order with this number, or nullptr.
  const ErasureOrder* erasure_order(uint64_t number) const;
  // One human-readable line per rule, for `relais-admin verify-bundle`.
  std::vector<std::string> describe() const;

 private:
  bool allowed(const PublicCard& card, std::string_view topic, bool publish) const;

  std::vector<PolicyRule> rules_;
  std::vector<TypeRule> type_rules_;
  std::vector<MailboxRule> mailboxes_;
  std::map<std::string, int64_t, std::less<>> expiry_ms_;
  std::map<std::string, int64_t, std::less<>> retention_ms_;
  std::vector<ErasureOrder> erasure_orders_;
};

}  // namespace relais
