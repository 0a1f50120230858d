// relais-audit … verify [--json] [--strict] [--threads N] [--trusted-head FILE]... [--accept-restore E]...
//                       [--from-witness STATE]
// Exit 0 intact, 1 damaged (first fault named) or restored (a restore not
// accepted with --accept-restore), 2 usage/config (including a
// trusted head that is not this broker's). The verdict printed and the exit
// code always agree: --strict makes records after the last signed
// checkpoint a fault ("unsigned records"), printed as DAMAGED.
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
    std::vector<std::string> trusted_heads;
    std::vector<uint64_t> accepted_restores;
    std::string from_witness;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "verify", "Check framing, CRCs, sequence, Merkle roots, checkpoint signatures and every sender signature");
  app->add_flag("--json", o->json, "Print the summary as one JSON document");
  app->add_flag("--strict", o->strict, "Also fail when records after the last signed checkpoint are not yet signed");
  app->add_option("--threads", o->threads, "Signature-checking threads (default 2)")->check(CLI::Range(1, 64));
  app->add_option("--trusted-head", o->trusted_heads,
                  "A relais-witness/1 file held outside the broker (a witness state, or receipts exported by "
                  "relais-agent receipts --export): the log must hold every head in it (repeatable)");
  app->add_option("--accept-restore", o->accepted_restores,
                  "The log epoch E of a restore you know of (relais-admin restore): its lost records no longer fail "
                  "the verdict (repeatable)");
  app->add_option("--from-witness", o->from_witness,
                  "A relais-witness/1 state (relais-audit witness) whose last head you verified before: check only "
                  "the records after it, and that the log's records up to it still give its root (see docs/audit.md "
                  "for what is not re-checked)");
  return {app, [g, o] {
            if (Status s = require_data(*g, "verify"); !s.ok()) return report(s);
            auto trust = load_trust(*g);
            if (!trust.ok()) return report(trust.status());
            VerifyOptions vo;
            vo.threads = o->threads;
            vo.strict = o->strict;
            vo.accepted_restores = o->accepted_restores;
            for (const std::string& file : o->trusted_heads) {
              auto heads = read_witness_file(file);
              if (!heads.ok())
                return report(Status::Config("--trusted-head " + heads.status().message()));
              if (heads->empty())
                return report(Status::Config("--trusted-head " + file + " holds no head: pass a witness state or "
                                             "an export of receipts with at least one line"));
              for (size_t i = 0; i < heads->size(); ++i)
                vo.trusted_heads.push_back({file + " head " + std::to_string(i + 1), std::move((*heads)[i])});
            }
            if (!o->from_witness.empty()) {
              auto heads = read_witness_file(o->from_witness);
              if (!heads.ok()) return report(Status::Config("--from-witness " + heads.status().message()));
              if (heads->empty())
                return report(Status::Config("--from-witness " + o->from_witness +
                                             " holds no head: pass the state file relais-audit witness writes"));
              vo.start = TrustedHead{o->from_witness + " head " + std::to_string(heads->size()),
                                     std::move(heads->back())};
            }
            std::optional<Result<VerifyReport>> result;
            {
              Progress progress;
              vo.progress = [&progress](uint64_t done, uint64_t total) { progress.update(done, total); };
              result.emplace(verify_log(g->data, *trust, vo));
            }
            Result<VerifyReport>& rep = *result;
            if (!rep.ok()) return report(rep.status());
            if (o->json) {
              std::cout << json_text(report_to_json(*rep), 2) << "\n";
            } else {
              std::cout << format_summary(*rep);
            }
            if (rep->fault) {
              std::cerr << "relais-audit: verify: DAMAGED: " << rep->fault->to_string() << "\n";
              return kExitFailed;
            }
            for (const RestoreFact& r : rep->summary.restores)
              if (!r.accepted) {
                std::cerr << "relais-audit: verify: RESTORED at seq " << r.last_seq << " (epoch " << r.epoch
                          << "): records after " << r.last_seq
                          << " are lost; once you know of this restore, run again with --accept-restore " << r.epoch
                          << "\n";
                return kExitFailed;
              }
            return kExitOk;
          }};
}

}  // namespace relais::audit
