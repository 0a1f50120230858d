// The commission's indicators page in the desk: DeskDashboard over a real
// store holding the 60-report fixture, served by a real DeskServer through
// DeskServer::handle() (login, the page, each download, bad dates).
#include <catch2/catch.hpp>

#include "desk/account_store.h"
#include "desk/desk_http.h"
#include "desk/desk_server.h"
#include "desk/password_hasher.h"
#include "report/report_test_util.h"
#include "service/desk_dashboard.h"

using namespace relais;
using namespace relais::test;

namespace {

struct DeskWithDashboard {
  StoredFixture data;
  std::string state = data.dir.path + "/state";
  DeskDashboard dashboard{fixture_config(), togo()};
  std::unique_ptr<desk::DeskServer> desk;
  std::string session;

  explicit DeskWithDashboard(bool with_dashboard = true) {
    auto accounts = desk::AccountStore::open(state);
    REQUIRE(accounts.ok());
    desk::PasswordHasher h(1, 8192);
    desk::Account a;
    a.name = "afi";
    a.role = "viewer";
    a.hash = *h.hash("afi long password");
    REQUIRE((*accounts)->add(a).ok());
    DeskConfig cfg;
    cfg.enabled = true;
    cfg.host = "127.0.0.1";
    cfg.port = 8470;
    cfg.hostnames = {"127.0.0.1"};
    desk::DeskDeps deps;
    deps.state_dir = state;
    deps.open_store = [this]() { return Store::open(state, data.me, {}); };
    deps.pwhash_opslimit = 1;
    deps.pwhash_memlimit = 8192;
    if (with_dashboard)
      deps.dashboard = [this](Store& s, const desk::DashboardQuery& q) {
        return dashboard.render(s, q, noon_ms("2026-06-01"));
      };
    auto d = desk::DeskServer::create(cfg, deps);
    REQUIRE(d.ok());
    desk = std::move(*d);
    HttpResponse page = desk->handle(get("/login"));
    HttpRequest login = get("/login", "relais_pre=" + cookie_value(page, "relais_pre"));
    login.method = "POST";
    login.headers["origin"] = "http://127.0.0.1:8470";
    login.params = {{"csrf", hidden_csrf(page.body)},
                    {"user", "afi"},
                    {"password", "afi long password"}};
    HttpResponse r = desk->handle(login);
    REQUIRE(r.status == 303);
    session = cookie_value(r, "relais_session");
    REQUIRE(session.size() == 43);
  }

  HttpRequest get(const std::string& path, const std::string& cookies = "") const {
    HttpRequest r;
    r.method = "GET";
    const size_t q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) {
      std::string rest = path.substr(q + 1);
      while (!rest.empty()) {
        const std::string kv = rest.substr(0, rest.find('&'));
        r.params[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
        rest = rest.find('&') == std::string::npos ? "" : rest.substr(rest.find('&') + 1);
      }
    }
    r.remote_addr = "127.0.0.1";
    r.headers["host"] = "127.0.0.1:8470";
    if (!cookies.empty()) r.headers["cookie"] = cookies;
    return r;
  }
  HttpResponse signed_in(const std::string& path, const std::string& lang = "fr") const {
    return desk->handle(get(path, "relais_session=" + session + (lang == "en" ? "; relais_lang=en" : "")));
  }
};

}  // namespace

TEST_CASE("The indicators page shows the dashboard with its own stylesheet and the downloads", "[service][dashboard]") {
  DeskWithDashboard d;
  HttpResponse inbox = d.signed_in("/inbox");
  CHECK(inbox.body.find("href=\"/report\"") != std::string::npos);  // the navigation offers it
  HttpResponse r = d.signed_in("/report?from=2026-01-01&to=2026-03-31&by=region");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("<link rel=\"stylesheet\" href=\"/assets/report.css\">") != std::string::npos);
  CHECK(r.body.find("style=") == std::string::npos);  // the CSP forbids inline styles
  CHECK(r.body.find("<style") == std::string::npos);
  CHECK(r.body.find("Indicateurs du PTBA") != std::string::npos);
  size_t charts = 0;
  for (size_t p = r.body.find("<svg"); p != std::string::npos; p = r.body.find("<svg", p + 1)) ++charts;
  CHECK(charts == 5);
  CHECK(r.body.find("47 rapport(s) comptés") != std::string::npos);
  CHECK(r.body.find("href=\"/report?from=2026-01-01&amp;to=2026-03-31&amp;by=region&amp;format=csv\"") !=
        std::string::npos);
  CHECK(d.desk->handle(d.get("/assets/report.css")).status == 200);

  HttpResponse en = d.signed_in("/report?from=2026-01-01&to=2026-03-31", "en");
  CHECK(en.body.find("<html lang=\"en\">") != std::string::npos);
  CHECK(en.body.find("47 report(s) counted") != std::string::npos);
}

TEST_CASE("Each format downloads as a file named for its span", "[service][dashboard]") {
  DeskWithDashboard d;
  HttpResponse csv = d.signed_in("/report?from=2026-01-01&to=2026-03-31&format=csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.content_type == "text/csv; charset=utf-8");
  CHECK(header_of(csv, "Content-Disposition") == "attachment; filename=\"indicateurs-2026-01-01-2026-03-31.csv\"");
  CHECK(csv.body.rfind("\xEF\xBB\xBF", 0) == 0);
  HttpResponse json = d.signed_in("/report?from=2026-01-01&to=2026-03-31&format=json");
  REQUIRE(json.status == 200);
  CHECK(nlohmann::json::parse(json.body)["counted_reports"] == 47);
  HttpResponse html = d.signed_in("/report?from=2026-01-01&to=2026-03-31&format=html", "en");
  REQUIRE(html.status == 200);
  CHECK(header_of(html, "Content-Disposition") == "attachment; filename=\"indicators-2026-01-01-2026-03-31.html\"");
  CHECK(html.body.find("<!DOCTYPE html>") != std::string::npos);
}

TEST_CASE("Bad dates on the indicators page say how to write them", "[service][dashboard]") {
  DeskWithDashboard d;
  HttpResponse inverted = d.signed_in("/report?from=2026-03-31&to=2026-01-01");
  CHECK(inverted.status == 400);
  CHECK(inverted.body.find("écrivez-les comme 2026-01-01") != std::string::npos);
  CHECK(inverted.body.find("<svg") == std::string::npos);
  HttpResponse garbled = d.signed_in("/report?from=hier&to=demain&format=csv");
  CHECK(garbled.status == 400);
  CHECK(header_of(garbled, "Content-Disposition").empty());
  // Without dates: this year up to today, in the desk's clock.
  HttpResponse plain = d.signed_in("/report");
  CHECK(plain.status == 200);
  CHECK(plain.body.find("name=\"from\" required value=\"") != std::string::npos);
}

TEST_CASE("A desk without the indicators has no such page", "[service][dashboard]") {
  DeskWithDashboard d(false);
  CHECK(d.signed_in("/inbox").body.find("href=\"/report\"") == std::string::npos);
  CHECK(d.signed_in("/report").status == 404);
}
