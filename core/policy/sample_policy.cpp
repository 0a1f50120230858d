// The sample policy, kept byte-identical to config/policy.toml by
// tests/policy/policy_test.cpp.
#include "policy/sample_policy.h"

namespace relais {

std::string_view sample_policy_toml() {
  static constexpr std::string_view kText = R"relais(# Relais topic policy (format relais-policy/2, see docs/formats.md).
#
# The policy is data, not code. It is signed into the trust bundle by the
# authority, so changing it means issuing a new bundle with a higher serial:
# `relais-admin set-policy --dir DIR --policy policy.toml`, then reload the
# broker.
#
# Evaluation, for a participant P and a concrete topic T:
#   - deny by default: P may act on T only if some "allow" rule matches;
#   - deny wins: if any "deny" rule matches, the answer is no;
#   - a revoked participant and the authority never match any rule.
# The readers of T (who an envelope on T must be sealed to) are exactly the
# unrevoked participants that may subscribe to T.
#
# [[rule]] keys:
#   effect      "allow" (default) or "deny"
#   action      "publish", "subscribe", or a list of both
#   audit       true: may witness the broker's checkpoints (a rule with
#               only audit = true has no action and no topic)
#   topic       a pattern or a list of patterns: tokens [a-z0-9_-]+,
#               "*" matches one token, ">" (last only) the rest
#               (action and topic are required unless audit = true)
#   role        role(s): police gendarmerie social ngo committee commission
#               auditor broker                          (default: any role)
#   name        participant name(s)                     (default: any name)
#   region      region slug(s)                          (default: any region)
#   prefecture  prefecture slug(s)                      (default: any prefecture)
#   comment     free text, ignored
# Every selector given must match; within a list, any value matches.
# A selector value may refer to tokens of the topic: "{3}" is token 3
# (counting from 0), "{1..}" is tokens 1 to the end joined with ".", so
# name = "{1..}" on referral.social.golfe selects social.golfe.
#
# [[types]] keys: topic (pattern or list), allow (list of "type/version"),
# comment. A document type may be sent on a topic only if some entry allows it.
#
# Addressing and lifetimes:
#   [[mailboxes]]        topic (pattern or list), owner (token reference,
#                        default "{1..}"), comment: topics addressed to one
#                        participant; they wait in its mailbox
#   [expiry]             "type/version" = "72h": how long a document is valid
#                        when its sender does not say (default 30 days)
# Sections checked for shape now, given meaning by later releases:
#   [retention]          "type/version" or default = "365d": how long it is kept
#   [[erasure_orders]]   case_ref, order, comment: a case to erase
# Durations are <N>s, <N>m, <N>h or <N>d.
format = "relais-policy/2"
description = "Sample deployment: alerts, referrals, responses, statistics, escalations"

# --- Alerts: alert.<kind>.<region>.<prefecture> ---------------------------
[[rule]]
comment = "Every operational role may raise an alert (not the auditor, never the broker)."
action = "publish"
topic = "alert.*.*.*"
role = ["police", "gendarmerie", "social", "ngo", "committee", "commission"]

[[rule]]
comment = "The national commission reads every alert."
action = "subscribe"
topic = "alert.*.*.*"
role = "commission"

[[rule]]
comment = "The committee of the prefecture concerned reads the alert."
action = "subscribe"
topic = "alert.*.*.*"
role = "committee"
prefecture = "{3}"

[[rule]]
comment = "The police of the region concerned read the alert."
action = "subscribe"
topic = "alert.*.*.*"
role = "police"
region = "{2}"

[[rule]]
comment = "The gendarmerie of the region concerned (rural areas, borders) reads the alert."
action = "subscribe"
topic = "alert.*.*.*"
role = "gendarmerie"
region = "{2}"

# --- Referrals: referral.<participant-name> is that participant's inbox ---
[[rule]]
action = "publish"
topic = ["referral.>", "response.>"]
role = ["police", "gendarmerie", "social", "ngo", "committee", "commission"]

[[rule]]
comment = "Only the owner of an inbox reads it."
action = "subscribe"
topic = ["referral.>", "response.>"]
name = "{1..}"

# Referrals and responses are addressed: each waits in its owner's mailbox
# (relais-agent subscribe --mailbox) even before the owner first connects.
[[mailboxes]]
topic = ["referral.>", "response.>"]
owner = "{1..}"

# --- Escalations: escalation.<participant-name> ---------------------------
[[rule]]
comment = "A participant escalates on its own escalation topic only."
action = "publish"
topic = "escalation.>"
role = ["police", "gendarmerie", "social", "ngo", "committee"]
name = "{1..}"

[[rule]]
comment = "The national commission reads every escalation."
action = "subscribe"
topic = "escalation.>"
role = "commission"

# --- Statistics: stats.<prefecture> --------------------------------------
[[rule]]
action = "publish"
topic = "stats.*"
role = "committee"
prefecture = "{1}"

[[rule]]
action = "subscribe"
topic = "stats.*"
role = "commission"

# --- Audit: who may witness the broker's checkpoints ---------------------
# (Every participant may fetch checkpoints and the proofs of its own receipts.)
[[rule]]
audit = true
role = ["auditor", "commission"]

# --- Document types per topic --------------------------------------------
[[types]]
topic = "alert.>"
allow = ["alert/1", "alert/2"]

[[types]]
topic = "referral.>"
allow = ["referral/1", "referral/2", "case-update/1", "case-update/2"]

[[types]]
topic = "response.>"
allow = ["referral-response/1", "case-update/1", "case-update/2"]

[[types]]
topic = "stats.>"
allow = ["statistics-report/1", "statistics-report/2"]

[[types]]
topic = "escalation.>"
allow = ["escalation/1"]
)relais";
  return kText;
}

}  // namespace relais
