#include "receipts_command.h"

#include <filesystem>
#include <iostream>

#include "agent/receipt_anchor.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais {
namespace {

// Connects once, on first need.
class LazySession {
 public:
  LazySession(AgentContext& ctx, int64_t timeout_ms) : ctx_(ctx), timeout_ms_(timeout_ms) {}
  Result<BrokerClient*> get() {
    if (client_) return client_.get();
    if (!failed_.ok()) return failed_;
    client_ = make_broker_client(ctx_);
    Status s = open_broker_session(ctx_, *client_, monotonic_ms() + timeout_ms_);
    if (!s.ok()) {
      client_.reset();
      failed_ = s;
      return s;
    }
    return client_.get();
  }
  int64_t deadline() const { return monotonic_ms() + timeout_ms_; }

 private:
  AgentContext& ctx_;
  int64_t timeout_ms_;
  std::unique_ptr<BrokerClient> client_;
  Status failed_;
};

}  // namespace

std::unique_ptr<ReceiptsCommand> add_receipts_command(CLI::App& app) {
  auto c = std::make_unique<ReceiptsCommand>();
  c->app = app.add_subcommand("receipts",
                              "export this agent's receipts, anchored in the broker's signed checkpoints, as trusted "
                              "heads for relais-audit verify --trusted-head");
  c->app->add_option("--export", c->options.export_file, "the file to write (relais-witness/1)")->required();
  c->app->add_option("--receipt", c->options.receipt_files,
                     "a receipt file saved by publish --receipt (its anchor goes in FILE.anchor); repeatable");
  c->app->add_flag("--no-fetch", c->options.no_fetch, "export only the anchors already held; do not ask the broker");
  c->app->add_option("--timeout", c->options.timeout_s, "seconds to wait for the broker (default 10)")
      ->check(CLI::PositiveNumber);
  return c;
}

std::optional<int> run_receipts_command(const ReceiptsCommand& command, AgentContext& ctx) {
  if (!command.app->parsed()) return std::nullopt;
  return run_receipts(ctx, command.options, std::cout, std::cerr);
}

int run_receipts(AgentContext& ctx, const ReceiptsOptions& options, std::ostream& out, std::ostream& err) {
  const PublicCard* broker = ctx.bundle.broker();
  if (broker == nullptr) {
    err << "relais-agent: receipts: the bundle has no broker card\n";
    return 2;
  }
  LazySession session(ctx, static_cast<int64_t>(options.timeout_s * 1000));
  std::string lines;
  size_t exported = 0, pending = 0, failed = 0;
  // The anchor of one receipt: held, else fetched (and then kept by `keep`).
  auto anchor_of = [&](const std::string& what, const Bytes& receipt, const Bytes& held,
                       const std::function<Status(const Bytes&)>& keep) {
    Bytes anchor = held;
    if (anchor.empty()) {
      if (options.no_fetch) {
        ++pending;
        return;
      }
      auto client = session.get();
      if (!client.ok()) {
        err << "relais-agent: receipts: " << what << ": " << client.status().message() << "\n";
        ++failed;
        return;
      }
      auto got = anchor_receipt(**client, broker->sign_pk, receipt, session.deadline());
      if (!got.ok()) {
        if (got.status().code() == Code::kNotFound) {
          ++pending;
        } else {
          err << "relais-agent: receipts: " << what << ": " << got.status().message() << "\n";
          ++failed;
        }
        return;
      }
      anchor = std::move(*got);
      if (Status s = keep(anchor); !s.ok())
        err << "relais-agent: receipts: " << what << ": the anchor could not be kept: " << s.message() << "\n";
    }
    auto head = read_anchor(anchor, receipt, broker->sign_pk);
    if (!head.ok()) {
      err << "relais-agent: receipts: " << what << ": " << head.status().message() << "\n";
      ++failed;
      return;
    }
    lines += head->to_json().dump() + "\n";
    ++exported;
  };

  std::error_code ec;
  if (std::filesystem::exists(ctx.config.state_dir + "/store.db", ec)) {
    std::vector<const Identity*> retired;
    for (const Identity& id : ctx.retired) retired.push_back(&id);
    auto store = Store::open(ctx.config.state_dir, ctx.identity, retired);
    if (!store.ok()) {
      err << "relais-agent: receipts: " << store.status().message() << "\n";
      return 1;
    }
    auto entries = (*store)->outbox("logged");
    if (!entries.ok()) {
      err << "relais-agent: receipts: " << entries.status().message() << "\n";
      return 1;
    }
    for (const OutboxEntry& e : *entries) {
      if (e.receipt.empty()) continue;
      anchor_of("outbox entry " + e.id, e.receipt, e.anchor,
                [&](const Bytes& a) { return (*store)->set_anchor(e.id, a); });
    }
  }
  for (const std::string& file : options.receipt_files) {
    auto receipt = read_file(file, 1 << 16);
    if (!receipt.ok()) {
      err << "relais-agent: receipts: " << receipt.status().message() << "\n";
      return 1;
    }
    const std::string anchor_file = file + ".anchor";
    Bytes held;
    if (std::filesystem::exists(anchor_file, ec)) {
      auto a = read_file(anchor_file, 1 << 20);
      if (a.ok()) held = std::move(*a);
    }
    anchor_of(file, *receipt, held, [&](const Bytes& a) { return write_file_durable(anchor_file, a, 0644); });
  }
  if (pending > 0)
    err << "relais-agent: receipts: " << pending
        << " receipt(s) left out: no signed checkpoint covers them yet (or --no-fetch); run this again later\n";
  if (exported == 0) {
    err << "relais-agent: receipts: no anchored receipt to export" << (failed ? " (see above)" : "") << "\n";
    return 1;
  }
  if (Status s = write_file_durable(options.export_file, Bytes(lines.begin(), lines.end()), 0644); !s.ok()) {
    err << "relais-agent: receipts: " << s.message() << "\n";
    return 1;
  }
  out << "exported " << exported << " anchored receipt(s) to " << options.export_file << "\n";
  return failed > 0 ? 1 : 0;
}

}  // namespace relais
