// The desk off loopback: its self-signed certificate (desk-cert), HTTPS
// serving, and the configuration rule that refuses clear HTTP beyond this
// machine.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <sys/stat.h>

#include <fstream>

#include "config/agent_config.h"
#include "desk/desk_cert.h"
#include "desk/desk_server.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::desk;

namespace {

Result<AgentConfig> config_with(const test::TempDir& dir, const std::string& desk) {
  const std::string path = dir.path + "/agent.toml";
  std::ofstream(path) << "[agent]\nidentity = \"a.key\"\nbundle = \"trust.bundle\"\nstate_dir = \"state\"\n"
                      << "authority_key = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n"
                      << desk;
  return load_agent_config(path);
}

}  // namespace

TEST_CASE("desk-cert makes a 0600 key and a certificate whose fingerprint it prints", "[desk][tls]") {
  test::TempDir dir("relais-desk-tls");
  const std::string crt = dir.path + "/desk.crt", key = dir.path + "/desk.key";
  auto made = make_desk_certificate(crt, key, {"relais.agence.local", "192.168.1.10"}, 30);
  REQUIRE(made.ok());
  struct stat st {};
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(made->sha256_fingerprint.size() == 32 * 3 - 1);  // "AB:CD:..."
  auto again = certificate_fingerprint(crt);
  REQUIRE(again.ok());
  CHECK(*again == made->sha256_fingerprint);
  auto twice = make_desk_certificate(crt, key, {"relais.agence.local"}, 30);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message().find("already exists") != std::string::npos);
  CHECK_FALSE(certificate_fingerprint(key).ok());  // a key is not a certificate
}

TEST_CASE("the desk serves HTTPS with Secure cookies when given a certificate", "[desk][tls]") {
  test::TempDir dir("relais-desk-tls");
  const std::string state = dir.path + "/state";
  REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  auto id = generate_identity("ngo.espoir", Role::kNgo, "maritime", "golfe");
  REQUIRE(id.ok());
  auto made = make_desk_certificate(dir.path + "/desk.crt", dir.path + "/desk.key", {"127.0.0.1", "localhost"}, 30);
  REQUIRE(made.ok());
  DeskConfig cfg;
  cfg.enabled = true;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  cfg.hostnames = {"127.0.0.1", "localhost"};
  cfg.tls_cert = made->cert_path;
  cfg.tls_key = made->key_path;
  DeskDeps deps;
  deps.state_dir = state;
  deps.open_store = [&]() { return Store::open(state, *id, {}); };
  deps.pwhash_opslimit = 1;
  deps.pwhash_memlimit = 8192;
  auto desk = DeskServer::create(cfg, deps);
  REQUIRE(desk.ok());
  REQUIRE((*desk)->start().ok());
  const int port = (*desk)->port();
  REQUIRE(port > 0);

  httplib::SSLClient tls("127.0.0.1", port);
  tls.enable_server_certificate_verification(false);  // self-signed: people check the fingerprint
  tls.set_connection_timeout(5, 0);
  tls.set_read_timeout(5, 0);
  auto r = tls.Get("/login");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Set-Cookie").find("; Secure") != std::string::npos);
  CHECK(r->get_header_value("Content-Security-Policy").find("default-src 'self'") != std::string::npos);

  httplib::Client clear("127.0.0.1", port);  // plain HTTP to the TLS port gets no page
  clear.set_connection_timeout(5, 0);
  clear.set_read_timeout(5, 0);
  auto c = clear.Get("/login");
  CHECK((!c || c->status != 200));
  (*desk)->stop();
}

TEST_CASE("a desk beyond loopback without TLS is a configuration error", "[desk][tls]") {
  test::TempDir dir("relais-desk-cfg");
  auto open = config_with(dir, "[desk]\nlisten = \"0.0.0.0:8470\"\n");
  REQUIRE_FALSE(open.ok());
  CHECK(open.status().exit_code() == 2);
  CHECK(open.status().message().find("needs TLS") != std::string::npos);
  auto half = config_with(dir, "[desk]\nlisten = \"127.0.0.1:8470\"\ntls_cert = \"desk.crt\"\n");
  REQUIRE_FALSE(half.ok());
  CHECK(half.status().message().find("go together") != std::string::npos);
  auto idle = config_with(dir, "[desk]\nlisten = \"127.0.0.1:8470\"\nsession_idle = \"soon\"\n");
  REQUIRE_FALSE(idle.ok());
  auto ok = config_with(dir, "[desk]\nlisten = \"127.0.0.1:8470\"\nsession_idle = \"30m\"\n");
  INFO(ok.status().message());
  REQUIRE(ok.ok());
  CHECK(ok->desk.enabled);
  CHECK(ok->desk.session_idle_ms == 30 * 60 * 1000);
  CHECK(ok->desk.hostnames == std::vector<std::string>{"127.0.0.1", "localhost"});
  CHECK(ok->desk.origins().front() == "http://127.0.0.1:8470");
  auto off = config_with(dir, "");
  REQUIRE(off.ok());
  CHECK_FALSE(off->desk.enabled);
}
