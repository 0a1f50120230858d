// ComposeDesk: a DeskServer over a real store in a temporary state folder,
// with a caseworker (amivi) and a viewer (kossi), driven in-process through
// DeskServer::handle(); what the desk asks the service to queue is kept in
// `asked` and answered by the test's `send`. Shared by the compose and
// attachment tests, with the directory and the alert form they fill.
#pragma once

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "desk/account_store.h"
#include "desk/compose_form.h"
#include "desk/desk_http.h"
#include "desk/desk_server.h"
#include "desk/password_hasher.h"
#include "store/store.h"
#include "temp_dir.h"

namespace relais::test {

// ngo.espoir in maritime/golfe, writing to social.golfe and the commission.
inline desk::ComposeDirectory compose_directory() {
  desk::ComposeDirectory d;
  d.self = "ngo.espoir";
  d.region = "maritime";
  d.prefecture = "golfe";
  auto l = Locations::parse(Locations::builtin_csv(), "built-in");
  REQUIRE(l.ok());
  d.locations = std::move(*l);
  d.participants = {"social.golfe", "commission"};
  return d;
}

// A valid alert, as the form's fields (JSON pointers) would carry it.
inline desk::FormValues alert_form_values() {
  return {{"/kind", "missing_child"},         {"/observed_at", "2026-11-29T10:30"},
          {"/location/region", "maritime"},  {"/location/prefecture", "golfe"},
          {"/location/detail", "marché"},    {"/description", "Un enfant seul au marché."},
          {"/subject_count", "1"},           {"/age_band", "9-17"},
          {"/minor_involved", "yes"},        {"/reliability", "B"},
          {"/accuracy", "2"},                {"/suspected_exploitation/child_labour", "1"}};
}

struct ComposeDesk {
  using Send = std::function<Result<OutboxEntry>(ComposeDesk&, Store&, const desk::ComposeRequest&)>;

  TempDir dir;
  std::string state;
  Identity id;
  int64_t clock = 1796047500000;  // 2026-11-30
  std::unique_ptr<desk::DeskServer> desk;
  std::vector<desk::ComposeRequest> asked;  // what the desk asked the service to queue
  std::shared_ptr<const desk::ComposeDirectory> dir_snapshot;
  // Headers a POST carries besides the cookie (a browser's same-origin form).
  std::map<std::string, std::string> post_headers{{"origin", "http://127.0.0.1:8470"}};

  ComposeDesk(const char* prefix, Send send) : dir(prefix) {
    state = dir.path + "/state";
    REQUIRE(::mkdir(state.c_str(), 0700) == 0);
    auto g = generate_identity("social.golfe", Role::kSocial, "maritime", "golfe");
    REQUIRE(g.ok());
    id = std::move(*g);
    auto accounts = desk::AccountStore::open(state);
    REQUIRE(accounts.ok());
    desk::PasswordHasher h(1, 8192);
    for (auto [name, role] : {std::pair{"amivi", "caseworker"}, {"kossi", "viewer"}}) {
      desk::Account a;
      a.name = name;
      a.role = role;
      a.hash = *h.hash(std::string(name) + " long password");
      a.created_ms = clock - 1000;
      a.password_changed_ms = clock - 1000;
      REQUIRE((*accounts)->add(a).ok());
    }
    dir_snapshot = std::make_shared<const desk::ComposeDirectory>(compose_directory());
    DeskConfig cfg;
    cfg.enabled = true;
    cfg.host = "127.0.0.1";
    cfg.port = 8470;
    cfg.hostnames = {"127.0.0.1"};
    desk::DeskDeps deps;
    deps.state_dir = state;
    deps.open_store = [this]() { return Store::open(state, id, {}); };
    deps.now_ms = [this] { return clock; };
    deps.pwhash_opslimit = 1;
    deps.pwhash_memlimit = 8192;
    deps.directory = [this] { return dir_snapshot; };
    deps.send = [this, send = std::move(send)](Store& st, const desk::ComposeRequest& r) -> Result<OutboxEntry> {
      asked.push_back(r);
      return send(*this, st, r);
    };
    auto d = desk::DeskServer::create(cfg, deps);
    REQUIRE(d.ok());
    desk = std::move(*d);
  }

  HttpRequest get(const std::string& path, const std::string& session) {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.remote_addr = "127.0.0.1";
    r.headers["host"] = "127.0.0.1:8470";
    if (!session.empty()) r.headers["cookie"] = "relais_session=" + session;
    return r;
  }
  HttpRequest post(const std::string& path, std::map<std::string, std::string> params, const std::string& session) {
    HttpRequest r = get(path, session);
    r.method = "POST";
    r.params = std::move(params);
    for (const auto& [k, v] : post_headers) r.headers[k] = v;
    return r;
  }
  // Signs `user` in (password "<user> long password"): its session cookie
  // and the inbox page's form token.
  std::pair<std::string, std::string> login(const std::string& user) {
    HttpResponse page = desk->handle(get("/login", ""));
    const std::string pre = cookie_value(page, "relais_pre");
    HttpRequest r = post("/login", {{"csrf", hidden_csrf(page.body)}, {"user", user}, {"password", user + " long password"}}, "");
    r.headers["cookie"] = "relais_pre=" + pre;
    HttpResponse out = desk->handle(r);
    REQUIRE(out.status == 303);
    const std::string session = cookie_value(out, "relais_session");
    HttpResponse inbox = desk->handle(get("/inbox", session));
    REQUIRE(inbox.status == 200);
    return {session, hidden_csrf(inbox.body)};
  }
};

}  // namespace relais::test
