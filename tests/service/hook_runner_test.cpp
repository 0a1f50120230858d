// HookRunner (service/hook_runner.h) with real programs: the input reaches
// the program's standard input, a program that runs too long is killed, one
// that fails is logged, and none holds up the caller.
#include <catch2/catch.hpp>

#include <algorithm>

#include "eventually.h"
#include "service/hook_runner.h"
#include "temp_dir.h"
#include "util/clock.h"
#include "util/files.h"

using namespace relais;
using namespace relais::test;

namespace {

std::string script(const std::string& dir, const std::string& name, const std::string& body) {
  const std::string path = dir + "/" + name;
  const std::string text = "#!/bin/sh\n" + body + "\n";
  REQUIRE(write_file_durable(path, as_bytes(text), 0700).ok());
  return path;
}

std::string read_or_empty(const std::string& path) {
  auto t = read_text_file(path);
  return t.ok() ? *t : std::string();
}

}  // namespace

TEST_CASE("a hook program reads its input on stdin", "[service][hook]") {
  TempDir tmp;
  const std::string out = tmp.path + "/got.json";
  std::vector<std::string> lines;
  HookRunner r(script(tmp.path, "hook", "cat > " + out + ".tmp && mv " + out + ".tmp " + out), 10000,
               [&](const std::string& l) { lines.push_back(l); });
  const int64_t t0 = monotonic_ms();
  r.submit("msg-1", "{\"id\":\"msg-1\"}\n");
  CHECK(monotonic_ms() - t0 < 1000);  // started, not waited for
  REQUIRE(eventually(10000, 10, [&] {
    r.poll();
    return r.running() == 0 && r.queued() == 0;
  }));
  CHECK(read_or_empty(out) == "{\"id\":\"msg-1\"}\n");
  CHECK(lines.empty());
}

TEST_CASE("a hook program that runs too long is killed, one that fails is logged", "[service][hook]") {
  TempDir tmp;
  std::vector<std::string> lines;
  HookRunner slow(script(tmp.path, "slow", "exec sleep 30"), 200, [&](const std::string& l) { lines.push_back(l); });
  slow.submit("msg-slow", "{}\n");
  REQUIRE(eventually(10000, 10, [&] {
    slow.poll();
    return slow.running() == 0;
  }));
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("msg-slow") && Catch::Contains("killed"));

  lines.clear();
  HookRunner failing(script(tmp.path, "fail", "exit 3"), 10000, [&](const std::string& l) { lines.push_back(l); });
  failing.submit("msg-fail", "{}\n");
  REQUIRE(eventually(10000, 10, [&] {
    failing.poll();
    return failing.running() == 0;
  }));
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("msg-fail") && Catch::Contains("code 3"));

  lines.clear();
  HookRunner missing(tmp.path + "/no-such-program", 10000, [&](const std::string& l) { lines.push_back(l); });
  missing.submit("msg-x", "{}\n");
  REQUIRE(eventually(10000, 10, [&] {
    missing.poll();
    return missing.running() == 0;
  }));
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("code 127"));
}

TEST_CASE("at most kMaxRunning hooks run at once and the rest wait their turn", "[service][hook]") {
  TempDir tmp;
  const std::string count = tmp.path + "/count";
  HookRunner r(script(tmp.path, "hook", "cat > /dev/null; echo x >> " + count), 10000, [](const std::string&) {});
  for (int i = 0; i < 10; ++i) r.submit("m" + std::to_string(i), "{}\n");
  CHECK(r.running() <= HookRunner::kMaxRunning);
  REQUIRE(eventually(20000, 10, [&] {
    r.poll();
    return r.running() == 0 && r.queued() == 0;
  }));
  std::string text = read_or_empty(count);
  CHECK(std::count(text.begin(), text.end(), 'x') == 10);
}

TEST_CASE("finish() at stop ends what still runs within its deadline", "[service][hook]") {
  TempDir tmp;
  std::vector<std::string> lines;
  HookRunner r(script(tmp.path, "slow", "exec sleep 30"), 60000, [&](const std::string& l) { lines.push_back(l); });
  r.submit("m1", "{}\n");
  const int64_t t0 = monotonic_ms();
  r.finish(monotonic_ms() + 200);
  CHECK(monotonic_ms() - t0 < 5000);
  CHECK(r.running() == 0);
  REQUIRE_FALSE(lines.empty());
  CHECK_THAT(lines.back(), Catch::Contains("m1") && Catch::Contains("killed"));
}
