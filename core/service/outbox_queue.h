// Queuing a document in the outbox (relais-agent send and reply, and the
// service's own documents: the automatic "received" response and the
// escalation).
//
// queue_document settles at once what must not change between attempts:
// the message id (a UUIDv7 of now), the case_ref (the document's, the one
// given, or a fresh one for a referral: agent/agent.h envelope_case_ref) and
// the expiry (the request's ttl, else the policy's for the type, else
// kDefaultExpiryMs). With `check`, the document is first checked as publish
// checks it (schema, content against topic, locations, the policy letting
// this participant send this type on this topic: prepare_envelope, whose
// envelope is dropped), and a failure is returned as prepare_envelope gives
// it (Invalid, Refused, Usage, Config). Without (the service's own
// documents), the sender's first attempt checks it and marks it refused with
// the reason. The document is stored sealed (store/store.h).
//
// The request's attachments are queued with the document (sealed at rest).
//
// request_for gives the PublishRequest that seals a queued entry afresh: its
// id, case_ref and expiry fixed, ts the time of sealing; the caller adds the
// entry's attachments (Store::outbox_attachments).
#pragma once

#include <string>

#include "agent/agent.h"
#include "store/store.h"

namespace relais {

Result<OutboxEntry> queue_document(const AgentContext& ctx, Store& store, PublishRequest req, const std::string& origin,
                                   int64_t now_ms, bool check = true);

PublishRequest request_for(const OutboxEntry& entry, std::string document);

}  // namespace relais
