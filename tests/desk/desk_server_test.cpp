// The desk in-process: every request through DeskServer::handle(), over a
// real store and real accounts in a temporary state folder.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "desk/account_store.h"
#include "desk/desk_http.h"
#include "desk/desk_server.h"
#include "desk/password_hasher.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::desk;

namespace {

using test::cookie_value;
using test::cookies_of;
using test::header_of;
using test::hidden_csrf;

struct Fixture {
  test::TempDir dir{"relais-desk"};
  std::string state;
  Identity id;
  int64_t clock = 1796047500000;
  std::unique_ptr<DeskServer> desk;

  Fixture() {
    state = dir.path + "/state";
    REQUIRE(::mkdir(state.c_str(), 0700) == 0);
    auto g = generate_identity("ngo.espoir", Role::kNgo, "maritime", "golfe");
    REQUIRE(g.ok());
    id = std::move(*g);
    {
      auto st = Store::open(state, id, {});
      REQUIRE(st.ok());
    }
    auto accounts = AccountStore::open(state);
    REQUIRE(accounts.ok());
    PasswordHasher h(1, 8192);
    for (auto [name, role] : {std::pair{"amivi", "caseworker"}, {"kossi", "viewer"}, {"admin", "admin"}}) {
      Account a;
      a.name = name;
      a.role = role;
      a.hash = *h.hash(std::string(name) + " long password");
      a.created_ms = clock - 1000;
      a.password_changed_ms = clock - 1000;
      REQUIRE((*accounts)->add(a).ok());
    }
    DeskConfig cfg;
    cfg.enabled = true;
    cfg.host = "127.0.0.1";
    cfg.port = 8470;
    cfg.hostnames = {"127.0.0.1", "localhost"};
    DeskDeps deps;
    deps.state_dir = state;
    deps.open_store = [this]() { return Store::open(state, id, {}); };
    deps.now_ms = [this] { return clock; };
    deps.pwhash_opslimit = 1;
    deps.pwhash_memlimit = 8192;
    auto d = DeskServer::create(cfg, deps);
    REQUIRE(d.ok());
    desk = std::move(*d);
  }

  HttpRequest get(const std::string& path, const std::string& cookies = "") {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.remote_addr = "127.0.0.1";
    r.headers["host"] = "127.0.0.1:8470";
    if (!cookies.empty()) r.headers["cookie"] = cookies;
    return r;
  }
  HttpRequest post(const std::string& path, std::map<std::string, std::string> params, const std::string& cookies,
                   const std::string& origin = "http://127.0.0.1:8470") {
    HttpRequest r = get(path, cookies);
    r.method = "POST";
    r.params = std::move(params);
    if (!origin.empty()) r.headers["origin"] = origin;
    return r;
  }

  // Logs in; returns the session cookie value and the session's CSRF token.
  std::pair<std::string, std::string> login(const std::string& user) {
    HttpResponse page = desk->handle(get("/login"));
    const std::string pre = cookie_value(page, "relais_pre");
    REQUIRE(pre.size() == 43);
    HttpResponse r = desk->handle(post(
        "/login", {{"csrf", hidden_csrf(page.body)}, {"user", user}, {"password", user + " long password"}},
        "relais_pre=" + pre));
    REQUIRE(r.status == 303);
    REQUIRE(header_of(r, "Location") == "/inbox");
    const std::string session = cookie_value(r, "relais_session");
    REQUIRE(session.size() == 43);
    HttpResponse inbox = desk->handle(get("/inbox", "relais_session=" + session));
    REQUIRE(inbox.status == 200);
    return {session, hidden_csrf(inbox.body)};
  }
};

}  // namespace

TEST_CASE("pages need a session and carry the security headers", "[desk][server]") {
  Fixture f;
  HttpResponse r = f.desk->handle(f.get("/inbox"));
  CHECK(r.status == 303);
  CHECK(header_of(r, "Location") == "/login");
  CHECK(header_of(r, "Content-Security-Policy").find("default-src 'self'") != std::string::npos);
  CHECK(header_of(r, "Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
  CHECK(header_of(r, "X-Content-Type-Options") == "nosniff");
  CHECK(header_of(r, "Referrer-Policy") == "no-referrer");
  HttpResponse login = f.desk->handle(f.get("/login"));
  CHECK(login.status == 200);
  CHECK(login.body.find("<html lang=\"fr\">") != std::string::npos);
  CHECK(login.body.find("Mot de passe") != std::string::npos);
  CHECK(header_of(login, "Cache-Control") == "no-store");
  for (const auto& c : cookies_of(login)) {
    CHECK(c.find("HttpOnly") != std::string::npos);
    CHECK(c.find("SameSite=Strict") != std::string::npos);
  }
}

TEST_CASE("a POST without the CSRF token or from another origin gets 403", "[desk][server]") {
  Fixture f;
  HttpResponse page = f.desk->handle(f.get("/login"));
  const std::string pre = cookie_value(page, "relais_pre");
  const std::string csrf = hidden_csrf(page.body);
  REQUIRE_FALSE(csrf.empty());
  auto creds = std::map<std::string, std::string>{{"user", "amivi"}, {"password", "amivi long password"}};
  CHECK(f.desk->handle(f.post("/login", creds, "relais_pre=" + pre)).status == 403);  // no token
  auto with = creds;
  with["csrf"] = csrf;
  CHECK(f.desk->handle(f.post("/login", with, "relais_pre=" + pre, "http://evil.example")).status == 403);
  CHECK(f.desk->handle(f.post("/login", with, "relais_pre=" + pre, "")).status == 403);  // no Origin
  CHECK(f.desk->handle(f.post("/login", with, "")).status == 403);                       // token without its cookie
  // "Origin: null" (a browser under Referrer-Policy: no-referrer) passes only as same-origin.
  HttpRequest null_origin = f.post("/login", with, "relais_pre=" + pre, "null");
  CHECK(f.desk->handle(null_origin).status == 403);
  null_origin.headers["sec-fetch-site"] = "cross-site";
  CHECK(f.desk->handle(null_origin).status == 403);
  null_origin.headers["sec-fetch-site"] = "same-origin";
  CHECK(f.desk->handle(null_origin).status == 303);
  CHECK(f.desk->handle(f.post("/login", with, "relais_pre=" + pre)).status == 303);
  // Logged in: the session's own token, not the login one, protects its forms.
  auto [session, token] = f.login("amivi");
  CHECK(f.desk->handle(f.post("/logout", {{"csrf", csrf}}, "relais_session=" + session)).status == 403);
  HttpResponse out = f.desk->handle(f.post("/logout", {{"csrf", token}}, "relais_session=" + session));
  CHECK(out.status == 303);
  CHECK(f.desk->handle(f.get("/inbox", "relais_session=" + session)).status == 303);  // ended on the server
}

TEST_CASE("repeated wrong passwords lock the account for that address, unlock clears it", "[desk][server]") {
  Fixture f;
  HttpResponse page = f.desk->handle(f.get("/login"));
  const std::string pre = cookie_value(page, "relais_pre");
  std::map<std::string, std::string> bad{{"csrf", hidden_csrf(page.body)}, {"user", "amivi"}, {"password", "wrong one!!"}};
  for (int i = 0; i < 4; ++i) CHECK(f.desk->handle(f.post("/login", bad, "relais_pre=" + pre)).status == 401);
  HttpResponse locked = f.desk->handle(f.post("/login", bad, "relais_pre=" + pre));
  CHECK(locked.status == 429);
  CHECK(locked.body.find("Attendez 2 secondes") != std::string::npos);
  // Even the right password waits while locked.
  auto good = bad;
  good["password"] = "amivi long password";
  CHECK(f.desk->handle(f.post("/login", good, "relais_pre=" + pre)).status == 429);
  f.clock += 2000;
  CHECK(f.desk->handle(f.post("/login", good, "relais_pre=" + pre)).status == 303);
  // Lock again, then unlock by the command's path.
  for (int i = 0; i < 5; ++i) f.desk->handle(f.post("/login", bad, "relais_pre=" + pre));
  CHECK(f.desk->handle(f.post("/login", good, "relais_pre=" + pre)).status == 429);
  auto accounts = AccountStore::open(f.state);
  REQUIRE(accounts.ok());
  CHECK(*(*accounts)->unlock("amivi") == 1);
  CHECK(f.desk->handle(f.post("/login", good, "relais_pre=" + pre)).status == 303);
}

TEST_CASE("roles: a viewer cannot read the journal, and the journal records who opened what", "[desk][server]") {
  Fixture f;
  auto [viewer, vt] = f.login("kossi");
  CHECK(f.desk->handle(f.get("/journal", "relais_session=" + viewer)).status == 403);
  auto [admin, at] = f.login("admin");
  f.desk->handle(f.get("/case/c-0011223344556677", "relais_session=" + viewer));
  HttpResponse j = f.desk->handle(f.get("/journal", "relais_session=" + admin));
  CHECK(j.status == 200);
  CHECK(j.body.find("c-0011223344556677") != std::string::npos);
  CHECK(j.body.find("kossi") != std::string::npos);
  auto accounts = AccountStore::open(f.state);
  REQUIRE(accounts.ok());
  // Append-only: the database itself refuses to change the journal.
  auto entries = (*accounts)->journal_entries(10);
  REQUIRE(entries.ok());
  CHECK(entries->size() >= 3);
}

TEST_CASE("a removed account's session ends at its next request", "[desk][server]") {
  Fixture f;
  auto [session, token] = f.login("amivi");
  auto accounts = AccountStore::open(f.state);
  REQUIRE(accounts.ok());
  REQUIRE((*accounts)->remove("amivi").ok());
  CHECK(f.desk->handle(f.get("/inbox", "relais_session=" + session)).status == 303);
}

TEST_CASE("the inbox lists stored messages, opens them escaped, and answers 304 when unchanged", "[desk][server]") {
  Fixture f;
  {
    auto st = Store::open(f.state, f.id, {});
    REQUIRE(st.ok());
    StoredMessage m;
    m.id = "0193a6a0-0000-7000-8000-000000000001";
    m.seq = 12;
    m.subscription = "@mailbox";
    m.sender = "police.golfe";
    m.topic = "referral.ngo.espoir";
    m.type = "referral";
    m.case_ref = "c-00aa11bb22cc33dd";
    m.urgency = "immediate";
    m.handling = "H2";
    m.ts_ms = f.clock - 5 * 3600000;
    m.expires_ms = f.clock + 86400000;
    m.received_ms = f.clock - 5 * 3600000;
    const std::string opened =
        R"({"id":"0193a6a0-0000-7000-8000-000000000001","from":"police.golfe","handling":"H2",)"
        R"("body":{"description":"<script>alert(1)</script> enfant vu à Lomé","consent":{"given":true}}})";
    REQUIRE(*(*st)->put_message(m, opened));
  }
  auto [session, token] = f.login("amivi");
  HttpResponse inbox = f.desk->handle(f.get("/inbox", "relais_session=" + session));
  REQUIRE(inbox.status == 200);
  CHECK(inbox.body.find("Orientation") != std::string::npos);
  CHECK(inbox.body.find("En retard") != std::string::npos);  // immediate, 5 h without an answer
  const std::string etag = header_of(inbox, "ETag");
  REQUIRE_FALSE(etag.empty());
  HttpRequest again = f.get("/inbox", "relais_session=" + session);
  again.headers["if-none-match"] = etag;
  CHECK(f.desk->handle(again).status == 304);

  HttpResponse msg = f.desk->handle(f.get("/message/0193a6a0-0000-7000-8000-000000000001", "relais_session=" + session));
  REQUIRE(msg.status == 200);
  CHECK(msg.body.find("<script>alert") == std::string::npos);
  CHECK(msg.body.find("&lt;script&gt;alert(1)&lt;/script&gt; enfant vu à Lomé") != std::string::npos);
  CHECK(msg.body.find("ne pas transmettre") != std::string::npos);  // H2 explained
  CHECK(msg.body.find("Consentement") != std::string::npos);          // labelled field
  // Opening it marked it read, so the inbox changed.
  HttpRequest third = f.get("/inbox", "relais_session=" + session);
  third.headers["if-none-match"] = etag;
  CHECK(f.desk->handle(third).status == 200);
  CHECK(f.desk->handle(f.get("/message/nope", "relais_session=" + session)).status == 404);

  // A caseworker marks it handled; a viewer may not.
  const std::string id = "0193a6a0-0000-7000-8000-000000000001";
  CHECK(msg.body.find("mark-done") != std::string::npos);
  auto [viewer, vtoken] = f.login("kossi");
  HttpResponse vmsg = f.desk->handle(f.get("/message/" + id, "relais_session=" + viewer));
  CHECK(vmsg.body.find("mark-done") == std::string::npos);
  CHECK(f.desk->handle(f.post("/message/" + id + "/status", {{"csrf", vtoken}, {"status", "answered"}},
                              "relais_session=" + viewer))
            .status == 403);
  CHECK(f.desk->handle(f.post("/message/" + id + "/status", {{"csrf", token}, {"status", "answered"}},
                              "relais_session=" + session))
            .status == 303);
  auto st = Store::open(f.state, f.id, {});
  REQUIRE(st.ok());
  CHECK((*(*st)->message(id))->status == "answered");
}

TEST_CASE("the outbox lists sent messages and offers a logged one's receipt as a download", "[desk][server]") {
  Fixture f;
  {
    auto st = Store::open(f.state, f.id, {});
    REQUIRE(st.ok());
    OutboxEntry e;
    e.id = "0193a6a0-0000-7000-8000-0000000000aa";
    e.topic = "response.ngo.refuge";
    e.type = "referral-response";
    e.created_ms = f.clock;
    e.expires_ms = f.clock + 86400000;
    REQUIRE((*st)->enqueue(e, R"({"status":"accepted"})").ok());
    REQUIRE((*st)->mark_logged(e.id, 42, Bytes{1, 2, 3}, f.clock).ok());
    OutboxEntry r = e;
    r.id = "0193a6a0-0000-7000-8000-0000000000ab";
    REQUIRE((*st)->enqueue(r, R"({"status":"accepted"})").ok());
    REQUIRE((*st)->mark_refused(r.id, "forbidden: ngo.espoir may not publish on response.ngo.refuge").ok());
  }
  auto [session, token] = f.login("kossi");
  HttpResponse out = f.desk->handle(f.get("/outbox", "relais_session=" + session));
  REQUIRE(out.status == 200);
  CHECK(out.body.find("n° 42") != std::string::npos);
  // A refusal in the catalog's words, never the broker's English reason.
  CHECK(out.body.find("n&#39;a pas le droit de publier") != std::string::npos);
  CHECK(out.body.find("may not publish") == std::string::npos);
  HttpResponse rc = f.desk->handle(f.get("/receipt/0193a6a0-0000-7000-8000-0000000000aa", "relais_session=" + session));
  REQUIRE(rc.status == 200);
  CHECK(rc.body == std::string("\x01\x02\x03"));
  CHECK(header_of(rc, "Content-Disposition").find("attachment") != std::string::npos);
  CHECK(f.desk->handle(f.get("/receipt/0193a6a0-0000-7000-8000-0000000000ab", "relais_session=" + session)).status == 404);
}

TEST_CASE("the language switch sets English and only returns to local paths", "[desk][server]") {
  Fixture f;
  auto [session, token] = f.login("amivi");
  HttpResponse r = f.desk->handle(
      f.post("/lang", {{"csrf", token}, {"to", "en"}, {"back", "//evil.example/x"}}, "relais_session=" + session));
  CHECK(r.status == 303);
  CHECK(header_of(r, "Location") == "/inbox");
  CHECK(cookie_value(r, "relais_lang") == "en");
  HttpResponse en = f.desk->handle(f.get("/inbox", "relais_session=" + session + "; relais_lang=en"));
  CHECK(en.body.find("<html lang=\"en\">") != std::string::npos);
  CHECK(en.body.find("Inbox") != std::string::npos);
}
