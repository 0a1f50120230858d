// ComposeRoutes: the desk's writing requests, beside desk/desk_server.cpp's
// reading ones. DeskServer hands every request to handle() after its
// checks (Host, Origin, CSRF token, session); handle() answers the paths
// below and returns nullopt for any other.
//
//   GET  /compose                        what can be written; the user's drafts
//   GET  /compose/TYPE[?draft=ID]        a new alert, referral or statistics report
//   POST /compose/TYPE                   action=send: checked, then queued in the
//                                        outbox (a redirect to the sent message);
//                                        action=save: kept as a draft
//   GET  /message/ID/answer/TYPE         an answer to a received message:
//        [?status=S][&draft=ID]          referral-response or case-update
//   POST /message/ID/answer/TYPE         as POST /compose/TYPE; one click from a
//                                        referral posts status=accepted here
//   POST /drafts/ID/delete
//
// Alerts, referrals and case updates take files (multipart/form-data, input
// "attachments"): each name checked, its media type guessed from its bytes,
// the total bounded by the envelope's max_body; they go to DeskDeps::send with
// the document and are never kept in drafts (desk/compose_form.h).
//
// Only a caseworker or an admin writes: a viewer gets 403 on every one of
// these, GET included. A form with errors comes back (422) with each error
// next to its field, in the page's language; nothing is queued. A draft
// belongs to the account that saved it (another gets 404). Sending goes
// through DeskDeps::send (the checks of `relais-agent send`, then the
// outbox): the broker need not be reachable. The access journal records
// each message sent and each draft saved or deleted (ids only).
// Thread-safety: as DeskServer (the store is used under its mutex).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "desk/compose_form.h"
#include "desk/page_frame.h"
#include "http/server.h"
#include "store/store.h"
#include "util/status.h"

namespace relais::desk {

// What the routes use of the desk around them.
struct ComposeAccess {
  std::function<int64_t()> now;
  std::mutex* store_mu = nullptr;
  std::function<Store*()> store_locked;  // under *store_mu; nullptr when it cannot open
  std::function<HttpResponse(const PageContext&, const std::string& title, const std::string& main_html, int status,
                             const PageOptions& options)>
      page;
  std::function<HttpResponse(const PageContext&, int status, const std::string& key)> error_page;
  std::function<void(const std::string& user, const std::string& action, const std::string& object,
                     const std::string& address)>
      journal;
  std::function<std::shared_ptr<const ComposeDirectory>()> directory;
  std::function<Result<OutboxEntry>(Store&, const ComposeRequest&)> send;
};

class ComposeRoutes {
 public:
  explicit ComposeRoutes(ComposeAccess access) : a_(std::move(access)) {}
  // `ctx` carries the session (present: DeskServer redirects to the login
  // page before) and the page's language and token.
  std::optional<HttpResponse> handle(const HttpRequest& req, const PageContext& ctx);

 private:
  HttpResponse index(const PageContext& ctx);
  HttpResponse form_page(const HttpRequest& req, const PageContext& ctx, const std::string& type,
                         const std::string& reply_to);
  HttpResponse submit(const HttpRequest& req, const PageContext& ctx, const std::string& type,
                      const std::string& reply_to);
  HttpResponse delete_draft(const HttpRequest& req, const PageContext& ctx, const std::string& id);

  ComposeAccess a_;
};

}  // namespace relais::desk
