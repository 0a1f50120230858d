// After NOTICE restored: the outbox entries whose receipts lie in the lost
// range are queued again, once, with their ids and documents.
#include <catch2/catch.hpp>

#include "crypto/uuid.h"
#include "receipt/receipt.h"
#include "service/restore_resend.h"
#include "store/store_fixture.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::test;

namespace {

Bytes receipt_for(const std::string& id, uint64_t seq, uint64_t epoch, const SecretBytes& broker_sk) {
  ReceiptFields f;
  f.id = *uuid_from_string(id);
  f.seq = seq;
  f.epoch = epoch;
  f.ts_ms = 1767225600000;
  return encode_receipt(sign_receipt(f, broker_sk));
}

}  // namespace

TEST_CASE("Entries logged after the restored seq in the old epoch are queued again, once", "[service][restore]") {
  TempDir dir("relais-resend");
  const Identity me = make_identity();
  const Identity broker = make_identity("broker");
  auto r = Store::open(dir.path + "/state", me, {});
  Store& s = opened(r);
  std::vector<std::string> ids;
  // seqs 10, 20, 30 in epoch 0; the backup ended at seq 15.
  for (uint64_t seq : {10, 20, 30}) {
    const std::string id = fresh_id(1767225600000 + static_cast<int64_t>(seq));
    ids.push_back(id);
    REQUIRE(s.enqueue(sample_entry(id, 1767225600000), R"({"n":)" + std::to_string(seq) + "}").ok());
    REQUIRE(s.mark_logged(id, seq, receipt_for(id, seq, 0, broker.sign_sk), 1767225600500).ok());
  }
  auto first = requeue_lost_entries(s, 1, 15);
  REQUIRE(first.ok());
  CHECK(first->requeued == 2);
  CHECK((*s.outbox_entry(ids[0]))->status == "logged");
  for (size_t i : {1u, 2u}) {
    auto e = *s.outbox_entry(ids[i]);
    CHECK(e->status == "queued");
    CHECK(e->seq == 0);
    CHECK(e->receipt.empty());
  }
  CHECK(*s.outbox_document(ids[2]) == R"({"n":30})");
  // Sent again in the new epoch (seq 16, 17): a repeated NOTICE changes nothing.
  REQUIRE(s.mark_logged(ids[1], 16, receipt_for(ids[1], 16, 1, broker.sign_sk), 1767225700000).ok());
  REQUIRE(s.mark_logged(ids[2], 17, receipt_for(ids[2], 17, 1, broker.sign_sk), 1767225700000).ok());
  auto again = requeue_lost_entries(s, 1, 15);
  REQUIRE(again.ok());
  CHECK(again->requeued == 0);
  CHECK(s.outbox("queued")->empty());
}
