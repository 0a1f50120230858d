#include "desk/desk_server.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <iostream>

#include "desk/catalog.h"
#include "desk/compose_routes.h"
#include "desk/embedded.h"
#include "desk/html.h"
#include "desk/login_throttle.h"
#include "desk/page_frame.h"
#include "desk/pages.h"
#include "desk/referral_actions.h"
#include "util/clock.h"

namespace relais::desk {
namespace {

constexpr const char* kSessionCookie = "relais_session";
constexpr const char* kPreCookie = "relais_pre";
constexpr const char* kLangCookie = "relais_lang";

std::string content_type_of(const std::string& name) {
  auto ends = [&](const char* ext) {
    const std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".woff2")) return "font/woff2";
  return "application/octet-stream";
}

std::string etag_of(std::string_view a, std::string_view b) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  unsigned char h[16];
  crypto_generichash_final(&st, h, sizeof h);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string("\"") + hex + "\"";
}

// A local path to return to after a form (never another site).
std::string safe_back(const std::string& back) {
  if (back.empty() || back[0] != '/' || (back.size() > 1 && (back[1] == '/' || back[1] == '\\'))) return "/inbox";
  for (char c : back)
    if (static_cast<unsigned char>(c) < 0x20) return "/inbox";
  return back;
}

// "/message/ID/attachments/N" -> ID and N (from 1); false for another path.
// A path of that shape with an N that is not a number gives n = 0.
bool split_attachment_path(const std::string& path, std::string* id, size_t* n) {
  const std::string prefix = "/message/", mark = "/attachments/";
  if (path.rfind(prefix, 0) != 0) return false;
  const size_t at = path.find(mark, prefix.size());
  if (at == std::string::npos || at == prefix.size()) return false;
  *id = path.substr(prefix.size(), at - prefix.size());
  if (id->find('/') != std::string::npos) return false;
  const std::string num = path.substr(at + mark.size());
  *n = 0;
  if (num.empty() || num.size() > 4 || num[0] == '0') return true;
  for (char c : num)
    if (c < '0' || c > '9') return true;
  *n = static_cast<size_t>(std::stoul(num));
  return true;
}

// Content-Disposition of a download: an ASCII fallback name (letters,
// digits and a few plain signs; any other character as '_') and the exact UTF-8 name percent-encoded (RFC 6266, RFC 8187).
std::string download_disposition(const std::string& name) {
  static const char* kAttrChars = "!#$&+-.^_`|~";
  static const char* kPlain = " ()+,-.=@[]_~";
  std::string ascii, encoded;
  for (unsigned char c : name) {
    if (c >= 0x80 && c < 0xC0) {  // a continuation byte: its character is already a '_'
    } else if (std::isalnum(c) || (c != 0 && std::strchr(kPlain, c) != nullptr)) {
      ascii += static_cast<char>(c);
    } else {
      ascii += '_';
    }
    if (std::isalnum(c) || (c != 0 && std::strchr(kAttrChars, c) != nullptr)) {
      encoded += static_cast<char>(c);
    } else {
      static const char* kHex = "0123456789ABCDEF";
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  if (ascii.empty()) ascii = "attachment";
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

bool has_header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return true;
  return false;
}

HttpResponse redirect(const std::string& to) {
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", to);
  r.body = "";
  return r;
}

}  // namespace

struct DeskServer::Impl {
  DeskConfig config;
  DeskDeps deps;
  SessionTable sessions;
  PasswordHasher hasher;
  std::string dummy_hash;  // verified against for unknown names, so timing does not tell them apart
  std::unique_ptr<HttpServer> http;

  std::mutex store_mu;
  std::unique_ptr<Store> store;
  std::mutex accounts_mu;
  std::unique_ptr<AccountStore> accounts;
  std::unique_ptr<ComposeRoutes> compose;  // writing: desk/compose_routes.h

  Impl(DeskConfig c, DeskDeps d)
      : config(std::move(c)),
        deps(std::move(d)),
        sessions(config.session_idle_ms),
        hasher(deps.pwhash_opslimit, deps.pwhash_memlimit) {}

  int64_t now() const { return deps.now_ms ? deps.now_ms() : now_ms(); }
  int port() const { return http ? http->port() : config.port; }

  std::string cookie_attrs() const {
    return std::string("; Path=/; HttpOnly; SameSite=Strict") + (config.tls() ? "; Secure" : "");
  }

  // A response that sets its own Content-Security-Policy (a download's
  // "sandbox") or Cache-Control keeps it.
  void secure(HttpResponse& r, bool page) const {
    if (!has_header(r, "Content-Security-Policy"))
      r.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
                             "object-src 'none'");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    if (page && !has_header(r, "Cache-Control")) r.headers.emplace_back("Cache-Control", "no-store");
  }

  // The Origin of a POST must be the desk's own. Under Referrer-Policy:
  // no-referrer, browsers send "Origin: null" for a page's own form posts
  // (Fetch: an origin is serialized as null under that policy), so "null"
  // counts only with Sec-Fetch-Site: same-origin, a header pages cannot set.
  bool origin_allowed(const HttpRequest& req) const {
    const std::string origin = req.header("origin");
    if (origin == "null") return req.header("sec-fetch-site") == "same-origin";
    if (origin.empty()) return false;
    DeskConfig c = config;
    c.port = port();
    for (const auto& o : c.origins())
      if (o == origin) return true;
    return false;
  }

  const Catalog& catalog_for(const HttpRequest& req, const std::optional<Session>& s) const {
    (void)s;
    return Catalog::builtin(req.cookie(kLangCookie) == "en" ? "en" : "fr");
  }

  HttpResponse page(const PageContext& ctx, const std::string& title, const std::string& main_html,
                    int status = 200, const PageOptions& options = {}) {
    HttpResponse r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = render_page(ctx, title, main_html, options);
    return r;
  }

  HttpResponse error_page(const PageContext& ctx, int status, const std::string& key) {
    return page(ctx, ctx.t->text("error.title"), error_main(*ctx.t, key), status);
  }

  // A list page with ETag/304.
  HttpResponse list_page(const HttpRequest& req, const PageContext& ctx, const std::string& title,
                         const std::string& main_html) {
    const std::string etag = etag_of(main_html, ctx.t->lang() + "\n" + (ctx.session ? ctx.session->user : ""));
    if (req.header("if-none-match") == etag) {
      HttpResponse r;
      r.status = 304;
      r.headers.emplace_back("ETag", etag);
      return r;
    }
    PageOptions o;
    o.refresh = true;
    o.etag = etag;
    HttpResponse r = page(ctx, title, main_html, 200, o);
    r.headers.emplace_back("ETag", etag);
    return r;
  }

  void journal(const std::string& user, const std::string& action, const std::string& object,
               const std::string& address) {
    std::lock_guard lock(accounts_mu);
    JournalEntry e;
    e.ts_ms = now();
    e.user = user;
    e.action = action;
    e.object = object;
    e.address = address;
    if (Status s = accounts->journal(e); !s.ok())
      std::cerr << "relais-agent: desk: cannot write the access journal: " << s.message() << "\n";
  }

  Store* store_locked() {
    if (!store) {
      auto s = deps.open_store();
      if (!s.ok()) {
        std::cerr << "relais-agent: desk: cannot open the store: " << s.status().message() << "\n";
        return nullptr;
      }
      store = std::move(*s);
    }
    return store.get();
  }

  bool account_still_valid(const Session& s) {
    std::lock_guard lock(accounts_mu);
    auto a = accounts->find(s.user);
    return a.ok() && a->has_value() && (*a)->role == s.role && (*a)->password_changed_ms <= s.created_ms;
  }

  HttpResponse handle(const HttpRequest& req);
  HttpResponse login(const HttpRequest& req, PageContext& ctx);
  HttpResponse inbox(const HttpRequest& req, PageContext& ctx);
  HttpResponse outbox(const HttpRequest& req, PageContext& ctx);
  HttpResponse message(const HttpRequest& req, PageContext& ctx, const std::string& id);
  HttpResponse case_page(const HttpRequest& req, PageContext& ctx, const std::string& ref);
  HttpResponse journal_page(const HttpRequest& req, PageContext& ctx);
  HttpResponse mark_status(const HttpRequest& req, PageContext& ctx, const std::string& id);
  HttpResponse receipt(const HttpRequest& req, PageContext& ctx, const std::string& id);
  HttpResponse dashboard(const HttpRequest& req, PageContext& ctx);
  HttpResponse attachment(const HttpRequest& req, PageContext& ctx, const std::string& id, size_t n);
  HttpResponse too_large(const HttpRequest& req);
};

// One file of a message (received, else sent), as a download only: served as
// application/octet-stream with Content-Disposition: attachment and a
// sandboxing CSP, whatever it holds, so no file runs script in the desk.
// Anyone who may open the message may download its files.
HttpResponse DeskServer::Impl::attachment(const HttpRequest& req, PageContext& ctx, const std::string& id, size_t n) {
  if (n == 0) return error_page(ctx, 404, "error.attachment_not_found");
  Attachment file;
  {
    std::lock_guard lock(store_mu);
    Store* st = store_locked();
    if (!st) return error_page(ctx, 500, "error.internal");
    auto m = st->message(id);
    if (!m.ok()) return error_page(ctx, 500, "error.internal");
    if (m->has_value()) {
      auto a = st->message_attachment(id, n - 1);
      if (!a.ok()) {
        if (a.status().code() == Code::kNotFound) return error_page(ctx, 404, "error.attachment_not_found");
        return error_page(ctx, 500, "error.internal");
      }
      file = std::move(*a);
    } else {
      auto e = st->outbox_entry(id);
      if (!e.ok()) return error_page(ctx, 500, "error.internal");
      if (!e->has_value()) return error_page(ctx, 404, "error.attachment_not_found");
      auto all = st->outbox_attachments(id);
      if (!all.ok()) return error_page(ctx, 500, "error.internal");
      if (n > all->size()) return error_page(ctx, 404, "error.attachment_not_found");
      file = std::move((*all)[n - 1]);
    }
  }
  journal(ctx.session->user, "download_attachment", id + " #" + std::to_string(n), req.remote_addr);
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.body.assign(file.data.begin(), file.data.end());
  r.headers.emplace_back("Content-Disposition", download_disposition(file.name));
  r.headers.emplace_back("Content-Security-Policy", "sandbox");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// A request over the desk's body limit (HttpLimits::max_body_bytes): a page
// in French, then English (the request was not read, so it has no session
// nor form; only its language cookie).
HttpResponse DeskServer::Impl::too_large(const HttpRequest& req) {
  PageContext ctx;
  ctx.t = &catalog_for(req, std::nullopt);
  ctx.path = req.path;
  const bool form = req.header("content-type").rfind("application/x-www-form-urlencoded", 0) == 0;
  const std::string key = form ? "error.too_large_form" : "error.too_large";
  std::string main_html;
  std::string title;
  for (auto lang : kLanguages) {
    const Catalog& t = Catalog::builtin(lang);
    title += (title.empty() ? "" : " / ") + t.text("error.too_large.title");
    main_html += "<section lang=\"" + std::string(lang) + "\"><h1>" + escape(t.text("error.too_large.title")) +
                 "</h1>\n<p class=\"notice error\" role=\"alert\">" + escape(t.text(key)) + "</p></section>\n";
  }
  HttpResponse r = page(ctx, title, main_html, 413);
  secure(r, true);
  return r;
}

// The commission's indicators: the form, the dashboard, and each format as a
// download. Without dates the span is this year up to today.
HttpResponse DeskServer::Impl::dashboard(const HttpRequest& req, PageContext& ctx) {
  DashboardQuery q;
  q.lang = ctx.t->lang();
  q.from = req.param("from");
  q.to = req.param("to");
  const std::string by = req.param("by");
  q.by = by == "prefecture" || by == "month" ? by : "region";
  const std::string format = req.param("format");
  q.format = format == "html" || format == "csv" || format == "json" ? format : "page";
  if (q.from.empty() && q.to.empty()) {
    const std::time_t secs = static_cast<std::time_t>(now() / 1000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    q.to = buf;
    q.from = q.to.substr(0, 4) + "-01-01";
  }
  Result<DashboardOutput> out = Status::Unsupported("no dashboard");
  {
    std::lock_guard lock(store_mu);
    Store* st = store_locked();
    if (!st) return error_page(ctx, 500, "error.internal");
    out = deps.dashboard(*st, q);
  }
  std::string error_key;
  if (!out.ok()) error_key = out.status().code() == Code::kUsage ? "report.form.bad_dates" : "report.form.failed";
  if (q.format != "page") {
    if (!out.ok()) return page(ctx, ctx.t->text("report.title"), dashboard_form_main(*ctx.t, q.from, q.to, q.by, error_key, ""), 400);
    HttpResponse r;
    r.content_type = out->content_type;
    r.body = std::move(out->body);
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + out->file_name + "\"");
    journal(ctx.session->user, "download_report", q.from + ".." + q.to + " " + q.format, req.remote_addr);
    return r;
  }
  PageOptions o;
  o.stylesheet = "report.css";
  return page(ctx, ctx.t->text("report.title"),
              dashboard_form_main(*ctx.t, q.from, q.to, q.by, error_key, out.ok() ? out->body : std::string()),
              out.ok() ? 200 : 400, o);
}

// The broker's signed receipt of a logged outbox entry, as a download (the
// same bytes as `publish --receipt FILE`), for the agency's own records.
HttpResponse DeskServer::Impl::receipt(const HttpRequest& req, PageContext& ctx, const std::string& id) {
  (void)req;
  Bytes bytes;
  {
    std::lock_guard lock(store_mu);
    Store* st = store_locked();
    if (!st) return error_page(ctx, 500, "error.internal");
    auto e = st->outbox_entry(id);
    if (!e.ok()) return error_page(ctx, 500, "error.internal");
    if (!e->has_value() || (*e)->status != "logged" || (*e)->receipt.empty())
      return error_page(ctx, 404, "message.not_found");
    bytes = (*e)->receipt;
  }
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.body.assign(bytes.begin(), bytes.end());
  std::string safe;
  for (char c : id)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') safe += c;
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + safe + ".receipt\"");
  return r;
}

// A caseworker marks a received message handled (answered) or back to read.
HttpResponse DeskServer::Impl::mark_status(const HttpRequest& req, PageContext& ctx, const std::string& id) {
  const std::string status = req.param("status");
  if (status != "answered" && status != "read") return error_page(ctx, 400, "error.not_found");
  {
    std::lock_guard lock(store_mu);
    Store* st = store_locked();
    if (!st) return error_page(ctx, 500, "error.internal");
    auto m = st->message(id);
    if (!m.ok()) return error_page(ctx, 500, "error.internal");
    if (!m->has_value()) return error_page(ctx, 404, "message.not_found");
    if (Status s = st->set_message_status(id, status); !s.ok()) return error_page(ctx, 500, "error.internal");
  }
  journal(ctx.session->user, "mark_" + status, id, req.remote_addr);
  return redirect("/message/" + url_encode(id));
}

HttpResponse DeskServer::Impl::login(const HttpRequest& req, PageContext& ctx) {
  const Catalog& t = *ctx.t;
  const std::string user = req.param("user");
  const std::string password = req.param("password");
  const std::string addr = req.remote_addr;
  std::optional<Account> account;
  ThrottleState th;
  {
    std::lock_guard lock(accounts_mu);
    auto a = accounts->find(user);
    if (!a.ok()) return error_page(ctx, 500, "error.internal");
    account = *a;
    if (account) {
      auto t0 = accounts->throttle(user, addr);
      if (!t0.ok()) return error_page(ctx, 500, "error.internal");
      th = *t0;
    }
  }
  if (int64_t wait = wait_ms(th, now()); wait > 0)
    return page(ctx, t.text("login.title"),
                login_main(t, ctx.csrf, user, "login.locked", true, {{"seconds", std::to_string((wait + 999) / 1000)}}),
                429);
  const bool ok = account ? hasher.verify(account->hash, password) : (hasher.verify(dummy_hash, password), false);
  if (!ok) {
    if (account) {
      th = after_failure(th, now());
      std::lock_guard lock(accounts_mu);
      if (Status s = accounts->set_throttle(user, addr, th); !s.ok()) return error_page(ctx, 500, "error.internal");
    }
    journal(is_valid_account_name(user) ? user : "?", "login_failed", "", addr);
    if (int64_t wait = wait_ms(th, now()); wait > 0)
      return page(ctx, t.text("login.title"),
                  login_main(t, ctx.csrf, user, "login.locked", true,
                             {{"seconds", std::to_string((wait + 999) / 1000)}}),
                  429);
    return page(ctx, t.text("login.title"), login_main(t, ctx.csrf, user, "login.failed", true), 401);
  }
  {
    std::lock_guard lock(accounts_mu);
    (void)accounts->set_throttle(user, addr, ThrottleState{});
    if (hasher.needs_rehash(account->hash)) {
      auto h = hasher.hash(password);
      if (h.ok()) (void)accounts->set_hash(user, *h, now());
    }
  }
  const std::string token = sessions.create(account->name, account->role, t.lang(), now());
  journal(account->name, "login", "", addr);
  HttpResponse r = redirect("/inbox");
  r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + token + cookie_attrs());
  r.headers.emplace_back("Set-Cookie", std::string(kPreCookie) + "=" + cookie_attrs() + "; Max-Age=0");
  return r;
}

HttpResponse DeskServer::Impl::inbox(const HttpRequest& req, PageContext& ctx) {
  InboxQuery q{req.param("type"), req.param("urgency"), req.param("status"), req.param("case")};
  std::vector<InboxRow> rows;
  {
    std::lock_guard lock(store_mu);
    Store* st = store_locked();
    if (!st) return error_page(ctx, 500, "error.internal");
    InboxFilter f;
    f.type = q.type;
    f.status = q.status;
    f.case_ref = q.case_ref;
    f.urgency = q.urgency;  // in the query: the newest 500 of that urgency, not those among the newest 500
    f.limit = 500;
    auto msgs = st->messages(f);
    if (!msgs.ok()) return error_page(ctx, 500, "error.internal");
    const int64_t t = now();
    for (auto& m : *msgs) {
      InboxRow r;
      if (m.type == "referral" && m.status != "answered" && m.status != "expired") {
        const int64_t limit = m.urgency == "immediate" ? deps.overdue_immediate_ms
                              : m.urgency == "urgent"  ? deps.overdue_urgent_ms
                                                       : 0;
        r.overdue = limit > 0 && t - m.received_ms > limit;
      }
      r.message = std::move(m);
      rows.push_back(std::move(r));
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const InboxRow& a, const InboxRow& b) {
    return a.message.received_ms > b.message.received_ms;
  });
  return list_page(req, ctx, ctx.t->text("inbox.title"), inbox_main(*ctx.t, q, rows));
}

HttpResponse DeskServer::Impl::outbox(const HttpRequest& req, PageContext& ctx) {
  std::vector<OutboxEntry> entries;
  {
    std::lock_guard lock(store_mu);
    Store* st = store_locked();
    if (!st) return error_page(ctx, 500, "error.internal");
    auto e = st->outbox();
    if (!e.ok()) return error_page(ctx, 500, "error.internal");
    entries = std::move(*e);
  }
  return list_page(req, ctx, ctx.t->text("outbox.title"), outbox_main(*ctx.t, entries));
}

HttpResponse DeskServer::Impl::message(const HttpRequest& req, PageContext& ctx, const std::string& id) {
  std::string main_html;
  bool sent = false;
  {
    std::lock_guard lock(store_mu);
    Store* st = store_locked();
    if (!st) return error_page(ctx, 500, "error.internal");
    auto m = st->message(id);
    if (!m.ok()) return error_page(ctx, 500, "error.internal");
    if (m->has_value()) {
      auto text = st->open_message(id);
      if (!text.ok()) return error_page(ctx, 500, "error.internal");
      nlohmann::json opened = nlohmann::json::parse(*text, nullptr, false);
      if ((*m)->status == "new") {
        (void)st->set_message_status(id, "read");
        (*m)->status = "read";
      }
      main_html = message_main(*ctx.t, **m, opened, ctx.session->role != "viewer", ctx.csrf);
      const int64_t limit = (*m)->urgency == "immediate" ? deps.overdue_immediate_ms
                            : (*m)->urgency == "urgent"  ? deps.overdue_urgent_ms
                                                         : 0;
      main_html = with_actions(main_html, received_actions_html(*ctx.t, **m, ctx.session->role != "viewer",
                                                                ctx.csrf, now(), limit));
    } else {
      auto e = st->outbox_entry(id);
      if (!e.ok()) return error_page(ctx, 500, "error.internal");
      if (!e->has_value()) return error_page(ctx, 404, "message.not_found");
      auto doc = st->outbox_document(id);
      if (!doc.ok()) return error_page(ctx, 500, "error.internal");
      auto files = st->outbox_attachments(id);
      if (!files.ok()) return error_page(ctx, 500, "error.internal");
      std::vector<AttachmentRow> rows;
      for (const auto& f : *files) rows.push_back({f.name, f.media_type, f.data.size()});
      main_html = with_actions(sent_message_main(*ctx.t, **e, nlohmann::json::parse(*doc, nullptr, false), rows),
                               sent_referral_html(*ctx.t, **e, now()));
      sent = true;
    }
  }
  // A sent message's page refreshes itself (its status changes once the
  // broker logs it); those refreshes are not new openings.
  if (req.header("if-none-match").empty()) journal(ctx.session->user, "open_message", id, req.remote_addr);
  if (sent) return list_page(req, ctx, ctx.t->text("message.title"), main_html);
  return page(ctx, ctx.t->text("message.title"), main_html);
}

HttpResponse DeskServer::Impl::case_page(const HttpRequest& req, PageContext& ctx, const std::string& ref) {
  std::vector<CaseRow> rows;
  {
    std::lock_guard lock(store_mu);
    Store* st = store_locked();
    if (!st) return error_page(ctx, 500, "error.internal");
    auto items = st->case_timeline(ref);
    if (!items.ok()) return error_page(ctx, 500, "error.internal");
    for (const auto& it : *items) {
      CaseRow r;
      r.sent = it.sent;
      r.id = it.id;
      r.time_ms = it.time_ms;
      if (it.sent) {
        auto e = st->outbox_entry(it.id);
        if (!e.ok() || !e->has_value()) continue;
        r.type = (*e)->type;
        r.topic = (*e)->topic;
        r.party = (*e)->topic;
        r.status = (*e)->status;
      } else {
        auto m = st->message(it.id);
        if (!m.ok() || !m->has_value()) continue;
        r.type = (*m)->type;
        r.topic = (*m)->topic;
        r.party = (*m)->sender;
        r.status = (*m)->status;
        if (r.type == "referral-response" && r.status != "expired") {
          auto text = st->open_message(it.id);
          const nlohmann::json opened = text.ok() ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
          if (opened.is_object() && opened.contains("body") && opened["body"].is_object() &&
              opened["body"].contains("status") && opened["body"]["status"].is_string())
            r.answer = opened["body"]["status"].get<std::string>();
        }
      }
      rows.push_back(std::move(r));
    }
  }
  journal(ctx.session->user, "open_case", ref, req.remote_addr);
  return page(ctx, ctx.t->format("case.title", {{"ref", ref}}), case_main(*ctx.t, ref, rows));
}

HttpResponse DeskServer::Impl::journal_page(const HttpRequest& req, PageContext& ctx) {
  std::vector<JournalEntry> entries;
  {
    std::lock_guard lock(accounts_mu);
    auto e = accounts->journal_entries(500);
    if (!e.ok()) return error_page(ctx, 500, "error.internal");
    entries = std::move(*e);
  }
  (void)req;
  return page(ctx, ctx.t->text("journal.title"), journal_main(*ctx.t, entries));
}

HttpResponse DeskServer::Impl::handle(const HttpRequest& req) {
  const bool is_post = req.method == "POST";
  // Assets: public, from the binary.
  if (!is_post && req.path.rfind("/assets/", 0) == 0) {
    const std::string name = req.path.substr(8);
    std::string_view bytes = name.find('/') == std::string::npos ? embedded_asset(name) : std::string_view();
    HttpResponse r;
    if (bytes.empty()) {
      r.status = 404;
      r.body = "not found\n";
    } else {
      const std::string etag = etag_of(bytes, name);
      r.headers.emplace_back("ETag", etag);
      r.headers.emplace_back("Cache-Control", "no-cache");
      if (req.header("if-none-match") == etag) {
        r.status = 304;
      } else {
        r.content_type = content_type_of(name);
        r.body.assign(bytes.data(), bytes.size());
      }
    }
    secure(r, false);
    return r;
  }

  const std::string token = req.cookie(kSessionCookie);
  std::optional<Session> session = sessions.touch(token, now());
  if (session && !account_still_valid(*session)) {
    // Removed, its role changed, or its password changed since this login:
    // the session ends at once, even though another process made the change.
    sessions.end(token);
    session.reset();
  }
  PageContext ctx;
  ctx.t = &catalog_for(req, session);
  ctx.session = session;
  ctx.path = req.path;
  ctx.dashboard = static_cast<bool>(deps.dashboard);
  std::string pre = req.cookie(kPreCookie);
  bool new_pre = false;
  if (session) {
    ctx.csrf = session->csrf;
  } else {
    if (pre.size() != 43) {
      pre = random_token();
      new_pre = true;
    }
    ctx.csrf = pre;
  }

  HttpResponse r = [&]() -> HttpResponse {
    if (is_post) {
      if (!origin_allowed(req)) return error_page(ctx, 403, "error.origin");
      if (new_pre || !tokens_equal(req.param("csrf"), ctx.csrf)) return error_page(ctx, 403, "error.csrf");
      if (req.path == "/lang") {
        const std::string to = req.param("to") == "en" ? "en" : "fr";
        HttpResponse out = redirect(safe_back(req.param("back")));
        out.headers.emplace_back("Set-Cookie", std::string(kLangCookie) + "=" + to + cookie_attrs() +
                                                   "; Max-Age=31536000");
        return out;
      }
      if (req.path == "/login") {
        if (session) return redirect("/inbox");
        return login(req, ctx);
      }
      if (req.path == "/logout") {
        if (session) {
          sessions.end(token);
          journal(session->user, "logout", "", req.remote_addr);
        }
        HttpResponse out = redirect("/login?out=1");
        out.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + cookie_attrs() + "; Max-Age=0");
        return out;
      }
      if (!session) return redirect("/login?expired=1");
      if (auto composed = compose->handle(req, ctx)) return std::move(*composed);
      if (req.path.rfind("/message/", 0) == 0 && req.path.size() > 16 &&
          req.path.compare(req.path.size() - 7, 7, "/status") == 0) {
        if (session->role == "viewer") return error_page(ctx, 403, "error.forbidden");
        return mark_status(req, ctx, req.path.substr(9, req.path.size() - 16));
      }
      return error_page(ctx, 404, "error.not_found");
    }
    if (req.path == "/login") {
      if (session) return redirect("/inbox");
      std::string notice = req.param("out") == "1"       ? "login.logged_out"
                           : req.param("expired") == "1" ? "login.expired"
                                                         : "";
      return page(ctx, ctx.t->text("login.title"), login_main(*ctx.t, ctx.csrf, "", notice, false));
    }
    if (!session) return redirect(token.empty() ? "/login" : "/login?expired=1");
    if (auto composed = compose->handle(req, ctx)) return std::move(*composed);
    if (req.path == "/" || req.path == "/inbox") return inbox(req, ctx);
    if (req.path == "/outbox") return outbox(req, ctx);
    if (req.path == "/report" && deps.dashboard) return dashboard(req, ctx);
    if (req.path == "/journal") {
      if (session->role != "admin") return error_page(ctx, 403, "error.forbidden");
      return journal_page(req, ctx);
    }
    if (req.path.rfind("/receipt/", 0) == 0 && req.path.size() > 9) return receipt(req, ctx, req.path.substr(9));
    {
      std::string id;
      size_t n = 0;
      if (split_attachment_path(req.path, &id, &n)) return attachment(req, ctx, id, n);
    }
    if (req.path.rfind("/message/", 0) == 0 && req.path.size() > 9) return message(req, ctx, req.path.substr(9));
    if (req.path.rfind("/case/", 0) == 0 && req.path.size() > 6) return case_page(req, ctx, req.path.substr(6));
    return error_page(ctx, 404, "error.not_found");
  }();
  if (new_pre)
    r.headers.emplace_back("Set-Cookie", std::string(kPreCookie) + "=" + pre + cookie_attrs() + "; Max-Age=7200");
  secure(r, true);
  return r;
}

DeskServer::DeskServer(DeskConfig config, DeskDeps deps)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(deps))) {}

DeskServer::~DeskServer() { stop(); }

Result<std::unique_ptr<DeskServer>> DeskServer::create(DeskConfig config, DeskDeps deps) {
  if (!config.enabled) return Status::Config("the desk is off: add a [desk] section with listen = \"127.0.0.1:8470\"");
  std::unique_ptr<DeskServer> d(new DeskServer(std::move(config), std::move(deps)));
  auto accounts = AccountStore::open(d->impl_->deps.state_dir);
  if (!accounts.ok()) return accounts.status();
  d->impl_->accounts = std::move(*accounts);
  auto dummy = d->impl_->hasher.hash("relais-no-such-user-password");
  if (!dummy.ok()) return dummy.status();
  d->impl_->dummy_hash = *dummy;
  Impl* impl = d->impl_.get();
  ComposeAccess access;
  access.now = [impl] { return impl->now(); };
  access.store_mu = &impl->store_mu;
  access.store_locked = [impl] { return impl->store_locked(); };
  access.page = [impl](const PageContext& ctx, const std::string& title, const std::string& main_html, int status,
                       const PageOptions& options) { return impl->page(ctx, title, main_html, status, options); };
  access.error_page = [impl](const PageContext& ctx, int status, const std::string& key) {
    return impl->error_page(ctx, status, key);
  };
  access.journal = [impl](const std::string& user, const std::string& action, const std::string& object,
                          const std::string& address) { impl->journal(user, action, object, address); };
  access.directory = impl->deps.directory;
  access.send = impl->deps.send;
  impl->compose = std::make_unique<ComposeRoutes>(std::move(access));
  return d;
}

Status DeskServer::start() {
  Impl& i = *impl_;
  HostPort hp{i.config.host, i.config.port};
  HttpLimits lim;
  // A compose form with its attachments: the envelope's max_body (16 MiB)
  // and room for the form's own fields. Urlencoded forms stay bounded by
  // cpp-httplib (8 KiB); larger bodies get too_large()'s page.
  lim.max_body_bytes = 17u << 20;
  lim.threads = 4;
  lim.queue = 32;
  std::optional<HttpTls> tls;
  if (i.config.tls()) tls = HttpTls{i.config.tls_cert, i.config.tls_key};
  i.http = std::make_unique<HttpServer>(hp, lim, tls);
  i.http->set_hostnames(i.config.hostnames);
  i.http->handle_all([this](const HttpRequest& req) { return impl_->handle(req); });
  i.http->set_too_large([this](const HttpRequest& req) { return impl_->too_large(req); });
  Status s = i.http->start();
  if (!s.ok()) i.http.reset();
  return s;
}

void DeskServer::stop() {
  if (impl_ && impl_->http) {
    impl_->http->stop();
    impl_->http.reset();
  }
}

int DeskServer::port() const { return impl_->port(); }

HttpResponse DeskServer::handle(const HttpRequest& req) { return impl_->handle(req); }

}  // namespace relais::desk
