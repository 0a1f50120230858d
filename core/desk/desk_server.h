// DeskServer: the desk, the agency's web interface, served by the agent
// service from its local store on [desk] listen (config/desk_config.h).
//
// Every request goes through handle(), in this order:
//   1. the HTTP server's Host check (421 for a name not in [desk]
//      hostnames);
//   2. assets (/assets/...) are served from the binary, to anyone;
//   3. a POST must carry an Origin that is one of the desk's own, or "null"
//      (what browsers send under Referrer-Policy: no-referrer) with
//      Sec-Fetch-Site: same-origin (403 otherwise), and a CSRF token: the session's own, or before login the
//      one bound to the relais_pre cookie (403 otherwise);
//   4. a page needs a session (a redirect to /login otherwise) whose account
//      still exists with the same role and password (`user remove`, `user
//      passwd` and a role change end its sessions at their next request), and the role
//      its action needs (viewer reads; caseworker writes; admin reads the
//      journal and manages accounts): 403 otherwise.
// Every response carries Content-Security-Policy default-src 'self' with
// frame-ancestors 'none', X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer, and Cache-Control: no-store for pages (the
// PCs are shared); a message's file (GET /message/ID/attachments/N, N from
// 1, for anyone who may open the message) is a download only, with
// Content-Security-Policy: sandbox instead, whatever it holds. Request bodies
// are bounded at 17 MiB (a compose form with 16 MiB of files); a larger one
// is answered 413 with a page in French then English. Cookies are HttpOnly, SameSite=Strict, and Secure under
// TLS. List pages answer If-None-Match with 304 when unchanged.
//
// Logins: a wrong password counts against (account, client address) with
// the lockout of desk/login_throttle.h; the access journal records logins,
// logouts, every message or case opened and every file downloaded.
//
// Thread-safety: handle() runs on the HTTP server's worker threads; the
// store and the account store are each used under their own mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "config/desk_config.h"
#include "desk/account_store.h"
#include "desk/compose_form.h"
#include "desk/password_hasher.h"
#include "desk/session_table.h"
#include "http/server.h"
#include "store/store.h"
#include "util/status.h"

namespace relais::desk {

// The indicators page: what the desk asks for (from the page's form) and
// what it gets back. `format` is "page" (the page's <main>, escaped HTML with
// no inline style, using report.css), or "html", "csv", "json" (a download).
struct DashboardQuery {
  std::string from, to;      // YYYY-MM-DD, inclusive
  std::string by = "region"; // region | prefecture | month
  std::string lang = "fr";   // fr | en
  std::string format = "page";
};
struct DashboardOutput {
  std::string content_type, file_name, body;
};

struct DeskDeps {
  std::string state_dir;
  // Opens the agency's store (the service gives its identity).
  std::function<Result<std::unique_ptr<Store>>()> open_store;
  // Deadlines after which a received immediate/urgent referral not yet
  // answered shows as overdue.
  int64_t overdue_immediate_ms = 4LL * 3600000;
  int64_t overdue_urgent_ms = 24LL * 3600000;
  // The clock (ms since the epoch); default: the system's.
  std::function<int64_t()> now_ms;
  // The indicators (/report and its downloads), or empty: no such page.
  // Called on an HTTP thread, under the desk's store lock, with the desk's
  // store. Status::Usage for a query it cannot answer (the page says so).
  std::function<Result<DashboardOutput>(Store&, const DashboardQuery&)> dashboard;
  // Argon2id costs (tests lower them).
  unsigned long long pwhash_opslimit = 3;
  size_t pwhash_memlimit = 64u << 20;
  // Writing (desk/compose_routes.h): the bundle's directory in force (the
  // forms' regions, prefectures and participants), or nullptr (no compose
  // pages); and the sending: the checks of `relais-agent send` or `reply`,
  // then the outbox (service/desk_actions.h), called on an HTTP thread with
  // the desk's store, under its lock.
  std::function<std::shared_ptr<const ComposeDirectory>()> directory;
  std::function<Result<OutboxEntry>(Store&, const ComposeRequest&)> send;
};

class DeskServer {
 public:
  static Result<std::unique_ptr<DeskServer>> create(DeskConfig config, DeskDeps deps);
  ~DeskServer();
  DeskServer(const DeskServer&) = delete;
  DeskServer& operator=(const DeskServer&) = delete;

  // Binds [desk] listen and serves on the HTTP server's threads.
  Status start();
  void stop();
  int port() const;

  // One request (what the HTTP server calls; tests call it directly too).
  HttpResponse handle(const HttpRequest& req);

 private:
  DeskServer(DeskConfig config, DeskDeps deps);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relais::desk
