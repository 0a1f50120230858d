// What the service makes of one opened delivery (the JSON object
// `relais-agent subscribe` prints, agent/agent.h OpenedDelivery):
//   - stored_message_of: the clear columns of the store (routing fields only,
//     store/store.h StoredMessage); status "expired" for an expired one.
//   - hook_input: the JSON an on_message program reads on its standard
//     input: the routing fields, without "body" unless with_body (the
//     configuration's on_message_body), so that a notification gateway never
//     sees victims' data by default. Attachments never reach a hook: without
//     the body it gets "attachments": [{media_type, size}] only, with the
//     body the document's list (names, sizes, hashes), never the files.
// Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "agent/agent.h"
#include "store/store.h"

namespace relais {

StoredMessage stored_message_of(const OpenedDelivery& opened, const std::string& subscription, int64_t received_ms);

nlohmann::ordered_json hook_input(const nlohmann::ordered_json& message, bool with_body);

}  // namespace relais
