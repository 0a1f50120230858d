// `relais-agent reply`: the request answering a received message.
//
// reply_request looks the message up in the store (Status::Invalid when no
// received message has that id: a reply answers a message in the inbox) and
// fills in what the answer takes from it: the topic response.<its sender>,
// in_reply_to its id, and its case_ref. In the document, what is absent is
// filled too: for a referral-response, referral_id (the answered referral's)
// and responded_at (now); for a case-update, case_ref. `type` is
// referral-response or case-update (else Status::Usage). The document must
// be a JSON object (else Status::Invalid).
#pragma once

#include <string>

#include "agent/agent.h"
#include "store/store.h"

namespace relais {

Result<PublishRequest> reply_request(Store& store, const std::string& message_id, const std::string& type,
                                     const std::string& document_text, int64_t now_ms);

}  // namespace relais
