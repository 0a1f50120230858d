// Routing must match the content (docs/design.md §The envelope): a sender
// refuses to send, and
// a recipient NACKs, a document whose content contradicts its topic.
//   alert             on alert.<kind>.<region>.<prefecture>: kind and
//                     location.region / location.prefecture must match
//   referral          on referral.<name>: to_org must be <name>
//   statistics-report on stats.<prefecture>: prefecture must match
//   (for these three, a topic with an empty token is refused: it would
//   match a field the document leaves out)
//   escalation        on escalation.<name> (the policy lets each
//                     participant publish on its own only)
//   referral-response, case-update: no routing fields, any topic
// Returns Status::Invalid with a reason a person understands. Pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "schema/registry.h"
#include "util/status.h"

namespace relais {

Status check_content_matches_topic(DocType type, std::string_view topic, const nlohmann::json& doc);

// The string at doc[a] (or doc[a][b]); empty when absent or not a string.
// The one way the agent's content checks read a document field.
std::string document_text(const nlohmann::json& doc, const char* a, const char* b = nullptr);

}  // namespace relais
