// relais-bench desk: the desk's inbox page over a store of 100,000 received
// messages. Fills police.kozah's real store (bench/store_fill.h: alerts from
// ngo.refuge on alert.<kind>.kara.kozah and referrals to its mailbox, sealed,
// opened and stored as the agent service does), starts the real desk
// (desk/desk_server.h, its HTTP server on 127.0.0.1, a free port), logs in
// over HTTP as a caseworker (CSRF token, Origin, cookies, as a browser does),
// then asks for the inbox `requests` times: every other request the first
// page, the others a filter a user would pick (referrals, new, immediate,
// urgent alerts, new referrals, one case). Prints desk.* keys: latency of
// each whole request (client side, body read) p50/p99 over all, and the
// first page's and the filtered pages' own p99.
#include <httplib.h>
#include <sodium.h>

#include <algorithm>
#include <filesystem>

#include "bench_util.h"
#include "commands.h"
#include "desk/account_store.h"
#include "desk/desk_server.h"
#include "desk/password_hasher.h"
#include "fill_documents.h"
#include "store_fill.h"
#include "util/clock.h"

namespace relais::bench {
namespace {

constexpr const char* kDeskRecipient = "police.kozah";
constexpr const char* kDeskSender = "ngo.refuge";
constexpr const char* kDeskUser = "amivi";
constexpr const char* kDeskPassword = "a long desk password for the bench";

FillPlan desk_fill_plan(const std::string& dir, size_t count) {
  FillPlan p;
  p.dir = dir;
  p.recipient = kDeskRecipient;
  p.senders = {kDeskSender};
  p.count = count;
  p.item = [count](size_t i) {
    FillItem it;
    it.sender = kDeskSender;
    it.request.urgency = fill_urgency(i);
    if (i % 5 < 3) {
      it.request.type = "alert";
      it.request.topic = "alert." + fill_alert_kind(i) + ".kara.kozah";
      it.request.json_text = fill_alert_json(i, "kara", "kozah");
    } else {
      it.request.type = "referral";
      it.request.topic = std::string("referral.") + kDeskRecipient;
      it.request.json_text = fill_referral_json(i, kDeskSender, kDeskRecipient);
    }
    // The newest 200 are unread; older ones were read, a third answered.
    it.status = i + 200 >= count ? "new" : (i % 3 == 0 ? "answered" : "read");
    return it;
  };
  return p;
}

std::string desk_cookie(const httplib::Result& r, const std::string& name) {
  for (const auto& [k, v] : r->headers)
    if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
  return {};
}

std::string desk_csrf(const std::string& body) {
  const std::string mark = "name=\"csrf\" value=\"";
  const size_t p = body.find(mark);
  if (p == std::string::npos) return {};
  return body.substr(p + mark.size(), body.find('"', p + mark.size()) - p - mark.size());
}

double desk_quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[k];
}

}  // namespace

int run_desk_inbox(const DeskBenchOptions& o) {
  if (sodium_init() < 0) return 1;
  auto fill = fill_received_store(desk_fill_plan(o.dir, o.messages));
  if (!fill.ok()) {
    std::cerr << "relais-bench desk: " << fill.status().message() << "\n";
    return 1;
  }
  auto ctx = load_agent_context(o.dir + "/agents/" + kDeskRecipient + ".toml");
  if (!ctx.ok()) {
    std::cerr << "relais-bench desk: " << ctx.status().message() << "\n";
    return 1;
  }
  const std::string state = (*ctx)->config.state_dir;
  // A case to filter on: a referral from some weeks back.
  std::string case_ref;
  {
    auto store = open_participant_store(o.dir, kDeskRecipient);
    if (!store.ok()) return 1;
    InboxFilter f;
    f.type = "referral";
    f.limit = 5000;
    auto refs = (*store)->messages(f);
    if (!refs.ok() || refs->empty()) {
      std::cerr << "relais-bench desk: no referral stored\n";
      return 1;
    }
    case_ref = refs->back().case_ref;
  }
  {
    auto accounts = desk::AccountStore::open(state);
    if (!accounts.ok()) {
      std::cerr << "relais-bench desk: " << accounts.status().message() << "\n";
      return 1;
    }
    desk::PasswordHasher hasher;
    auto hash = hasher.hash(kDeskPassword);
    if (!hash.ok()) return 1;
    desk::Account a;
    a.name = kDeskUser;
    a.role = "caseworker";
    a.hash = *hash;
    a.created_ms = now_ms() - 1000;
    a.password_changed_ms = a.created_ms;
    if (Status s = (*accounts)->add(a); !s.ok()) {
      std::cerr << "relais-bench desk: " << s.message() << "\n";
      return 1;
    }
  }
  DeskConfig cfg;
  cfg.enabled = true;
  cfg.listen = "127.0.0.1:0";
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  cfg.hostnames = {"127.0.0.1"};
  desk::DeskDeps deps;
  deps.state_dir = state;
  AgentContext* agent = ctx->get();
  deps.open_store = [agent]() { return Store::open(agent->config.state_dir, agent->identity, {}); };
  auto desk = desk::DeskServer::create(cfg, deps);
  if (!desk.ok()) {
    std::cerr << "relais-bench desk: " << desk.status().message() << "\n";
    return 1;
  }
  if (Status s = (*desk)->start(); !s.ok()) {
    std::cerr << "relais-bench desk: " << s.message() << "\n";
    return 1;
  }
  const int port = (*desk)->port();
  const std::string origin = "http://127.0.0.1:" + std::to_string(port);
  httplib::Client cli("127.0.0.1", port);
  cli.set_keep_alive(true);
  cli.set_read_timeout(30, 0);
  // Log in as a browser does: the login form (its CSRF token and pre-session
  // cookie), then the form posted with the desk's own Origin.
  auto form = cli.Get("/login");
  if (!form || form->status != 200) {
    std::cerr << "relais-bench desk: GET /login failed\n";
    return 1;
  }
  const std::string pre = desk_cookie(form, "relais_pre");
  httplib::Params params{{"csrf", desk_csrf(form->body)}, {"user", kDeskUser}, {"password", kDeskPassword}};
  auto login = cli.Post("/login", httplib::Headers{{"Cookie", "relais_pre=" + pre}, {"Origin", origin}}, params);
  if (!login || login->status != 303) {
    std::cerr << "relais-bench desk: the login was refused (" << (login ? login->status : 0) << ")\n";
    return 1;
  }
  const std::string session = desk_cookie(login, "relais_session");
  const httplib::Headers with_session{{"Cookie", "relais_session=" + session}};
  const std::vector<std::string> filters = {"/inbox?type=referral",
                                            "/inbox?status=new",
                                            "/inbox?urgency=immediate",
                                            "/inbox?type=alert&urgency=urgent",
                                            "/inbox?type=referral&status=new",
                                            "/inbox?case=" + case_ref};
  std::vector<double> all, first, filtered;
  size_t page_bytes = 0, rows_first = 0;
  for (size_t i = 0; i < o.requests + 5; ++i) {
    const bool is_first = i % 2 == 0;
    const std::string path = is_first ? "/inbox" : filters[(i / 2) % filters.size()];
    const int64_t t0 = mono_ns();
    auto r = cli.Get(path, with_session);
    const double ms = static_cast<double>(mono_ns() - t0) / 1e6;
    if (!r || r->status != 200) {
      std::cerr << "relais-bench desk: GET " << path << " answered " << (r ? r->status : 0) << "\n";
      return 1;
    }
    if (i < 5) continue;  // warm-up: the store opened, pages cached by SQLite
    all.push_back(ms);
    (is_first ? first : filtered).push_back(ms);
    if (is_first) {
      page_bytes = r->body.size();
      rows_first = 0;
      for (size_t p = r->body.find("<tr class="); p != std::string::npos; p = r->body.find("<tr class=", p + 1))
        ++rows_first;
    }
  }
  (*desk)->stop();
  std::error_code ec;
  const auto db_bytes = std::filesystem::file_size(state + "/store.db", ec);
  emit("desk.messages", std::to_string(fill->stored));
  emit("desk.fill_seconds", fill->seconds, 1);
  emit("desk.store_mib", static_cast<double>(ec ? 0 : db_bytes) / 1048576.0, 1);
  emit("desk.requests", std::to_string(all.size()));
  emit("desk.inbox_p50_ms", desk_quantile(all, 0.50), 2);
  emit("desk.inbox_p99_ms", desk_quantile(all, 0.99), 2);
  emit("desk.inbox_max_ms", desk_quantile(all, 1.0), 2);
  emit("desk.inbox_first_p50_ms", desk_quantile(first, 0.50), 2);
  emit("desk.inbox_first_p99_ms", desk_quantile(first, 0.99), 2);
  emit("desk.inbox_filtered_p99_ms", desk_quantile(filtered, 0.99), 2);
  emit("desk.inbox_rows", std::to_string(rows_first));
  emit("desk.inbox_page_kib", static_cast<double>(page_bytes) / 1024.0, 1);
  return 0;
}

}  // namespace relais::bench
