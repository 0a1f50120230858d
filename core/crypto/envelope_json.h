// header_json: an envelope's routing header as JSON, the one shape every
// program prints it in (relais-agent subscribe, relais-audit replay):
//   {"seq", "id", "topic", "type", "from", "ts", "urgency", "case_ref",
//    "handling", "in_reply_to"}
// in that order for an ordered JSON type. `type` is the document type as the
// caller names it (its bare name, "alert", when it is known). case_ref and
// in_reply_to are null when absent. Json is nlohmann::json or ordered_json.
// Plain function over values; allocates the result.
#pragma once

#include <cstdint>
#include <string_view>

#include "crypto/envelope.h"
#include "crypto/uuid.h"
#include "util/clock.h"

namespace relais {

template <class Json>
Json header_json(const EnvelopeHeader& h, uint64_t seq, std::string_view type) {
  Json out = Json::object();
  out["seq"] = seq;
  out["id"] = uuid_to_string(h.id);
  out["topic"] = h.topic;
  out["type"] = std::string(type);
  out["from"] = h.from;
  out["ts"] = format_rfc3339_ms(h.ts_ms);
  out["urgency"] = h.urgency;
  out["case_ref"] = h.case_ref ? Json(*h.case_ref) : Json(nullptr);
  out["handling"] = h.handling;
  out["in_reply_to"] = h.in_reply_to ? Json(uuid_to_string(*h.in_reply_to)) : Json(nullptr);
  return out;
}

}  // namespace relais
