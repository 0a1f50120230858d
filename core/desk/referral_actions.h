// Referral actions and states on the desk's message pages, pure functions
// (like desk/pages.h):
//   received_actions_html  on a received message: for a referral, how long it
//                          has waited for an answer and whether it is
//                          overdue (its urgency's deadline passed); for a
//                          caseworker or an admin, one click to accept, a
//                          reason and one click to refuse (the schema's
//                          "rejected"), and links to another answer and to a
//                          case update (desk/compose_routes.h fills topic,
//                          in_reply_to and case_ref from the message);
//   sent_referral_html     on a sent referral: its latest answer, or how long
//                          it has waited, and whether the service escalated
//                          it (a link to the escalation) or when it will.
// with_actions puts such a block under a page's <h1>.
#pragma once

#include <cstdint>
#include <string>

#include "desk/catalog.h"
#include "store/store.h"

namespace relais::desk {

std::string received_actions_html(const Catalog& t, const StoredMessage& m, bool can_write, const std::string& csrf,
                                  int64_t now_ms, int64_t overdue_after_ms);
std::string sent_referral_html(const Catalog& t, const OutboxEntry& e, int64_t now_ms);

// "2 h 05 min", "3 j 4 h" ("3 d 4 h") in the catalog's words.
std::string duration_text(const Catalog& t, int64_t ms);

std::string with_actions(const std::string& main_html, const std::string& block);

}  // namespace relais::desk
