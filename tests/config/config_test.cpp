// A table of bad broker configurations, each with the expected error and
// line (nats-server config_check_test style). Every problem is reported.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "config/agent_config.h"
#include "config/broker_config.h"

using namespace relais;

namespace {

const char* kPin = "3kY8yJ2Xk8n2a1cK3m1r0cQZr2kLwz0xXyBvG0mQdJk=";

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/relais-config-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

std::string good_broker(const std::string& extra_log = "") {
  return std::string("[broker]\nendpoint = \"tcp://127.0.0.1:7450\"\nidentity = \"keys/broker.key\"\n") +
         "bundle = \"trust.bundle\"\nauthority_key = \"" + kPin + "\"\ndata_dir = \"data\"\n[log]\n" + extra_log;
}

}  // namespace

TEST_CASE("a good broker configuration loads with relative paths resolved", "[config]") {
  std::string path = write_temp(good_broker("sync = \"always\"\n"));
  auto c = load_broker_config(path);
  INFO(c.status().message());
  REQUIRE(c.ok());
  CHECK(c->sync == "always");
  CHECK(c->identity == "/tmp/keys/broker.key");
  CHECK(c->max_frame_bytes == 17 << 20);  // a 16 MiB body with attachments, plus its header
  CHECK(c->max_body == 16 << 20);
  unlink(path.c_str());
}

TEST_CASE("limits.max_body is read, and follows a lower max_frame_bytes when not set", "[config]") {
  {
    std::string path = write_temp(good_broker() + "[limits]\nmax_frame_bytes = 65536\n");
    auto c = load_broker_config(path);
    INFO(c.status().message());
    REQUIRE(c.ok());
    CHECK(c->max_body == 65536);
    unlink(path.c_str());
  }
  {
    std::string path = write_temp(good_broker() + "[limits]\nmax_frame_bytes = 2097152\nmax_body = 1048576\n");
    auto c = load_broker_config(path);
    INFO(c.status().message());
    REQUIRE(c.ok());
    CHECK(c->max_frame_bytes == 2 << 20);
    CHECK(c->max_body == 1 << 20);
    unlink(path.c_str());
  }
}

TEST_CASE("bad broker configurations are reported with file and line", "[config]") {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {good_broker("sync = \"sometimes\"\n"), ":8: log.sync must be one of always, batch, none"},
      {good_broker("segment_bytes = 12\n"), ":8: log.segment_bytes = 12 is out of range"},
      {good_broker("checkpoint_every = \"often\"\n"), ":8: log.checkpoint_every must be an integer"},
      {good_broker("colour = 1\n"), ":8: unknown key log.colour"},
      {good_broker() + "[nonsense]\n", ":8: unknown section [nonsense]"},
      {"[broker]\nendpoint = \"udp://x\"\n", ":2: broker.endpoint must start with tcp:// or ipc://"},
      {"[broker]\n", "missing required key broker.identity"},
      {"[broker\n", ":1: "},
      {good_broker() + "[delivery]\nheartbeat_ms = 5000\nheartbeat_timeout_ms = 1000\n",
       "heartbeat_timeout_ms must exceed delivery.heartbeat_ms"},
      {"[broker]\nauthority_key = \"not base64!\"\n", ":2: broker.authority_key is not a base64 Ed25519 public key"},
      {good_broker() + "[limits]\nmax_frame_bytes = 10\n", ":9: limits.max_frame_bytes = 10 is out of range [4096, "},
      {good_broker() + "[limits]\nmax_frame_bytes = 1048576\nmax_body = 1048576\n",
       ":10: limits.max_body (1048576) must be below limits.max_frame_bytes (1048576)"},
      {good_broker() + "[limits]\nmax_body = 100\n", ":9: limits.max_body = 100 is out of range [256, "},
      {"log = 3\n", ":1: log must be a table"},
  };
  for (const auto& c : cases) {
    std::string path = write_temp(c.text);
    auto r = load_broker_config(path);
    INFO(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kConfig);
    CHECK(r.status().exit_code() == 2);
    CHECK_THAT(r.status().message(), Catch::Contains(c.expected));
    unlink(path.c_str());
  }
}

TEST_CASE("every error of a configuration is reported at once", "[config]") {
  std::string path = write_temp("[broker]\nendpoint = \"udp://x\"\n[log]\nsync = \"never\"\nbogus = 1\n");
  auto r = load_broker_config(path);
  REQUIRE_FALSE(r.ok());
  const std::string m = r.status().message();
  CHECK_THAT(m, Catch::Contains("broker.endpoint"));
  CHECK_THAT(m, Catch::Contains("log.sync"));
  CHECK_THAT(m, Catch::Contains("unknown key log.bogus"));
  CHECK_THAT(m, Catch::Contains("missing required key broker.identity"));
  unlink(path.c_str());
}

TEST_CASE("an unreadable agent configuration is a configuration error", "[config]") {
  auto r = load_agent_config("/nonexistent/relais/agent.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().exit_code() == 2);
}
