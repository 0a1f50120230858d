// The broker reloads its bundle while it runs (docs/protocol.md §Bundle
// serials and reloads): real broker process, real agents and clients over
// CurveZMQ on 127.0.0.1, keys made at run time. Every check is on order (the
// log's records, the answers' codes), never on time.
#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "agent/agent.h"
#include "agent/broker_client.h"
#include "broker/broker.h"
#include "config/broker_config.h"
#include "deployment.h"
#include "eventually.h"
#include "log/log_reader.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/json_msgpack.h"

using namespace relais;
using namespace relais::test;

namespace {

namespace fs = std::filesystem;


struct LoggedEvent {
  uint64_t seq = 0;
  nlohmann::json body;
};

// Every event record of the (stopped) broker's log, in order.
std::vector<LoggedEvent> logged_events(const Deployment& d) {
  auto reader = LogReader::open(d.dir() + "/data");
  REQUIRE(reader.ok());
  std::vector<LoggedEvent> out;
  LogEntry e;
  while (true) {
    auto more = (*reader)->next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    if (e.record.kind != RecordKind::kEvent) continue;
    auto j = msgpack_to_json(e.record.body);
    REQUIRE(j.ok());
    out.push_back(LoggedEvent{e.record.seq, std::move(*j)});
  }
  return out;
}

std::vector<LoggedEvent> of_kind(const std::vector<LoggedEvent>& all, const std::string& kind) {
  std::vector<LoggedEvent> out;
  for (const auto& e : all)
    if (e.body.value("event", "") == kind) out.push_back(e);
  return out;
}

// Signs the deployment's cards (DIR/keys) and policy into `out` at `serial`.
void sign_bundle(Deployment& d, uint64_t serial, const std::vector<std::string>& revoke, const std::string& out) {
  std::vector<std::string> args = {"bundle", "--authority", d.dir() + "/keys/authority.key", "--cards",
                                   d.dir() + "/keys", "--policy", d.dir() + "/policy.toml",
                                   "--serial", std::to_string(serial), "--out", out};
  for (const auto& r : revoke) {
    args.push_back("--revoke");
    args.push_back(r);
  }
  ProcResult r = d.admin(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// Puts `from` in place of DIR/trust.bundle as one rename (the broker never
// reads half a file).
void install_bundle(Deployment& d, const std::string& from) {
  const std::string tmp = d.dir() + "/trust.bundle.tmp";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing);
  fs::rename(tmp, d.dir() + "/trust.bundle");
}

ProcResult reload(Deployment& d) {
  return run_process({bin("relais-broker"), "--config", d.dir() + "/broker.toml", "--reload"}, 60000);
}

ProcResult publish_alert(Deployment& d, const std::string& who) {
  return d.agent(who, {"publish", "--topic", kAlertTopic, "--type", "alert", "--file",
                       source_path("demo/documents/alert-golfe.json")});
}

// The deployment's broker run in this process (Broker, not the program), so
// that a test can hold a reload's check at the bundle reader (the broker's
// disk seam for reloads) and see the lifecycle in order. The stop and reload
// signals are pipes standing for the program's signalfds.
class HeldBroker final : public LifecycleListener {
 public:
  explicit HeldBroker(Deployment& d) {
    auto config = load_broker_config(d.dir() + "/broker.toml");
    REQUIRE(config.ok());
    auto b = Broker::create(*config);
    INFO(b.status().message());
    REQUIRE(b.ok());
    broker_ = std::move(b).value();
    broker_->set_lifecycle_listener(this);
    broker_->set_bundle_reader([this](const std::string& path) { return read_held(path); });
    REQUIRE(broker_->start().ok());
    REQUIRE(::pipe2(stop_, O_NONBLOCK | O_CLOEXEC) == 0);
    REQUIRE(::pipe2(hup_, O_NONBLOCK | O_CLOEXEC) == 0);
    thread_ = std::thread([this] { run_status_ = broker_->run(stop_[0], hup_[0]); });
  }
  ~HeldBroker() override {
    release();
    if (thread_.joinable()) {
      stop();
      thread_.join();
    }
    for (int fd : {stop_[0], stop_[1], hup_[0], hup_[1]}) ::close(fd);
  }

  // What the program's SIGHUP and SIGTERM would do.
  void hup() {
    const signalfd_siginfo info{};
    REQUIRE(::write(hup_[1], &info, sizeof info) == static_cast<ssize_t>(sizeof info));
  }
  void stop() {
    const char c = 's';
    (void)!::write(stop_[1], &c, 1);
  }
  // True once the broker has read every reload signal written so far.
  bool signals_read() const {
    int n = -1;
    return ::ioctl(hup_[0], FIONREAD, &n) == 0 && n == 0;
  }
  // Waits (bounded) until the first reload's check holds in the reader.
  bool wait_held() {
    std::unique_lock<std::mutex> lk(mu_);
    return cv_.wait_for(lk, std::chrono::seconds(30), [this] { return held_; });
  }
  void release() {
    std::lock_guard<std::mutex> g(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Waits (bounded) for the run to end after stop(); its status.
  Status join() {
    stop();
    thread_.join();
    return run_status_;
  }
  struct Heard {
    std::vector<std::pair<bool, uint64_t>> reloads;  // accepted, serial in force
    bool stopped_after_reloads = false;
    size_t reloading = 0;
  };
  Heard heard() {
    std::lock_guard<std::mutex> g(mu_);
    return heard_;
  }

  void ready(const std::string&, uint64_t) override {}
  void reloading() override {
    std::lock_guard<std::mutex> g(mu_);
    ++heard_.reloading;
  }
  void reloaded(bool accepted, uint64_t serial) override {
    std::lock_guard<std::mutex> g(mu_);
    heard_.reloads.emplace_back(accepted, serial);
    cv_.notify_all();
  }
  void stopping() override {
    std::lock_guard<std::mutex> g(mu_);
    heard_.stopped_after_reloads = !heard_.reloads.empty();
  }

 private:
  // The first reload reads the file, then waits for release() before its
  // check goes on; later ones go straight through.
  Result<Bytes> read_held(const std::string& path) {
    Result<Bytes> bytes = read_file(path);
    std::unique_lock<std::mutex> lk(mu_);
    if (++reads_ == 1) {
      held_ = true;
      cv_.notify_all();
      cv_.wait_for(lk, std::chrono::seconds(60), [this] { return released_; });
    }
    return bytes;
  }

  std::unique_ptr<Broker> broker_;
  int stop_[2] = {-1, -1}, hup_[2] = {-1, -1};
  std::thread thread_;
  Status run_status_;
  std::mutex mu_;
  std::condition_variable cv_;
  int reads_ = 0;
  bool held_ = false, released_ = false;
  Heard heard_;
};

}  // namespace

TEST_CASE("a reload asked for while another is being checked is not lost: it follows once the first is in force",
          "[integration][reload]") {
  Deployment d;
  sign_bundle(d, 2, {}, d.dir() + "/b2.bundle");
  sign_bundle(d, 3, {}, d.dir() + "/b3.bundle");
  HeldBroker b(d);
  install_bundle(d, d.dir() + "/b2.bundle");
  b.hup();
  REQUIRE(b.wait_held());  // serial 2 read, its check held
  install_bundle(d, d.dir() + "/b3.bundle");
  b.hup();
  REQUIRE(eventually(30000, 2, [&] { return b.signals_read(); }));  // seen while the first check is held
  b.release();
  REQUIRE(eventually(30000, 5, [&] { return b.heard().reloads.size() >= 2; }));
  const auto heard = b.heard();
  REQUIRE(heard.reloads.size() == 2);
  CHECK(heard.reloads[0] == std::make_pair(true, uint64_t{2}));
  CHECK(heard.reloads[1] == std::make_pair(true, uint64_t{3}));
  CHECK(heard.reloading == 2);
  CHECK(read_all(d.dir() + "/data/reload.status").find(" 2 accepted 3") != std::string::npos);
  Status st = b.join();
  INFO(st.message());
  CHECK(st.ok());
}

TEST_CASE("a stop during a reload's check waits for it: the bundle checked is in force and on record before the "
          "broker stops",
          "[integration][reload]") {
  Deployment d;
  sign_bundle(d, 2, {"police.kozah"}, d.dir() + "/b2.bundle");
  {
    HeldBroker b(d);
    install_bundle(d, d.dir() + "/b2.bundle");
    b.hup();
    REQUIRE(b.wait_held());
    b.stop();
    b.release();
    Status st = b.join();
    INFO(st.message());
    REQUIRE(st.ok());
    const auto heard = b.heard();
    REQUIRE(heard.reloads.size() == 1);
    CHECK(heard.reloads[0] == std::make_pair(true, uint64_t{2}));
    CHECK(heard.stopped_after_reloads);
    CHECK(read_all(d.dir() + "/data/reload.status").find(" 1 accepted 2") != std::string::npos);
  }
  const auto loaded = of_kind(logged_events(d), "bundle_loaded");
  REQUIRE(loaded.size() == 2);
  CHECK(loaded[1].body["serial"] == 2);
}

TEST_CASE("a participant revoked while connected: its first publish after bundle_loaded is refused revoked",
          "[integration][reload]") {
  Deployment d;
  d.start_broker();
  auto police = context_for(d, "police.kozah");
  auto client = client_for(*police);
  // Connected and publishing under serial 1.
  const Bytes before = sealed_alert(*police, "reload");
  auto ack = client->publish(before, monotonic_ms() + 10000);
  INFO(ack.status().message());
  REQUIRE(ack.ok());
  const Bytes after = sealed_alert(*police, "reload");  // sealed before the revocation, sent after it

  sign_bundle(d, 2, {"police.kozah"}, d.dir() + "/b2.bundle");
  install_bundle(d, d.dir() + "/b2.bundle");
  ProcResult r = reload(d);
  INFO(r.err << d.broker_log());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("bundle serial 2 is in force") != std::string::npos);

  auto refused = client->publish(after, monotonic_ms() + 10000);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kRefused);
  CHECK(client->last_error_code() == ErrorCode::kRevoked);
  // A new connection with that key is refused at the handshake.
  ProcResult again = publish_alert(d, "police.kozah");
  CHECK(again.exit_code != 0);
  // The others go on.
  ProcResult other = publish_alert(d, "police.golfe");
  INFO(other.err);
  CHECK(other.exit_code == 0);
  client.reset();
  REQUIRE(d.stop_broker() == 0);

  const auto events = logged_events(d);
  const auto loaded = of_kind(events, "bundle_loaded");
  REQUIRE(loaded.size() == 2);
  CHECK(loaded[1].body["serial"] == 2);
  CHECK(loaded[1].body["bundle"] == to_base64(as_bytes(read_all(d.dir() + "/b2.bundle"))));
  // The refusal came after serial 2 was on record.
  uint64_t refusal_seq = 0;
  for (const auto& e : of_kind(events, "refusal"))
    if (e.body["who"] == "police.kozah" && e.body["code"] == "revoked" && refusal_seq == 0) refusal_seq = e.seq;
  REQUIRE(refusal_seq > 0);
  CHECK(refusal_seq > loaded[1].seq);
}

TEST_CASE("a participant added while the broker runs connects with no restart", "[integration][reload]") {
  Deployment d;
  d.start_broker();
  ProcResult k = d.admin({"keygen", "--name", "police.extra", "--role", "police", "--region", "maritime",
                          "--prefecture", "golfe", "--out", d.dir() + "/keys"});
  INFO(k.err);
  REQUIRE(k.exit_code == 0);
  std::string config = read_all(d.agent_config("police.golfe"));
  for (const std::string from : {"keys/police.golfe.key", "state/police.golfe"}) {
    const size_t at = config.find(from);
    REQUIRE(at != std::string::npos);
    config.replace(at, from.size(), from.substr(0, from.rfind('/') + 1) + "police.extra" +
                                        (from.ends_with(".key") ? ".key" : ""));
  }
  write_all(d.agent_config("police.extra"), config);
  // Not yet in the broker's bundle: refused at the handshake.
  sign_bundle(d, 2, {}, d.dir() + "/b2.bundle");
  CHECK(publish_alert(d, "police.extra").exit_code != 0);

  install_bundle(d, d.dir() + "/b2.bundle");
  ProcResult r = reload(d);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  ProcResult pub = publish_alert(d, "police.extra");
  INFO(pub.err << d.broker_log());
  CHECK(pub.exit_code == 0);
  CHECK(d.broker().running());
}

TEST_CASE("a bad bundle (tampered, not newer, missing, a named pipe) on reload keeps the broker serving with the old one, and --reload exits 1",
          "[integration][reload]") {
  Deployment d;
  d.start_broker();
  const std::string good = d.dir() + "/b1.bundle";
  fs::copy_file(d.dir() + "/trust.bundle", good);
  sign_bundle(d, 2, {"police.kozah"}, d.dir() + "/b2.bundle");
  std::string tampered = read_all(d.dir() + "/b2.bundle");
  tampered[tampered.size() / 3] ^= 1;
  write_all(d.dir() + "/bad.bundle", tampered);

  install_bundle(d, d.dir() + "/bad.bundle");
  ProcResult bad = reload(d);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("refused") != std::string::npos);
  CHECK(bad.err.find("signature") != std::string::npos);
  install_bundle(d, good);  // the same serial again
  ProcResult same = reload(d);
  CHECK(same.exit_code == 1);
  CHECK(same.err.find("not newer") != std::string::npos);
  fs::remove(d.dir() + "/trust.bundle");
  ProcResult missing = reload(d);
  CHECK(missing.exit_code == 1);
  // A named pipe in its place is refused at once: the check never waits for a writer that will not come.
  REQUIRE(::mkfifo((d.dir() + "/trust.bundle").c_str(), 0600) == 0);
  ProcResult pipe = reload(d);
  CHECK(pipe.exit_code == 1);
  CHECK(pipe.err.find("not a regular file") != std::string::npos);
  fs::remove(d.dir() + "/trust.bundle");
  install_bundle(d, good);
  // Still serving under serial 1: police.kozah (revoked only in the bad file) publishes.
  ProcResult pub = publish_alert(d, "police.kozah");
  INFO(pub.err << d.broker_log());
  CHECK(pub.exit_code == 0);
  REQUIRE(d.stop_broker() == 0);
  const auto events = logged_events(d);
  CHECK(of_kind(events, "reload_refused").size() == 4);
  CHECK(of_kind(events, "bundle_loaded").size() == 1);
  // Without a running broker, --reload says so.
  ProcResult none = reload(d);
  CHECK(none.exit_code == 1);
  CHECK(none.err.find("no running broker") != std::string::npos);
}

TEST_CASE("a SIGHUP storm: the broker still serves, one bundle_loaded per accepted serial, one reload_refused per "
          "refused reload",
          "[integration][reload]") {
  Deployment d;
  d.start_broker();
  // Serials 2..11, each signed once.
  std::vector<std::string> files;
  for (uint64_t s = 2; s <= 11; ++s) {
    files.push_back(d.dir() + "/b" + std::to_string(s) + ".bundle");
    sign_bundle(d, s, {}, files.back());
  }
  const pid_t pid = d.broker().pid();
  for (int i = 0; i < 50; ++i) {
    if (i % 5 == 0) install_bundle(d, files[static_cast<size_t>(i / 5)]);
    REQUIRE(::kill(pid, SIGHUP) == 0);
  }
  // One more, waited for: every signal above was handled before it.
  ProcResult last = reload(d);
  INFO(last.err);
  CHECK((last.exit_code == 0 || last.err.find("not newer") != std::string::npos));
  CHECK(d.broker().running());
  ProcResult pub = publish_alert(d, "police.golfe");  // under serial 11, the agents' bundle now
  INFO(pub.err << d.broker_log());
  CHECK(pub.exit_code == 0);
  const std::string status = read_all(d.dir() + "/data/reload.status");
  const uint64_t handled = std::stoull(status.substr(status.find(' ') + 1));
  REQUIRE(d.stop_broker() == 0);

  const auto events = logged_events(d);
  const auto loaded = of_kind(events, "bundle_loaded");
  const auto refused = of_kind(events, "reload_refused");
  // Serial 11 is in force; each accepted serial once, in increasing order.
  REQUIRE(loaded.size() >= 2);
  CHECK(loaded.back().body["serial"] == 11);
  for (size_t i = 1; i < loaded.size(); ++i) CHECK(loaded[i].body["serial"] > loaded[i - 1].body["serial"]);
  // Every reload handled is one of the two.
  CHECK(loaded.size() - 1 + refused.size() == handled);
  CHECK(handled >= 2);
  CHECK(handled <= 51);
}
