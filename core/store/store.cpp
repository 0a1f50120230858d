#include "store/store.h"

#include <sys/stat.h>

#include <cassert>
#include <algorithm>
#include <functional>
#include <set>
#include <unordered_set>

#include "store/sealed_value.h"
#include "util/msgpack_limits.h"
#include "util/wipe.h"
#include "store/sqlite_db.h"
#include "store/store_file.h"
#include "store/store_key.h"

namespace relais {
namespace {

constexpr const char* kMessageColumns =
    "id, seq, subscription, sender, topic, type, case_ref, urgency, handling, in_reply_to, ts_ms, expires_ms, "
    "received_ms, status, auto_response_id";
constexpr const char* kOutboxColumns =
    "id, topic, type, urgency, handling, case_ref, in_reply_to, created_ms, expires_ms, origin, status, reason, seq, "
    "receipt, anchor, attempts, last_attempt_ms, logged_ms, answer_status, escalate_at_ms, escalation_id";

// Bounds of a case timeline: how deep replies are followed, how many items.
constexpr int kMaxReplyDepth = 64;
constexpr size_t kMaxCaseItems = 10000;

bool valid_message_status(const std::string& s) {
  return s == "new" || s == "read" || s == "answered" || s == "expired";
}
bool valid_outbox_status(const std::string& s) { return s == "queued" || s == "logged" || s == "refused"; }

StoredMessage message_of(const SqliteStatement& st) {
  StoredMessage m;
  m.id = st.column_text(0);
  m.seq = static_cast<uint64_t>(st.column_int64(1));
  m.subscription = st.column_text(2);
  m.sender = st.column_text(3);
  m.topic = st.column_text(4);
  m.type = st.column_text(5);
  m.case_ref = st.column_text(6);
  m.urgency = st.column_text(7);
  m.handling = st.column_text(8);
  m.in_reply_to = st.column_text(9);
  m.ts_ms = st.column_int64(10);
  m.expires_ms = st.column_int64(11);
  m.received_ms = st.column_int64(12);
  m.status = st.column_text(13);
  m.auto_response_id = st.column_text(14);
  return m;
}

OutboxEntry entry_of(const SqliteStatement& st) {
  OutboxEntry e;
  e.id = st.column_text(0);
  e.topic = st.column_text(1);
  e.type = st.column_text(2);
  e.urgency = st.column_text(3);
  e.handling = st.column_text(4);
  e.case_ref = st.column_text(5);
  e.in_reply_to = st.column_text(6);
  e.created_ms = st.column_int64(7);
  e.expires_ms = st.column_int64(8);
  e.origin = st.column_text(9);
  e.status = st.column_text(10);
  e.reason = st.column_text(11);
  e.seq = static_cast<uint64_t>(st.column_int64(12));
  e.receipt = st.column_blob(13);
  e.anchor = st.column_blob(14);
  e.attempts = st.column_int64(15);
  e.last_attempt_ms = st.column_int64(16);
  e.logged_ms = st.column_int64(17);
  e.answer_status = st.column_text(18);
  e.escalate_at_ms = st.column_int64(19);
  e.escalation_id = st.column_text(20);
  return e;
}

template <class T, class RowFn>
Result<std::vector<T>> collect(SqliteStatement& st, RowFn row_fn) {
  std::vector<T> out;
  for (;;) {
    auto more = st.step();
    if (!more.ok()) return more.status();
    if (!*more) return out;
    out.push_back(row_fn(st));
  }
}

// How one file of the attachments table (store/store_file.cpp, version 2) is
// sealed: msgpack [name, media_type, bytes] under
// ("attachments", "<owner>/<id>/<index>", "file").

std::string attachment_row(std::string_view owner, const std::string& id, size_t index) {
  return std::string(owner) + "/" + id + "/" + std::to_string(index);
}

Bytes pack_attachment(const Attachment& a) {
  msgpack::sbuffer buf(a.data.size() + a.name.size() + a.media_type.size() + 16);
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(3);
  pk.pack(a.name);
  pk.pack(a.media_type);
  pk.pack_bin(static_cast<uint32_t>(a.data.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(a.data.data()), static_cast<uint32_t>(a.data.size()));
  const auto* p = reinterpret_cast<const uint8_t*>(buf.data());
  return Bytes(p, p + buf.size());
}

Result<Attachment> unpack_attachment(std::string_view row, std::string_view packed) {
  MsgpackLimits l;
  l.max_bytes = packed.size();
  l.depth = 1;
  l.array = 3;
  l.map = 0;
  l.str = 1024;
  l.bin = packed.size();
  auto oh = unpack_bounded(as_bytes(packed), l, MsgpackCopy::kReference);
  const Status bad = Status::Corruption("store: the attachment " + std::string(row) + " is damaged");
  if (!oh.ok()) return bad;
  const msgpack::object& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 3 || o.via.array.ptr[0].type != msgpack::type::STR ||
      o.via.array.ptr[1].type != msgpack::type::STR || o.via.array.ptr[2].type != msgpack::type::BIN)
    return bad;
  Attachment a;
  a.name.assign(o.via.array.ptr[0].via.str.ptr, o.via.array.ptr[0].via.str.size);
  a.media_type.assign(o.via.array.ptr[1].via.str.ptr, o.via.array.ptr[1].via.str.size);
  const auto* d = reinterpret_cast<const uint8_t*>(o.via.array.ptr[2].via.bin.ptr);
  a.data.assign(d, d + o.via.array.ptr[2].via.bin.size);
  return a;
}

}  // namespace

struct Store::Impl {
  std::string path;
  std::unique_ptr<SqliteDb> db;
  SecretBytes key;

  // Runs an UPDATE of one row by id (?1); Status::NotFound when no row matched.
  Status update_one(const std::string& sql, const std::string& what, const std::string& id, const char* noun,
                    const std::function<void(SqliteStatement&)>& bind_more);
  Status checkpoint_after_erasure(int64_t erased);
  Result<int64_t> erase_ids(const std::vector<CaseItem>& items, bool with_cells, const std::string& what);
  // Seals and inserts the files of one message or outbox entry (inside the caller's transaction).
  Status put_attachments(std::string_view owner, const std::string& id, const std::vector<Attachment>& files);
  // The files of one owner's id; with `only`, that index alone.
  Result<std::vector<Attachment>> attachments(std::string_view owner, const std::string& id,
                                              std::optional<size_t> only = std::nullopt);
  // Inserts one received message and its files unless its id is stored
  // (inside the caller's transaction): true when it was new.
  Result<bool> insert_message(const StoredMessage& meta, const std::string& opened,
                              const std::vector<Attachment>& attachments);
};

Result<bool> Store::Impl::insert_message(const StoredMessage& meta, const std::string& opened,
                                         const std::vector<Attachment>& files) {
  if (!valid_message_status(meta.status))
    return Status::Invalid("store: a message status is new, read, answered or expired, not " + meta.status);
  const Bytes sealed = seal_value(key, {"messages", meta.id, "opened"}, as_bytes(opened));
  auto st = db->prepare(
      "INSERT INTO messages (id, seq, subscription, sender, topic, type, case_ref, urgency, handling, in_reply_to, "
      "ts_ms, expires_ms, received_ms, status, auto_response_id, opened) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (id) DO NOTHING",
      "store a received message");
  if (!st.ok()) return st.status();
  st->bind(1, meta.id).bind(2, static_cast<int64_t>(meta.seq)).bind(3, meta.subscription).bind(4, meta.sender);
  st->bind(5, meta.topic).bind(6, meta.type).bind(7, meta.case_ref).bind(8, meta.urgency).bind(9, meta.handling);
  st->bind(10, meta.in_reply_to).bind(11, meta.ts_ms).bind(12, meta.expires_ms).bind(13, meta.received_ms);
  st->bind(14, meta.status).bind(15, meta.auto_response_id).bind_blob(16, sealed);
  RELAIS_RETURN_IF_ERROR(st->run());
  const bool fresh = db->changes() == 1;
  if (fresh) RELAIS_RETURN_IF_ERROR(put_attachments("messages", meta.id, files));
  return fresh;
}

Status Store::Impl::put_attachments(std::string_view owner, const std::string& id,
                                    const std::vector<Attachment>& files) {
  auto st = db->prepare("INSERT OR REPLACE INTO attachments (owner, id, idx, file) VALUES (?1, ?2, ?3, ?4)",
                        "store an attachment");
  if (!st.ok()) return st.status();
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string row = attachment_row(owner, id, i);
    Bytes packed = pack_attachment(files[i]);
    const Bytes sealed = seal_value(key, {"attachments", row, "file"}, packed);
    wipe(packed);
    st->reset();
    st->bind(1, std::string(owner)).bind(2, id).bind(3, static_cast<int64_t>(i)).bind_blob(4, sealed);
    RELAIS_RETURN_IF_ERROR(st->run());
  }
  return Status::Ok();
}

Result<std::vector<Attachment>> Store::Impl::attachments(std::string_view owner, const std::string& id,
                                                         std::optional<size_t> only) {
  auto st = db->prepare("SELECT idx, file FROM attachments WHERE owner = ?1 AND id = ?2 AND (?3 < 0 OR idx = ?3) "
                        "ORDER BY idx",
                        "read attachments");
  if (!st.ok()) return st.status();
  st->bind(1, std::string(owner)).bind(2, id).bind(3, only ? static_cast<int64_t>(*only) : int64_t{-1});
  std::vector<Attachment> out;
  for (;;) {
    auto more = st->step();
    if (!more.ok()) return more.status();
    if (!*more) break;
    const std::string row = attachment_row(owner, id, static_cast<size_t>(st->column_int64(0)));
    auto packed = open_value(key, {"attachments", row, "file"}, st->column_blob(1));
    if (!packed.ok()) return packed.status();
    WipeOnExit wipe_packed(*packed);
    auto a = unpack_attachment(row, *packed);
    if (!a.ok()) return a.status();
    out.push_back(std::move(a).value());
  }
  return out;
}

Status Store::Impl::update_one(const std::string& sql, const std::string& what, const std::string& id,
                               const char* noun, const std::function<void(SqliteStatement&)>& bind_more) {
  auto st = db->prepare(sql, what);
  if (!st.ok()) return st.status();
  st->bind(1, id);
  if (bind_more) bind_more(*st);
  RELAIS_RETURN_IF_ERROR(st->run());
  if (db->changes() == 0) return Status::NotFound(std::string("store: no ") + noun + " with id " + id);
  return Status::Ok();
}

Status Store::Impl::checkpoint_after_erasure(int64_t erased) {
  auto st = db->prepare("PRAGMA wal_checkpoint(TRUNCATE)", "empty the write-ahead log after an erasure");
  if (!st.ok()) return st.status();
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (*row && st->column_int64(0) != 0)
    return Status::IOError("store: " + std::to_string(erased) +
                           " rows were erased, but another process was reading the store, so their earlier pages "
                           "remain in " + path + "-wal until the next checkpoint; run the erasure again when the "
                           "service is idle");
  return Status::Ok();
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->path; }

Result<std::unique_ptr<Store>> Store::open(const std::string& state_dir, const Identity& identity,
                                           const std::vector<const Identity*>& retired) {
  auto file = open_store_file(state_dir);
  if (!file.ok()) return file.status();
  auto impl = std::make_unique<Impl>();
  impl->path = file->db->path();
  auto key = load_store_key(*file->db, identity, retired, file->has_values);
  if (!key.ok()) return key.status();
  RELAIS_RETURN_IF_ERROR(file->txn->commit());
  file->txn.reset();
  impl->key = std::move(key).value();
  impl->db = std::move(file->db);
  RELAIS_RETURN_IF_ERROR(restrict_store_side_files(impl->path));
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

// ---- received messages

Result<bool> Store::put_message(const StoredMessage& meta, const std::string& opened,
                                const std::vector<Attachment>& attachments) {
  if (meta.id.empty()) return Status::Invalid("store: a message needs an id");
  auto txn = SqliteTransaction::begin(*impl_->db, true, "store a received message");
  if (!txn.ok()) return txn.status();
  auto fresh = impl_->insert_message(meta, opened, attachments);
  if (!fresh.ok()) return fresh.status();
  RELAIS_RETURN_IF_ERROR(txn->commit());
  return *fresh;
}

Result<Store::Batch> Store::begin_batch(const std::string& what) {
  auto txn = SqliteTransaction::begin(*impl_->db, true, what);
  if (!txn.ok()) return txn.status();
  return Batch(std::move(txn).value());
}

Result<std::string> Store::outbox_reply_id(const std::string& origin, const std::string& in_reply_to) {
  auto st = impl_->db->prepare("SELECT id FROM outbox WHERE in_reply_to = ?1 AND origin = ?2 ORDER BY created_ms, id LIMIT 1",
                               "look for a reply in the outbox");
  if (!st.ok()) return st.status();
  st->bind(1, in_reply_to).bind(2, origin);
  auto row = st->step();
  if (!row.ok()) return row.status();
  return *row ? st->column_text(0) : std::string();
}

Result<std::vector<bool>> Store::put_messages(const std::vector<Incoming>& batch) {
  std::vector<bool> fresh;
  if (batch.empty()) return fresh;
  for (const Incoming& m : batch)
    if (m.meta.id.empty()) return Status::Invalid("store: a message needs an id");
  // The caller acknowledges once this returns: its own COMMIT, never a
  // savepoint released inside someone's Batch that may still roll back.
  assert(!impl_->db->in_transaction() && "put_messages inside a Batch: the acknowledgement would precede the commit");
  auto txn = SqliteTransaction::begin(*impl_->db, true, "store received messages");
  if (!txn.ok()) return txn.status();
  fresh.reserve(batch.size());
  for (const Incoming& m : batch) {
    auto one = impl_->insert_message(m.meta, m.opened, m.attachments);
    if (!one.ok()) return one.status();  // the transaction rolls back: none stored
    fresh.push_back(*one);
  }
  RELAIS_RETURN_IF_ERROR(txn->commit());
  return fresh;
}

Result<std::vector<Attachment>> Store::message_attachments(const std::string& id) {
  return impl_->attachments("messages", id);
}

Result<Attachment> Store::message_attachment(const std::string& id, size_t index) {
  auto one = impl_->attachments("messages", id, index);
  if (!one.ok()) return one.status();
  if (one->empty())
    return Status::NotFound("store: message " + id + " has no attachment number " + std::to_string(index + 1));
  return std::move(one->front());
}

Result<std::optional<StoredMessage>> Store::message(const std::string& id) {
  auto st = impl_->db->prepare(std::string("SELECT ") + kMessageColumns + " FROM messages WHERE id = ?1",
                               "read a message");
  if (!st.ok()) return st.status();
  st->bind(1, id);
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<StoredMessage>();
  return std::optional<StoredMessage>(message_of(*st));
}

Result<std::string> Store::open_message(const std::string& id) {
  auto st = impl_->db->prepare("SELECT opened FROM messages WHERE id = ?1", "read a message");
  if (!st.ok()) return st.status();
  st->bind(1, id);
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("store: no message with id " + id);
  return open_value(impl_->key, {"messages", id, "opened"}, st->column_blob(0));
}

Result<std::vector<StoredMessage>> Store::messages(const InboxFilter& filter) {
  // Only the filters given are in the WHERE clause, so that SQLite answers
  // from the index that matches them (messages_by_type, _by_status,
  // _by_type_status, _by_urgency walk newest first; _by_case holds a case's
  // few rows):
  // "(?1 = '' OR type = ?1)" would match no index and scan every row.
  std::string where;
  auto add = [&where](const char* term) { where += (where.empty() ? " WHERE " : " AND ") + std::string(term); };
  if (!filter.type.empty()) add("type = ?1");
  if (!filter.status.empty()) add("status = ?2");
  if (!filter.case_ref.empty()) add("case_ref = ?3");
  if (!filter.urgency.empty()) add("urgency = ?5");
  auto st = impl_->db->prepare(std::string("SELECT ") + kMessageColumns + " FROM messages" + where +
                                   " ORDER BY received_ms DESC, id DESC LIMIT ?4",
                               "read the inbox");
  if (!st.ok()) return st.status();
  st->bind(1, filter.type).bind(2, filter.status).bind(3, filter.case_ref).bind(4, std::max<int64_t>(filter.limit, 0));
  if (!filter.urgency.empty()) st->bind(5, filter.urgency);  // ?5 exists only when given (LIMIT is ?4)
  return collect<StoredMessage>(*st, message_of);
}

Status Store::set_message_status(const std::string& id, const std::string& status) {
  if (!valid_message_status(status))
    return Status::Invalid("store: a message status is new, read, answered or expired, not " + status);
  return impl_->update_one("UPDATE messages SET status = ?2 WHERE id = ?1", "change a message's status", id,
                           "message", [&](SqliteStatement& st) { st.bind(2, status); });
}

Status Store::set_auto_response(const std::string& message_id, const std::string& response_id) {
  if (response_id.empty()) return Status::Invalid("store: an automatic response needs an id");
  Status s = impl_->update_one(
      "UPDATE messages SET auto_response_id = ?2 WHERE id = ?1 AND auto_response_id IN ('', ?2)",
      "note the automatic response", message_id, "message", [&](SqliteStatement& st) { st.bind(2, response_id); });
  if (s.code() != Code::kNotFound) return s;
  auto m = message(message_id);
  if (!m.ok()) return m.status();
  if (!*m) return s;
  return Status::Invalid("store: message " + message_id + " already has its automatic response " +
                         (*m)->auto_response_id);
}

Result<std::vector<StoredMessage>> Store::referrals_awaiting_auto_response() {
  auto st = impl_->db->prepare(std::string("SELECT ") + kMessageColumns +
                                   " FROM messages WHERE type = 'referral' AND auto_response_id = '' "
                                   "AND status <> 'expired' ORDER BY received_ms, id",
                               "read the referrals awaiting a response");
  if (!st.ok()) return st.status();
  return collect<StoredMessage>(*st, message_of);
}

Status Store::put_stats_cells(const std::vector<StatsCell>& cells) {
  auto txn = SqliteTransaction::begin(*impl_->db, true, "store statistics cells");
  if (!txn.ok()) return txn.status();
  std::set<std::string> ids;
  for (const auto& c : cells) ids.insert(c.message_id);
  {
    auto del = impl_->db->prepare("DELETE FROM stats_cells WHERE message_id = ?1", "replace statistics cells");
    if (!del.ok()) return del.status();
    for (const auto& id : ids) {
      del->reset();
      del->bind(1, id);
      RELAIS_RETURN_IF_ERROR(del->run());
    }
  }
  auto ins = impl_->db->prepare(
      "INSERT OR REPLACE INTO stats_cells (message_id, sender, period_start, period_end, region, prefecture, tbl, key, "
      "count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
      "store statistics cells");
  if (!ins.ok()) return ins.status();
  for (const auto& c : cells) {
    ins->reset();
    ins->bind(1, c.message_id).bind(2, c.sender).bind(3, c.period_start).bind(4, c.period_end).bind(5, c.region);
    ins->bind(6, c.prefecture).bind(7, c.table).bind(8, c.key);
    if (c.count) ins->bind(9, *c.count); else ins->bind_null(9);
    RELAIS_RETURN_IF_ERROR(ins->run());
  }
  return txn->commit();
}

Result<std::vector<StatsCell>> Store::stats_cells(const std::string& period_start, const std::string& period_end) {
  auto st = impl_->db->prepare(
      "SELECT message_id, sender, period_start, period_end, region, prefecture, tbl, key, count FROM stats_cells "
      "WHERE (?1 = '' OR period_start >= ?1) AND (?2 = '' OR period_end <= ?2) "
      "ORDER BY period_start, period_end, region, prefecture, message_id, tbl, key",
      "read statistics cells");
  if (!st.ok()) return st.status();
  st->bind(1, period_start).bind(2, period_end);
  return collect<StatsCell>(*st, [](const SqliteStatement& s) {
    StatsCell c;
    c.message_id = s.column_text(0);
    c.sender = s.column_text(1);
    c.period_start = s.column_text(2);
    c.period_end = s.column_text(3);
    c.region = s.column_text(4);
    c.prefecture = s.column_text(5);
    c.table = s.column_text(6);
    c.key = s.column_text(7);
    if (!s.column_is_null(8)) c.count = s.column_int64(8);
    return c;
  });
}

// ---- outbox

Status Store::enqueue(const OutboxEntry& e, const std::string& document, const std::vector<Attachment>& attachments) {
  if (e.id.empty()) return Status::Invalid("store: an outbox entry needs an id");
  auto txn = SqliteTransaction::begin(*impl_->db, true, "queue a document");
  if (!txn.ok()) return txn.status();
  if (!valid_outbox_status(e.status))
    return Status::Invalid("store: an outbox status is queued, logged or refused, not " + e.status);
  const Bytes sealed = seal_value(impl_->key, {"outbox", e.id, "document"}, as_bytes(document));
  auto st = impl_->db->prepare(
      "INSERT INTO outbox (id, topic, type, urgency, handling, case_ref, in_reply_to, created_ms, expires_ms, origin, "
      "status, reason, seq, receipt, anchor, attempts, last_attempt_ms, logged_ms, answer_status, escalate_at_ms, "
      "escalation_id, document) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
      "?18, ?19, ?20, ?21, ?22) ON CONFLICT (id) DO NOTHING",
      "queue a document");
  if (!st.ok()) return st.status();
  st->bind(1, e.id).bind(2, e.topic).bind(3, e.type).bind(4, e.urgency).bind(5, e.handling).bind(6, e.case_ref);
  st->bind(7, e.in_reply_to).bind(8, e.created_ms).bind(9, e.expires_ms).bind(10, e.origin).bind(11, e.status);
  st->bind(12, e.reason).bind(13, static_cast<int64_t>(e.seq)).bind_blob(14, e.receipt).bind_blob(15, e.anchor);
  st->bind(16, e.attempts).bind(17, e.last_attempt_ms).bind(18, e.logged_ms).bind(19, e.answer_status);
  st->bind(20, e.escalate_at_ms).bind(21, e.escalation_id).bind_blob(22, sealed);
  RELAIS_RETURN_IF_ERROR(st->run());
  if (impl_->db->changes() == 0)
    return Status::Invalid("store: the outbox already holds an entry with id " + e.id);
  RELAIS_RETURN_IF_ERROR(impl_->put_attachments("outbox", e.id, attachments));
  return txn->commit();
}

Result<std::vector<Attachment>> Store::outbox_attachments(const std::string& id) {
  return impl_->attachments("outbox", id);
}

Result<std::optional<OutboxEntry>> Store::outbox_entry(const std::string& id) {
  auto st = impl_->db->prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?1",
                               "read an outbox entry");
  if (!st.ok()) return st.status();
  st->bind(1, id);
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<OutboxEntry>();
  return std::optional<OutboxEntry>(entry_of(*st));
}

Result<std::string> Store::outbox_document(const std::string& id) {
  auto st = impl_->db->prepare("SELECT document FROM outbox WHERE id = ?1", "read an outbox entry");
  if (!st.ok()) return st.status();
  st->bind(1, id);
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("store: no outbox entry with id " + id);
  return open_value(impl_->key, {"outbox", id, "document"}, st->column_blob(0));
}

Result<std::vector<OutboxEntry>> Store::outbox(const std::string& status) {
  auto st = impl_->db->prepare(std::string("SELECT ") + kOutboxColumns +
                                   " FROM outbox WHERE (?1 = '' OR status = ?1) ORDER BY created_ms, id",
                               "read the outbox");
  if (!st.ok()) return st.status();
  st->bind(1, status);
  return collect<OutboxEntry>(*st, entry_of);
}

Result<std::vector<OutboxEntry>> Store::logged_without_anchor(int64_t limit) {
  auto st = impl_->db->prepare(std::string("SELECT ") + kOutboxColumns +
                                   " FROM outbox WHERE status = 'logged' AND length(anchor) = 0 "
                                   "ORDER BY created_ms, id LIMIT ?1",
                               "read the receipts waiting for an anchor");
  if (!st.ok()) return st.status();
  st->bind(1, limit);
  return collect<OutboxEntry>(*st, entry_of);
}

Result<std::vector<OutboxEntry>> Store::logged_after(uint64_t last_seq) {
  auto st = impl_->db->prepare(std::string("SELECT ") + kOutboxColumns +
                                   " FROM outbox WHERE status = 'logged' AND seq > ?1 ORDER BY seq",
                               "read the entries logged after a restored seq");
  if (!st.ok()) return st.status();
  st->bind(1, static_cast<int64_t>(last_seq));
  return collect<OutboxEntry>(*st, entry_of);
}

Status Store::requeue(const std::string& id) {
  return impl_->update_one(
      "UPDATE outbox SET status = 'queued', seq = 0, receipt = x'', anchor = x'', logged_ms = 0, reason = '' "
      "WHERE id = ?1 AND status = 'logged'",
      "queue a document again", id, "logged outbox entry", [](SqliteStatement&) {});
}

Result<StoreCounts> Store::counts() {
  StoreCounts c;
  auto st = impl_->db->prepare("SELECT 'in', status, count(*), 0 FROM messages GROUP BY status "
                               "UNION ALL SELECT 'out', status, count(*), min(created_ms) FROM outbox GROUP BY status",
                               "count the stored messages");
  if (!st.ok()) return st.status();
  while (true) {
    auto row = st->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string table = st->column_text(0), status = st->column_text(1);
    const int64_t n = st->column_int64(2);
    if (table == "in") {
      c.inbox_total += n;
      if (status == "new") c.inbox_new = n;
    } else if (status == "queued") {
      c.outbox_queued = n;
      c.oldest_queued_ms = st->column_int64(3);
    } else if (status == "logged") {
      c.outbox_logged = n;
    } else if (status == "refused") {
      c.outbox_refused = n;
    }
  }
  struct stat fs {};
  for (const std::string& f : {impl_->path, impl_->path + "-wal"})
    if (::stat(f.c_str(), &fs) == 0) c.file_bytes += static_cast<int64_t>(fs.st_size);
  return c;
}

Status Store::note_attempt(const std::string& id, int64_t now_ms) {
  return impl_->update_one("UPDATE outbox SET attempts = attempts + 1, last_attempt_ms = ?2 WHERE id = ?1",
                           "note a sending attempt", id, "outbox entry",
                           [&](SqliteStatement& st) { st.bind(2, now_ms); });
}

Status Store::mark_logged(const std::string& id, uint64_t seq, const Bytes& receipt, int64_t now_ms) {
  return impl_->update_one(
      "UPDATE outbox SET status = 'logged', seq = ?2, receipt = ?3, logged_ms = ?4, reason = '' WHERE id = ?1",
      "note a logged document", id, "outbox entry", [&](SqliteStatement& st) {
        st.bind(2, static_cast<int64_t>(seq)).bind_blob(3, receipt).bind(4, now_ms);
      });
}

Status Store::mark_refused(const std::string& id, const std::string& reason) {
  return impl_->update_one("UPDATE outbox SET status = 'refused', reason = ?2 WHERE id = ?1",
                           "note a refused document", id, "outbox entry",
                           [&](SqliteStatement& st) { st.bind(2, reason); });
}

Status Store::set_anchor(const std::string& id, const Bytes& anchor) {
  return impl_->update_one("UPDATE outbox SET anchor = ?2 WHERE id = ?1", "store a receipt's anchor", id,
                           "outbox entry", [&](SqliteStatement& st) { st.bind_blob(2, anchor); });
}

Status Store::set_answer_status(const std::string& referral_id, const std::string& status) {
  return impl_->update_one("UPDATE outbox SET answer_status = ?2 WHERE id = ?1", "note a referral's answer",
                           referral_id, "outbox entry", [&](SqliteStatement& st) { st.bind(2, status); });
}

Status Store::set_escalate_at(const std::string& referral_id, int64_t at_ms) {
  return impl_->update_one("UPDATE outbox SET escalate_at_ms = ?2 WHERE id = ?1", "set a referral's escalation time",
                           referral_id, "outbox entry", [&](SqliteStatement& st) { st.bind(2, at_ms); });
}

Status Store::set_escalation(const std::string& referral_id, const std::string& escalation_id) {
  if (escalation_id.empty()) return Status::Invalid("store: an escalation needs an id");
  Status s = impl_->update_one(
      "UPDATE outbox SET escalation_id = ?2 WHERE id = ?1 AND escalation_id IN ('', ?2)", "note an escalation",
      referral_id, "outbox entry", [&](SqliteStatement& st) { st.bind(2, escalation_id); });
  if (s.code() != Code::kNotFound) return s;
  auto e = outbox_entry(referral_id);
  if (!e.ok()) return e.status();
  if (!*e) return s;
  return Status::Invalid("store: referral " + referral_id + " was already escalated by " + (*e)->escalation_id);
}

Result<std::vector<OutboxEntry>> Store::due_escalations(int64_t now_ms) {
  auto st = impl_->db->prepare(std::string("SELECT ") + kOutboxColumns +
                                   " FROM outbox WHERE escalate_at_ms <> 0 AND escalate_at_ms <= ?1 "
                                   "AND escalation_id = '' AND answer_status NOT IN ('accepted', 'rejected') "
                                   "ORDER BY escalate_at_ms, id",
                               "read the referrals due for escalation");
  if (!st.ok()) return st.status();
  st->bind(1, now_ms);
  return collect<OutboxEntry>(*st, entry_of);
}

// ---- one case

Result<std::vector<Store::CaseItem>> Store::case_timeline(const std::string& case_ref) {
  if (case_ref.empty()) return Status::Invalid("store: a case timeline needs a case reference");
  std::vector<CaseItem> items;
  std::unordered_set<std::string> seen_messages, seen_outbox;
  std::vector<std::string> frontier;
  auto take = [&](SqliteStatement& st, bool sent) -> Status {
    for (;;) {
      auto more = st.step();
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
      if (items.size() >= kMaxCaseItems) continue;
      std::string id = st.column_text(0);
      auto& seen = sent ? seen_outbox : seen_messages;
      if (!seen.insert(id).second) continue;
      items.push_back({sent, id, st.column_int64(1)});
      frontier.push_back(std::move(id));
    }
  };
  auto by_case_m = impl_->db->prepare("SELECT id, ts_ms FROM messages WHERE case_ref = ?1", "read a case");
  if (!by_case_m.ok()) return by_case_m.status();
  by_case_m->bind(1, case_ref);
  RELAIS_RETURN_IF_ERROR(take(*by_case_m, false));
  auto by_case_o = impl_->db->prepare("SELECT id, created_ms FROM outbox WHERE case_ref = ?1", "read a case");
  if (!by_case_o.ok()) return by_case_o.status();
  by_case_o->bind(1, case_ref);
  RELAIS_RETURN_IF_ERROR(take(*by_case_o, true));

  auto reply_m = impl_->db->prepare("SELECT id, ts_ms FROM messages WHERE in_reply_to = ?1", "read a case");
  if (!reply_m.ok()) return reply_m.status();
  auto reply_o = impl_->db->prepare("SELECT id, created_ms FROM outbox WHERE in_reply_to = ?1", "read a case");
  if (!reply_o.ok()) return reply_o.status();
  std::unordered_set<std::string> expanded;
  for (int depth = 0; depth < kMaxReplyDepth && !frontier.empty() && items.size() < kMaxCaseItems; ++depth) {
    std::vector<std::string> current;
    current.swap(frontier);
    for (const auto& id : current) {
      if (!expanded.insert(id).second) continue;  // the same id sent and received
      reply_m->reset();
      reply_m->bind(1, id);
      RELAIS_RETURN_IF_ERROR(take(*reply_m, false));
      reply_o->reset();
      reply_o->bind(1, id);
      RELAIS_RETURN_IF_ERROR(take(*reply_o, true));
    }
  }
  std::sort(items.begin(), items.end(), [](const CaseItem& a, const CaseItem& b) {
    if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
    if (a.id != b.id) return a.id < b.id;
    return a.sent < b.sent;
  });
  return items;
}

// ---- erasure

namespace {

// The desk's drafts (created on first use). A draft answering a message
// goes with it when the message is erased.
constexpr const char* kDraftsTable =
    "CREATE TABLE IF NOT EXISTS drafts (id TEXT PRIMARY KEY, user TEXT NOT NULL, type TEXT NOT NULL, "
    "reply_to TEXT NOT NULL DEFAULT '', updated_ms INTEGER NOT NULL, \"values\" BLOB NOT NULL)";

}  // namespace

Result<int64_t> Store::Impl::erase_ids(const std::vector<CaseItem>& items, bool with_cells, const std::string& what) {
  RELAIS_RETURN_IF_ERROR(db->exec(kDraftsTable, "create the drafts table"));
  auto txn = SqliteTransaction::begin(*db, true, what);
  if (!txn.ok()) return txn.status();
  auto del_d = db->prepare("DELETE FROM drafts WHERE reply_to = ?1", what);
  if (!del_d.ok()) return del_d.status();
  auto del_m = db->prepare("DELETE FROM messages WHERE id = ?1", what);
  if (!del_m.ok()) return del_m.status();
  auto del_o = db->prepare("DELETE FROM outbox WHERE id = ?1", what);
  if (!del_o.ok()) return del_o.status();
  auto del_c = db->prepare("DELETE FROM stats_cells WHERE message_id = ?1", what);
  if (!del_c.ok()) return del_c.status();
  auto del_a = db->prepare("DELETE FROM attachments WHERE owner = ?1 AND id = ?2", what);
  if (!del_a.ok()) return del_a.status();
  int64_t erased = 0;
  for (const auto& item : items) {
    auto& st = item.sent ? *del_o : *del_m;
    st.reset();
    st.bind(1, item.id);
    RELAIS_RETURN_IF_ERROR(st.run());
    erased += db->changes();
    del_a->reset();
    del_a->bind(1, std::string(item.sent ? "outbox" : "messages")).bind(2, item.id);
    RELAIS_RETURN_IF_ERROR(del_a->run());
    if (!item.sent) {
      del_d->reset();
      del_d->bind(1, item.id);
      RELAIS_RETURN_IF_ERROR(del_d->run());
    }
    if (with_cells && !item.sent) {
      del_c->reset();
      del_c->bind(1, item.id);
      RELAIS_RETURN_IF_ERROR(del_c->run());
    }
  }
  RELAIS_RETURN_IF_ERROR(txn->commit());
  RELAIS_RETURN_IF_ERROR(checkpoint_after_erasure(erased));
  return erased;
}

Result<int64_t> Store::erase_case(const std::string& case_ref) {
  auto items = case_timeline(case_ref);
  if (!items.ok()) return items.status();
  return impl_->erase_ids(*items, true, "erase a case");
}

Result<int64_t> Store::erase_message(const std::string& id) {
  CaseItem received{false, id, 0}, sent{true, id, 0};
  return impl_->erase_ids({received, sent}, true, "erase a message");
}

Result<int64_t> Store::erase_older_than(const std::string& type, int64_t before_ms) {
  std::vector<CaseItem> items;
  {
    auto m = impl_->db->prepare("SELECT id FROM messages WHERE (?1 = '' OR type = ?1) AND received_ms < ?2",
                                "find messages past their retention");
    if (!m.ok()) return m.status();
    m->bind(1, type).bind(2, before_ms);
    auto ids = collect<CaseItem>(*m, [](const SqliteStatement& s) { return CaseItem{false, s.column_text(0), 0}; });
    if (!ids.ok()) return ids.status();
    items = std::move(ids).value();
  }
  {
    auto o = impl_->db->prepare(
        "SELECT id FROM outbox WHERE (?1 = '' OR type = ?1) AND created_ms < ?2 AND status <> 'queued'",
        "find outbox entries past their retention");
    if (!o.ok()) return o.status();
    o->bind(1, type).bind(2, before_ms);
    auto ids = collect<CaseItem>(*o, [](const SqliteStatement& s) { return CaseItem{true, s.column_text(0), 0}; });
    if (!ids.ok()) return ids.status();
    items.insert(items.end(), ids->begin(), ids->end());
  }
  auto erased = impl_->erase_ids(items, false, "erase what is past its retention");
  if (!erased.ok()) return erased;
  // Drafts of the type not touched since the cutoff go too.
  auto d = impl_->db->prepare("DELETE FROM drafts WHERE (?1 = '' OR type = ?1) AND updated_ms < ?2",
                              "erase drafts past their retention");
  if (!d.ok()) return d.status();
  d->bind(1, type).bind(2, before_ms);
  RELAIS_RETURN_IF_ERROR(d->run());
  const int64_t drafts = impl_->db->changes();
  if (drafts > 0) RELAIS_RETURN_IF_ERROR(impl_->checkpoint_after_erasure(drafts));
  return *erased + drafts;
}


// ---- desk drafts

namespace {

Store::Draft draft_of(const SqliteStatement& st) {
  Store::Draft d;
  d.id = st.column_text(0);
  d.user = st.column_text(1);
  d.type = st.column_text(2);
  d.reply_to = st.column_text(3);
  d.updated_ms = st.column_int64(4);
  return d;
}

}  // namespace

Status Store::put_draft(const Draft& draft, const std::string& values) {
  RELAIS_RETURN_IF_ERROR(impl_->db->exec(kDraftsTable, "create the drafts table"));
  const Bytes sealed = seal_value(impl_->key, {"drafts", draft.id, "values"}, as_bytes(values));
  auto st = impl_->db->prepare(
      "INSERT OR REPLACE INTO drafts (id, user, type, reply_to, updated_ms, \"values\") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      "save a draft");
  if (!st.ok()) return st.status();
  st->bind(1, draft.id).bind(2, draft.user).bind(3, draft.type).bind(4, draft.reply_to).bind(5, draft.updated_ms);
  st->bind_blob(6, sealed);
  return st->run();
}

Result<std::vector<Store::Draft>> Store::drafts(const std::string& user) {
  RELAIS_RETURN_IF_ERROR(impl_->db->exec(kDraftsTable, "create the drafts table"));
  auto st = impl_->db->prepare(
      "SELECT id, user, type, reply_to, updated_ms FROM drafts WHERE (?1 = '' OR user = ?1) "
      "ORDER BY updated_ms DESC, id",
      "list the drafts");
  if (!st.ok()) return st.status();
  st->bind(1, user);
  return collect<Draft>(*st, draft_of);
}

Result<std::optional<Store::Draft>> Store::draft(const std::string& id) {
  RELAIS_RETURN_IF_ERROR(impl_->db->exec(kDraftsTable, "create the drafts table"));
  auto st = impl_->db->prepare("SELECT id, user, type, reply_to, updated_ms FROM drafts WHERE id = ?1", "read a draft");
  if (!st.ok()) return st.status();
  st->bind(1, id);
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Draft>();
  return std::optional<Draft>(draft_of(*st));
}

Result<std::string> Store::open_draft(const std::string& id) {
  RELAIS_RETURN_IF_ERROR(impl_->db->exec(kDraftsTable, "create the drafts table"));
  auto st = impl_->db->prepare("SELECT \"values\" FROM drafts WHERE id = ?1", "read a draft");
  if (!st.ok()) return st.status();
  st->bind(1, id);
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("store: no draft with id " + id);
  return open_value(impl_->key, {"drafts", id, "values"}, st->column_blob(0));
}

Status Store::delete_draft(const std::string& id) {
  RELAIS_RETURN_IF_ERROR(impl_->db->exec(kDraftsTable, "create the drafts table"));
  auto st = impl_->db->prepare("DELETE FROM drafts WHERE id = ?1", "delete a draft");
  if (!st.ok()) return st.status();
  st->bind(1, id);
  return st->run();
}

}  // namespace relais
