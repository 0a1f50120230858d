// relais-admin backup's core (broker/backup.h) on a real data folder written
// by the Log: the copy ends at the last signed checkpoint and reads back
// intact, cursors beyond it are clamped, a pause that was there is left and
// one the backup made is removed, and a non-empty destination is refused.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "broker/backup.h"
#include "broker/erasure_planner.h"
#include "log/log.h"
#include "log/record.h"
#include "log/segment.h"
#include "util/files.h"
#include "../log/log_test_util.h"

using namespace relais;
using namespace relais::testing;
namespace fs = std::filesystem;

namespace {

// A closed log of n messages (so it ends at a signed checkpoint), with one
// cursor beyond its end and one within it.
void make_data(const std::string& dir, const SignKey& key, uint64_t n) {
  {
    auto log = Log::open(options_for(dir), key.sk);
    REQUIRE(log.ok());
    for (uint64_t t = 1; t <= n; ++t)
      (*log)->submit_message(t, 1700000000000 + static_cast<int64_t>(t), hash_of(t, 1), hash_of(t, 2),
                             envelope_of(t, 50));
    REQUIRE(wait_for(**log, n).size() == n);
  }
  fs::create_directories(dir + "/subscriptions/police.golfe");
  std::ofstream(dir + "/subscriptions/police.golfe/ahead.cursor") << (n + 40) << "\nalert.>\n";
  std::ofstream(dir + "/subscriptions/police.golfe/within.cursor") << 3 << "\nalert.>\n";
}

std::string read_text(const std::string& path) {
  auto t = read_text_file(path);
  REQUIRE(t.ok());
  return *t;
}

}  // namespace

TEST_CASE("a backup ends at the last signed checkpoint, clamps cursors and removes the pause it made",
          "[backup]") {
  TempDir tmp;
  SignKey key;
  const std::string data = tmp.path + "/data", out = tmp.path + "/backup";
  make_data(data, key, 12);
  auto committed = committed_seq_of(data);
  REQUIRE(committed.ok());
  CHECK(*committed == 12);

  BackupOptions o{data, out, 2000};
  auto rep = backup_data_folder(o);
  INFO((rep.ok() ? "" : rep.status().message()));
  REQUIRE(rep.ok());
  CHECK(rep->committed_at_start == 12);
  CHECK(rep->checkpoint.size == 12);
  CHECK(rep->checkpoint.verify(key.pk));
  CHECK_FALSE(rep->pause_was_there);
  CHECK_FALSE(fs::exists(shred_pause_path(data)));
  CHECK(rep->cursors == 2);
  CHECK(rep->cursors_clamped == 1);
  CHECK(read_text(out + "/subscriptions/police.golfe/ahead.cursor") == "13\nalert.>\n");
  CHECK(read_text(out + "/subscriptions/police.golfe/within.cursor") == "3\nalert.>\n");
  // The copy is a data folder a broker opens, at the same checkpoint.
  {
    auto log = Log::open(options_for(out), key.sk);
    REQUIRE(log.ok());
    CHECK((*log)->last_durable_seq() == 12);
    CHECK((*log)->latest_checkpoint() == rep->checkpoint);
  }
  // Never over an existing backup.
  auto again = backup_data_folder(o);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kInvalid);
  CHECK(again.status().message().find("not empty") != std::string::npos);
}

TEST_CASE("a pause that was there before the backup stays, and a backup that cannot finish lifts its own and leaves nothing",
          "[backup]") {
  TempDir tmp;
  SignKey key;
  const std::string data = tmp.path + "/data";
  make_data(data, key, 5);
  SECTION("a pause already there stays") {
    std::ofstream(shred_pause_path(data)) << "the operator's\n";
    auto rep = backup_data_folder(BackupOptions{data, tmp.path + "/b1", 2000});
    REQUIRE(rep.ok());
    CHECK(rep->pause_was_there);
    CHECK(fs::exists(shred_pause_path(data)));
  }
  SECTION("no covering checkpoint: refused, and the pause is lifted") {
    // A commit marker beyond the last checkpoint, as a running broker leaves between checkpoints.
    Bytes batch;
    Bytes payload;
    encode_event_payload(&payload, 6, 1700000000100, Bytes{0x80});
    append_frame(&batch, payload);
    payload.clear();
    encode_commit_payload(&payload, 6, 1700000000100);
    append_frame(&batch, payload);
    std::ofstream(data + "/" + segment_file_name(1), std::ios::app | std::ios::binary)
        .write(reinterpret_cast<const char*>(batch.data()), static_cast<std::streamsize>(batch.size()));
    REQUIRE(*committed_seq_of(data) == 6);
    auto rep = backup_data_folder(BackupOptions{data, tmp.path + "/b2", 300});
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.status().code() == Code::kRefused);
    CHECK(rep.status().message().find("no signed checkpoint covers") != std::string::npos);
    CHECK_FALSE(fs::exists(shred_pause_path(data)));
    CHECK(fs::is_empty(tmp.path + "/b2"));  // no half backup left
  }
}
