// relais-audit replay --case-ref on a real broker's log: one case's messages,
// the messages answering them (in_reply_to), and nothing else.
#include <catch2/catch.hpp>

#include <set>

#include "crypto/envelope.h"
#include "crypto/uuid.h"
#include "deployment.h"
#include "util/clock.h"

using namespace relais;
using namespace relais::test;

namespace {

// An alert with a case_ref (and an optional in_reply_to), published; returns its id.
std::string publish_case_alert(const AgentContext& ctx, BrokerClient& c, const std::string& tag,
                               const std::string& case_ref, const std::string& in_reply_to = "") {
  PublishRequest req;
  req.topic = kAlertTopic;
  req.type = "alert";
  req.json_text = alert_with(tag);
  req.case_ref = case_ref;
  if (!in_reply_to.empty()) req.in_reply_to = in_reply_to;
  auto env = prepare_envelope(ctx, req);
  INFO(env.status().message());
  REQUIRE(env.ok());
  auto acked = c.publish(*env, monotonic_ms() + 10000);
  INFO(acked.status().message());
  REQUIRE(acked.ok());
  auto decoded = decode_envelope(*env);
  REQUIRE(decoded.ok());
  return uuid_to_string(decoded->header.id);
}

}  // namespace

TEST_CASE("relais-audit replay --case-ref prints one case's messages and its answers, nothing else",
          "[integration][audit]") {
  Deployment d;
  d.start_broker();
  auto police = context_for(d, "police.golfe");
  auto pub = client_for(*police);
  const std::string first = publish_case_alert(*police, *pub, "case-a-1", "c-aaaaaaaaaaaaaaaa");
  const std::string other = publish_case_alert(*police, *pub, "case-b-1", "c-bbbbbbbbbbbbbbbb");
  // An answer filed under no case_ref of its own still belongs to the case it answers.
  const std::string answer = publish_case_alert(*police, *pub, "case-a-2", "c-cccccccccccccccc", first);
  pub->close();
  REQUIRE(d.stop_broker() == 0);

  ProcResult r = run_process({bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub", "--data",
                              d.dir() + "/data", "replay", "--case-ref", "c-aaaaaaaaaaaaaaaa"},
                             60000);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::set<std::string> ids;
  for (const auto& j : json_lines(r.out))
    if (j.contains("id") && j["id"].is_string()) ids.insert(j["id"].get<std::string>());
  CHECK(ids.count(first) == 1);
  CHECK(ids.count(answer) == 1);
  CHECK(ids.count(other) == 0);
}
