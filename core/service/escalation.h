// The referral workflow's rules, as pure functions (the service applies them
// through the store, service/workflow.h):
//   - A sent referral of urgency immediate or urgent escalates when no
//     accepted or rejected response (nor a later done or revoked one) came
//     within its deadline (ServiceConfig::escalate_immediate_ms /
//     escalate_urgent_ms) after it was logged; a routine one never does.
//   - The escalation is an escalation/1 document on escalation.<sender>:
//     about_id (the referral's id), reason (not_acknowledged: no response at
//     all; not_answered: only "received"), raised_at, the referral's
//     case_ref, and a note naming the recipient, the minutes really elapsed
//     and the deadline. Nothing about the person: the referral's body is
//     never read for it.
//   - The automatic answer to a received referral is a referral-response of
//     status received, naming the referral's referral_id.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/agent_config.h"
#include "store/store.h"

namespace relais {

// The escalation deadline of a document sent with this type and urgency
// (ms after it was logged), or nullopt when it never escalates.
std::optional<int64_t> escalation_deadline_ms(const std::string& type, const std::string& urgency,
                                              const ServiceConfig& config);
// When a logged entry escalates (logged_ms + deadline), or 0 for never.
int64_t escalate_at_ms(const OutboxEntry& entry, const ServiceConfig& config);
// True for a response status that settles a referral (no escalation after it).
bool settles_referral(const std::string& answer_status);
// How far a response status goes: received 1, accepted/rejected 2,
// done/revoked 3, anything else 0. A later answer never lowers it.
int answer_rank(const std::string& answer_status);
// Due at now_ms: a logged referral with escalate_at_ms set and passed, no
// escalation queued, and no settling answer.
bool escalation_due(const OutboxEntry& entry, int64_t now_ms);
// The participant a referral topic is addressed to (referral.<name>), or "".
std::string referral_recipient(const std::string& topic);
// The escalation/1 document for `referral`, raised at now_ms.
nlohmann::json escalation_document(const OutboxEntry& referral, int64_t now_ms, int64_t deadline_ms);
// The referral-response/1 of status received answering a referral whose
// body gives referral_id.
nlohmann::json received_response_document(const std::string& referral_id, int64_t now_ms);

}  // namespace relais
