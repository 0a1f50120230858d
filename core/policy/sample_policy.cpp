// The sample policy, kept byte-identical to config/policy.toml by
// tests/policy/policy_test.cpp.
#include "policy/sample_policy.h"

namespace relais {

std::string_view sample_policy_toml() {
  static constexpr std::string_view kText = R"relais(# Relais topic policy (format relais-policy/1, see docs/formats.md).
#
# The policy is data, not code. It is signed into the trust bundle by the
# authority (`relais-admin bundle --policy policy.toml ...`), so changing it
# means issuing a new bundle with a higher serial.
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
#   action      "publish", "subscribe", or a list of both          (required)
#   topic       a pattern or a list of patterns: tokens [a-z0-9_-]+,
#               "*" matches one token, ">" (last only) the rest   (required)
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
format = "relais-policy/1"
description = "Sample deployment: alerts, referrals, responses, statistics"

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

# --- Document types per topic --------------------------------------------
[[types]]
topic = "alert.>"
allow = ["alert/1"]

[[types]]
topic = "referral.>"
allow = ["referral/1", "case-update/1"]

[[types]]
topic = "response.>"
allow = ["referral-response/1", "case-update/1"]

[[types]]
topic = "stats.>"
allow = ["statistics-report/1"]
)relais";
  return kText;
}

}  // namespace relais
