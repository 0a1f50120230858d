// relais-audit … verify [--json] [--strict] [--threads N]
// Exit 0 intact, 1 damaged (first fault named), 2 usage/config.
#include <iostream>
#include <optional>
#include <unistd.h>

#include "audit/verify.h"
#include "commands.h"
#include "util/clock.h"
#include "util/json_output.h"

namespace relais::audit {

namespace {

// "\rverify: 42% (N MB of M MB)" on stderr, only on a terminal, only once the
// scan has taken more than half a second, at most five times a second.
class Progress {
 public:
  Progress() : tty_(::isatty(2) == 1), start_(monotonic_ms()) {}
  ~Progress() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }
  void update(uint64_t done, uint64_t total) {
    if (!tty_ || total == 0) return;
    const int64_t now = monotonic_ms();
    if (now - start_ < 500 || now - last_ < 200) return;
    last_ = now;
    shown_ = true;
    std::cerr << "\rverify: " << (done * 100 / total) << "% (" << (done >> 20) << " of " << (total >> 20)
              << " MiB)" << std::flush;
  }

 private:
  bool tty_;
  int64_t start_, last_ = 0;
  bool shown_ = false;
};

}  // namespace

Command add_verify(CLI::App& root, std::shared_ptr<Global> g) {
  struct Options {
    bool json = false, strict = false;
    int threads = 2;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "verify", "Check framing, CRCs, sequence, Merkle roots, checkpoint signatures and every sender signature");
  app->add_flag("--json", o->json, "Print the summary as one JSON document");
  app->add_flag("--strict", o->strict, "Also fail when records after the last signed checkpoint are not yet signed");
  app->add_option("--threads", o->threads, "Signature-checking threads (default 2)")->check(CLI::Range(1, 64));
  return {app, [g, o] {
            if (Status s = require_data(*g, "verify"); !s.ok()) return report(s);
            auto trust = load_trust(*g);
            if (!trust.ok()) return report(trust.status());
            VerifyOptions vo;
            vo.threads = o->threads;
            std::optional<Result<VerifyReport>> result;
            {
              Progress progress;
              vo.progress = [&progress](uint64_t done, uint64_t total) { progress.update(done, total); };
              result.emplace(verify_log(g->data, *trust, vo));
            }
            Result<VerifyReport>& rep = *result;
            if (!rep.ok()) return report(rep.status());
            const bool tail_fails = o->strict && rep->summary.unsigned_tail > 0;
            if (o->json) {
              std::cout << json_text(report_to_json(*rep), 2) << "\n";
            } else {
              std::cout << format_summary(*rep);
            }
            if (rep->fault) {
              std::cerr << "relais-audit: verify: DAMAGED: " << rep->fault->to_string() << "\n";
              return kExitFailed;
            }
            if (tail_fails) {
              std::cerr << "relais-audit: verify: " << rep->summary.unsigned_tail
                        << " records after the last signed checkpoint are not covered by a signature (--strict)\n";
              return kExitFailed;
            }
            return kExitOk;
          }};
}

}  // namespace relais::audit
