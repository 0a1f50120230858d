// Store: the agent's local store, state_dir/store.db (SQLite), with every
// body sealed at rest. Used by the agent service (relais-agent run) and by
// the commands that read or queue (inbox, show, case, outbox, send, reply),
// which may run while the service runs: several processes share the file
// (WAL, busy timeout), each through its own Store.
//
// At rest:
//   - A random 32-byte master key (the store key) encrypts every body and
//     every queued document with XChaCha20-Poly1305 (IETF), under a fresh
//     random nonce, with the table, the row id and the column as associated
//     data, so a sealed value moved to another row does not open.
//   - The store key is kept only wrapped (crypto_box_seal) to the seal key of
//     the participant, in table store_keys (one row per seal public key).
//     open() unwraps it with the current identity, else with a retired one
//     (AgentConfig::retired_identities); when only a retired one opens it,
//     the key is wrapped to the current identity too (a key rotation
//     rewraps it). A store that no given identity opens is Status::Refused
//     ("the store key is wrapped to keys this agent no longer holds: ...").
//   - Attachments (crypto/body_format.h) are sealed the same way, one row
//     per file in table attachments (owner "messages" or "outbox", id,
//     index), their name and media type sealed with their bytes; they go
//     with their message or outbox entry when it is erased.
//   - Clear columns hold only routing fields: id, seq, sender, topic, type,
//     case_ref, urgency, handling, in_reply_to, times, status, and the
//     workflow state (answer status of a referral, escalation times).
//     Statistics reports also fill stats_cells (counts only, no person).
//   - PRAGMAs: journal_mode=WAL, synchronous=FULL, secure_delete=ON,
//     temp_store=MEMORY, foreign_keys=ON, busy_timeout. The file (and its
//     -wal/-shm) are 0600; state_dir is created 0700 and refused when group-
//     or world-accessible (Status::Permission naming it and the chmod).
//   - The schema is versioned (PRAGMA user_version); a newer version than
//     this build knows is Status::Config.
//
// Errors: SQLite failures are Status::IOError naming store.db and what was
// being done; a sealed value that does not open is Status::Corruption naming
// the row (never its content).
// Times are given by the caller (ms since the epoch): the store reads no clock.
// Thread-safety: one thread per Store object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/body_format.h"
#include "crypto/keys.h"
#include "util/bytes.h"
#include "store/sqlite_db.h"
#include "util/status.h"

namespace relais {

// A received message: the clear columns. The opened JSON (the object
// `relais-agent subscribe` prints, body included) is sealed beside them.
struct StoredMessage {
  std::string id;           // canonical UUID (primary key)
  uint64_t seq = 0;         // the broker's log seq
  std::string subscription; // "@mailbox" or the durable name it came by
  std::string sender;       // participant name
  std::string topic;
  std::string type;         // document type name: "referral", ...
  std::string case_ref;     // empty when none
  std::string urgency;
  std::string handling;
  std::string in_reply_to;  // empty when none
  int64_t ts_ms = 0;        // the envelope's ts
  int64_t expires_ms = 0;
  int64_t received_ms = 0;
  std::string status = "new";  // new | read | answered | expired
  // Referral workflow, for a received referral: the id of the automatic
  // `received` response queued for it (empty until queued; queued once).
  std::string auto_response_id;
};

// One outbox entry: a document this agent sends. Its id and expires are
// fixed when it is queued; it is sealed afresh at each attempt.
struct OutboxEntry {
  std::string id;           // canonical UUIDv7 (primary key)
  std::string topic;
  std::string type;
  std::string urgency = "routine";
  std::string handling = "H2";
  std::string case_ref;     // empty when none
  std::string in_reply_to;  // empty when none
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  std::string origin = "user";  // user | auto-received | escalation
  std::string status = "queued";  // queued | logged | refused
  std::string reason;       // why refused: "<code>: <text for people>" (never a document value)
  uint64_t seq = 0;         // once logged
  Bytes receipt;            // once logged: the broker's signed receipt
  Bytes anchor;             // once fetched: the checkpoint and inclusion proof covering the receipt
  int64_t attempts = 0;
  int64_t last_attempt_ms = 0;
  int64_t logged_ms = 0;
  // Referral workflow, for a sent referral:
  std::string answer_status;   // the latest response status received: received | accepted | rejected | ...
  int64_t escalate_at_ms = 0;  // 0: never (routine, or answered); else when to escalate
  std::string escalation_id;   // the id of the escalation queued (empty until escalated; once)
};

// One statistics cell of a stored statistics report (counts only).
struct StatsCell {
  std::string message_id;
  std::string sender;
  std::string period_start;   // YYYY-MM-DD
  std::string period_end;
  std::string region;
  std::string prefecture;
  std::string table;          // victims | referrals | alerts_by_kind
  std::string key;            // e.g. "made", "missing_child", or the victim row "9-17|female|child_labour|TG"
  std::optional<int64_t> count;  // nullopt: "suppressed"
};

// Counts for the service's metrics (clear columns only), and the size of
// store.db with its -wal file.
struct StoreCounts {
  int64_t inbox_total = 0;
  int64_t inbox_new = 0;
  int64_t outbox_queued = 0;
  int64_t outbox_logged = 0;
  int64_t outbox_refused = 0;
  int64_t oldest_queued_ms = 0;  // created_ms of the oldest queued entry; 0 when none
  int64_t file_bytes = 0;
};

struct InboxFilter {
  std::string type;    // empty: any
  std::string status;  // empty: any
  std::string case_ref;  // empty: any
  int64_t limit = 1000;
  std::string urgency;  // empty: any ("routine", "urgent", "immediate")
};

class Store {
 public:
  // Opens (creating when absent) state_dir/store.db. `identity` is the
  // current identity; `retired` the earlier ones of the same participant.
  static Result<std::unique_ptr<Store>> open(const std::string& state_dir, const Identity& identity,
                                             const std::vector<const Identity*>& retired);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Groups the store operations made until commit() in one transaction,
  // so that one sync covers them (each operation's own transaction becomes
  // a savepoint inside it). Not committed, everything is rolled back when
  // the Batch goes. One at a time, on the thread that uses the store.
  class Batch {
   public:
    Status commit() { return txn_.commit(); }

   private:
    friend class Store;
    explicit Batch(SqliteTransaction txn) : txn_(std::move(txn)) {}
    SqliteTransaction txn_;
  };
  Result<Batch> begin_batch(const std::string& what);

  // ---- received messages
  // Stores a message once: false when its id is already stored (nothing
  // changed). `opened` is the JSON text of the opened message.
  // Its attachments (the files of a body in format 2) are stored with it,
  // in the same transaction.
  Result<bool> put_message(const StoredMessage& meta, const std::string& opened,
                           const std::vector<Attachment>& attachments = {});
  // One received message for put_messages.
  struct Incoming {
    StoredMessage meta;
    std::string opened;
    std::vector<Attachment> attachments;
  };
  // Stores a burst of messages in one transaction (one sync for all, where
  // put_message syncs each): element i is put_message's answer for
  // batch[i]. All or nothing: on an error none of them is stored. Never
  // inside a Batch: on OK the messages are committed, and may be acknowledged.
  Result<std::vector<bool>> put_messages(const std::vector<Incoming>& batch);
  // The id of the outbox entry of `origin` replying to `in_reply_to` (the
  // workflow's automatic response or escalation); "" when there is none.
  Result<std::string> outbox_reply_id(const std::string& origin, const std::string& in_reply_to);
  Result<std::optional<StoredMessage>> message(const std::string& id);
  // The opened JSON text (decrypted).
  Result<std::string> open_message(const std::string& id);
  // A received message's attachments (decrypted), in their order; none for
  // a message without any (or an unknown id).
  Result<std::vector<Attachment>> message_attachments(const std::string& id);
  // One of them (index from 0): Status::NotFound when there is no such file.
  Result<Attachment> message_attachment(const std::string& id, size_t index);
  // Newest received first, at most filter.limit.
  Result<std::vector<StoredMessage>> messages(const InboxFilter& filter);
  // Status::NotFound for an unknown id, Status::Invalid for another status.
  Status set_message_status(const std::string& id, const std::string& status);
  // Once: Status::Invalid when another response id is already noted.
  Status set_auto_response(const std::string& message_id, const std::string& response_id);
  // Received referrals with no automatic response queued yet (not expired
  // ones), oldest first.
  Result<std::vector<StoredMessage>> referrals_awaiting_auto_response();
  // Stores the cells of a report (store/stats_cells.h makes them); the
  // cells already stored for the same message ids are replaced.
  Status put_stats_cells(const std::vector<StatsCell>& cells);
  // The cells of reports whose period lies within [period_start, period_end]
  // (YYYY-MM-DD; an empty bound is open).
  Result<std::vector<StatsCell>> stats_cells(const std::string& period_start, const std::string& period_end);

  // ---- outbox
  // Queues a document (sealed at rest). Status::Invalid when the id exists.
  // Its attachments are queued with it and sealed each attempt.
  Status enqueue(const OutboxEntry& entry, const std::string& document,
                 const std::vector<Attachment>& attachments = {});
  // A queued entry's attachments (decrypted), in their order.
  Result<std::vector<Attachment>> outbox_attachments(const std::string& id);
  Result<std::optional<OutboxEntry>> outbox_entry(const std::string& id);
  // The queued document (decrypted).
  Result<std::string> outbox_document(const std::string& id);
  // All entries, oldest first; with status non-empty only those.
  Result<std::vector<OutboxEntry>> outbox(const std::string& status = "");
  // The updates below are Status::NotFound for an unknown id.
  Status note_attempt(const std::string& id, int64_t now_ms);
  Status mark_logged(const std::string& id, uint64_t seq, const Bytes& receipt, int64_t now_ms);
  Status mark_refused(const std::string& id, const std::string& reason);
  Status set_anchor(const std::string& id, const Bytes& anchor);
  // Logged entries whose receipt has no anchor yet, oldest first, at most `limit`.
  Result<std::vector<OutboxEntry>> logged_without_anchor(int64_t limit);
  // After a restore of the broker's log (NOTICE restored): logged entries
  // whose seq is above `last_seq`, oldest first; their receipts may lie in
  // the lost range (service/restore_resend.h decides from the receipts).
  Result<std::vector<OutboxEntry>> logged_after(uint64_t last_seq);
  // Puts a logged entry back in the queue, same id and document, dropping
  // its seq, receipt and anchor, so the service sends it again.
  Status requeue(const std::string& id);
  // Referral workflow on a sent referral.
  Status set_answer_status(const std::string& referral_id, const std::string& status);
  Status set_escalate_at(const std::string& referral_id, int64_t at_ms);
  // Once: Status::Invalid when another escalation id is already noted.
  Status set_escalation(const std::string& referral_id, const std::string& escalation_id);
  // Sent referrals due for escalation at now_ms (escalate_at_ms != 0 and
  // <= now, no escalation queued, no accepted/rejected answer).
  Result<std::vector<OutboxEntry>> due_escalations(int64_t now_ms);

  // ---- one case: every received message and outbox entry with this
  // case_ref, plus those replying (in_reply_to) to one of them, followed
  // transitively (at most 64 replies deep, 10000 items), in time order
  // (then id).
  struct CaseItem {
    bool sent = false;  // an outbox entry (else a received message)
    std::string id;
    int64_t time_ms = 0;  // ts of a received message, created_ms of a sent one
  };
  Result<std::vector<CaseItem>> case_timeline(const std::string& case_ref);

  // ---- erasure (retention, erasure orders): deletes rows and their sealed
  // values, then wal_checkpoint(TRUNCATE). Returns how many rows went
  // (messages and outbox entries). With secure_delete the deleted bytes are
  // overwritten in store.db; when another process keeps the checkpoint from
  // emptying store.db-wal, Status::IOError says so (run it again).
  // A desk draft answering an erased message is erased with it.
  // erase_case: every item of case_timeline(case_ref), and the statistics
  // cells of its messages.
  Result<int64_t> erase_case(const std::string& case_ref);
  // One message (received or sent) by id, for an erasure order naming it.
  Result<int64_t> erase_message(const std::string& id);
  // Messages received before before_ms and outbox entries created before it
  // that are no longer queued, and desk drafts of the type last saved before
  // it; `type` empty: every type. Statistics cells stay (they hold no
  // person). The count includes the drafts.
  Result<int64_t> erase_older_than(const std::string& type, int64_t before_ms);

  // ---- desk drafts: a form a desk user saved without sending it. The
  // form's values (JSON text) are sealed like every body; the clear columns
  // hold only the owner, the document type, the message answered and the
  // time. The table is created at first use.
  struct Draft {
    std::string id;        // random, chosen by the desk
    std::string user;      // the desk account that saved it
    std::string type;      // document type name: "alert", ...
    std::string reply_to;  // the received message it answers; empty when none
    int64_t updated_ms = 0;
  };
  // Inserts or replaces the draft with this id.
  Status put_draft(const Draft& draft, const std::string& values);
  // `user`'s drafts, newest first (empty user: everyone's).
  Result<std::vector<Draft>> drafts(const std::string& user);
  Result<std::optional<Draft>> draft(const std::string& id);
  // The saved values (decrypted); Status::NotFound for an unknown id.
  Result<std::string> open_draft(const std::string& id);
  // Deletes it (nothing when absent).
  Status delete_draft(const std::string& id);

  // Counts by status, from indexed clear columns (no value is opened).
  Result<StoreCounts> counts();

  const std::string& path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace relais
