// Under SyncPolicy::kBatch an event alone waits (up to kEventLinger, 50 ms) for
// a message to share its sync: events queued just before a message are written
// and synced with it, and an event with no message after it is still written.
#include <catch2/catch.hpp>

#include "log/log_writer.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;

namespace {

uint64_t log_sync_count(const Log& log) {
  uint64_t n = 0;
  for (size_t i = 0; i <= LatencyHistogram::kBoundsUs.size(); ++i) n += log.sync_latency().bucket(i);
  return n;
}

}  // namespace

TEST_CASE("Log: events queued before a message share its sync, and an event alone is still written",
          "[log][linger]") {
  TempDir dir;
  SignKey key;
  auto opened = Log::open(options_for(dir.path, SyncPolicy::kBatch), key.sk);
  REQUIRE(opened.ok());
  Log& log = **opened;
  const uint64_t before = log_sync_count(log);

  const Bytes event = envelope_of(1, 40);
  const Bytes envelope = envelope_of(2);
  log.submit_event(0, kT0, event);
  log.submit_event(0, kT0, event);
  log.submit_message(7, kT0, hash_of(2, 1), hash_of(2, 2), envelope);
  auto done = wait_for(log, 3);
  REQUIRE(done.size() == 3);
  for (const Completion& c : done) CHECK(c.status.ok());
  CHECK(log_sync_count(log) - before == 1);  // one group commit for the two events and the message

  log.submit_event(0, kT0 + 1, event);  // no message follows: written when the linger ends
  done = wait_for(log, 1);
  REQUIRE(done.size() == 1);
  CHECK(done[0].status.ok());
  CHECK(log_sync_count(log) - before == 2);
  CHECK(log.last_durable_seq() == done[0].seq);
}
