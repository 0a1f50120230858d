// DeskActions: what the desk (desk/desk_server.h) asks of the agent service
// when a worker writes, without touching the service's own AgentContext or
// broker session from the desk's HTTP threads.
//
// It keeps its own copy of what the checks need (the configuration, the
// identity, the schemas, and the bundle in force), taken on the service's
// thread at start and again by refresh() whenever the service takes a newer
// bundle or hears a newer broker serial. From any thread:
//   directory()  the regions, prefectures and participants of that bundle,
//                for the forms (desk::ComposeDirectory);
//   send()       queues a composed document as `relais-agent send` does (a
//                new message on its topic) or as `relais-agent reply` does
//                (an answer: service/reply.h fills topic, in_reply_to and
//                case_ref from the received message): every check of
//                queue_document (schema, content against topic, locations,
//                the policy), then the outbox, which the service sends when
//                the broker is reachable. Errors as queue_document's.
//                The request's attachments are queued with the document
//                (alert/2, referral/2, case-update/2: PublishRequest).
// Calls to send() are serialised; each is short (no network).
#pragma once

#include <memory>
#include <mutex>

#include "agent/agent.h"
#include "desk/compose_form.h"
#include "store/store.h"
#include "util/status.h"

namespace relais {

class DeskActions {
 public:
  // On the service's thread.
  explicit DeskActions(const AgentContext& ctx);
  // On the service's thread: takes ctx's bundle and broker serial when they
  // changed.
  void refresh(const AgentContext& ctx);

  std::shared_ptr<const desk::ComposeDirectory> directory() const;
  Result<OutboxEntry> send(Store& store, const desk::ComposeRequest& request, int64_t now_ms);

 private:
  void take_bundle_locked(const AgentContext& ctx);

  mutable std::mutex mu_;
  AgentContext own_;
  std::shared_ptr<const desk::ComposeDirectory> directory_;
};

}  // namespace relais
