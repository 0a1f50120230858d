#include "desk/account_store.h"

#include "store/sqlite_db.h"
#include "store/store_file.h"

namespace relais::desk {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS desk_users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  password_changed_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS desk_throttle (
  name TEXT NOT NULL,
  address TEXT NOT NULL,
  failures INTEGER NOT NULL,
  locked_until_ms INTEGER NOT NULL,
  PRIMARY KEY (name, address)
);
CREATE TABLE IF NOT EXISTS desk_journal (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts_ms INTEGER NOT NULL,
  user TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  address TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS desk_journal_no_update BEFORE UPDATE ON desk_journal
  BEGIN SELECT RAISE(ABORT, 'the access journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS desk_journal_no_delete BEFORE DELETE ON desk_journal
  BEGIN SELECT RAISE(ABORT, 'the access journal is append-only'); END;
)sql";

Account account_of(SqliteStatement& st) {
  Account a;
  a.name = st.column_text(0);
  a.role = st.column_text(1);
  a.hash = st.column_text(2);
  a.created_ms = st.column_int64(3);
  a.password_changed_ms = st.column_int64(4);
  return a;
}

}  // namespace

bool is_valid_account_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

bool is_valid_role(const std::string& role) { return role == "viewer" || role == "caseworker" || role == "admin"; }

AccountStore::AccountStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
AccountStore::~AccountStore() = default;

Result<std::unique_ptr<AccountStore>> AccountStore::open(const std::string& state_dir) {
  // The store's own opening: state_dir 0700, store.db 0600, its PRAGMAs and schema.
  auto opened = open_store_file(state_dir);
  if (!opened.ok()) return opened.status();
  if (Status s = opened->txn->commit(); !s.ok()) return s;
  opened->txn.reset();
  std::unique_ptr<SqliteDb> db = std::move(opened->db);
  if (Status s = db->exec(kSchema, "create the desk tables"); !s.ok()) return s;
  if (Status s = restrict_store_side_files(db->path()); !s.ok()) return s;
  return std::unique_ptr<AccountStore>(new AccountStore(std::move(db)));
}

Status AccountStore::add(const Account& a) {
  if (!is_valid_account_name(a.name))
    return Status::Invalid("\"" + a.name +
                           "\" is not a valid user name: use 1 to 64 lowercase letters, digits, '.', '_' or '-', "
                           "like amivi.k");
  if (!is_valid_role(a.role))
    return Status::Invalid("\"" + a.role + "\" is not a role: use viewer, caseworker or admin");
  auto existing = find(a.name);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return Status::Invalid("the user " + a.name + " already exists");
  auto st = db_->prepare(
      "INSERT INTO desk_users (name, role, hash, created_ms, password_changed_ms) VALUES (?1, ?2, ?3, ?4, ?4)",
      "add the user");
  if (!st.ok()) return st.status();
  st->bind(1, a.name).bind(2, a.role).bind(3, a.hash).bind(4, a.created_ms);
  return st->run();
}

Result<std::optional<Account>> AccountStore::find(const std::string& name) {
  auto st = db_->prepare("SELECT name, role, hash, created_ms, password_changed_ms FROM desk_users WHERE name = ?1",
                         "read the user");
  if (!st.ok()) return st.status();
  st->bind(1, name);
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Account>();
  return std::optional<Account>(account_of(*st));
}

Result<std::vector<Account>> AccountStore::list() {
  auto st = db_->prepare("SELECT name, role, hash, created_ms, password_changed_ms FROM desk_users ORDER BY name",
                         "list the users");
  if (!st.ok()) return st.status();
  std::vector<Account> out;
  while (true) {
    auto row = st->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(account_of(*st));
  }
  return out;
}

Status AccountStore::remove(const std::string& name) {
  auto tx = SqliteTransaction::begin(*db_, true, "remove the user");
  if (!tx.ok()) return tx.status();
  auto a = find(name);
  if (!a.ok()) return a.status();
  if (!a->has_value()) return Status::NotFound("there is no user " + name + " (see relais-agent user list)");
  if ((*a)->role == "admin") {
    auto admins = db_->query_int("SELECT count(*) FROM desk_users WHERE role = 'admin'", "count the admins");
    if (!admins.ok()) return admins.status();
    if (*admins <= 1)
      return Status::Refused(name + " is the last admin: add another admin first, so someone can still manage "
                                    "the accounts");
  }
  for (const char* sql : {"DELETE FROM desk_users WHERE name = ?1", "DELETE FROM desk_throttle WHERE name = ?1"}) {
    auto st = db_->prepare(sql, "remove the user");
    if (!st.ok()) return st.status();
    st->bind(1, name);
    if (Status s = st->run(); !s.ok()) return s;
  }
  return tx->commit();
}

Status AccountStore::set_hash(const std::string& name, const std::string& hash, int64_t now_ms) {
  auto st = db_->prepare("UPDATE desk_users SET hash = ?2, password_changed_ms = ?3 WHERE name = ?1",
                         "change the password");
  if (!st.ok()) return st.status();
  st->bind(1, name).bind(2, hash).bind(3, now_ms);
  if (Status s = st->run(); !s.ok()) return s;
  if (db_->changes() == 0) return Status::NotFound("there is no user " + name + " (see relais-agent user list)");
  return Status::Ok();
}

Status AccountStore::set_role(const std::string& name, const std::string& role) {
  if (!is_valid_role(role)) return Status::Invalid("\"" + role + "\" is not a role: use viewer, caseworker or admin");
  auto st = db_->prepare("UPDATE desk_users SET role = ?2 WHERE name = ?1", "change the role");
  if (!st.ok()) return st.status();
  st->bind(1, name).bind(2, role);
  if (Status s = st->run(); !s.ok()) return s;
  if (db_->changes() == 0) return Status::NotFound("there is no user " + name + " (see relais-agent user list)");
  return Status::Ok();
}

Result<ThrottleState> AccountStore::throttle(const std::string& name, const std::string& address) {
  auto st = db_->prepare("SELECT failures, locked_until_ms FROM desk_throttle WHERE name = ?1 AND address = ?2",
                         "read the lockout state");
  if (!st.ok()) return st.status();
  st->bind(1, name).bind(2, address);
  auto row = st->step();
  if (!row.ok()) return row.status();
  ThrottleState t;
  if (*row) {
    t.failures = st->column_int64(0);
    t.locked_until_ms = st->column_int64(1);
  }
  return t;
}

Status AccountStore::set_throttle(const std::string& name, const std::string& address, const ThrottleState& t) {
  auto st = t.failures == 0
                ? db_->prepare("DELETE FROM desk_throttle WHERE name = ?1 AND address = ?2", "reset the lockout state")
                : db_->prepare("INSERT INTO desk_throttle (name, address, failures, locked_until_ms) "
                               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name, address) DO UPDATE SET "
                               "failures = excluded.failures, locked_until_ms = excluded.locked_until_ms",
                               "record the lockout state");
  if (!st.ok()) return st.status();
  st->bind(1, name).bind(2, address);
  if (t.failures != 0) st->bind(3, t.failures).bind(4, t.locked_until_ms);
  return st->run();
}

Result<int64_t> AccountStore::unlock(const std::string& name) {
  auto a = find(name);
  if (!a.ok()) return a.status();
  if (!a->has_value()) return Status::NotFound("there is no user " + name + " (see relais-agent user list)");
  auto st = db_->prepare("DELETE FROM desk_throttle WHERE name = ?1", "unlock the user");
  if (!st.ok()) return st.status();
  st->bind(1, name);
  if (Status s = st->run(); !s.ok()) return s;
  return db_->changes();
}

Status AccountStore::journal(const JournalEntry& e) {
  auto st = db_->prepare(
      "INSERT INTO desk_journal (ts_ms, user, action, object, address) VALUES (?1, ?2, ?3, ?4, ?5)",
      "write the access journal");
  if (!st.ok()) return st.status();
  st->bind(1, e.ts_ms).bind(2, e.user).bind(3, e.action).bind(4, e.object).bind(5, e.address);
  return st->run();
}

Result<std::vector<JournalEntry>> AccountStore::journal_entries(int64_t limit) {
  auto st = db_->prepare(
      "SELECT id, ts_ms, user, action, object, address FROM desk_journal ORDER BY id DESC LIMIT ?1",
      "read the access journal");
  if (!st.ok()) return st.status();
  st->bind(1, limit);
  std::vector<JournalEntry> out;
  while (true) {
    auto row = st->step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    JournalEntry e;
    e.id = st->column_int64(0);
    e.ts_ms = st->column_int64(1);
    e.user = st->column_text(2);
    e.action = st->column_text(3);
    e.object = st->column_text(4);
    e.address = st->column_text(5);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace relais::desk
