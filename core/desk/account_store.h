// AccountStore: the desk's accounts, lockout state and access journal,
// kept in the agency's store file (state_dir/store.db, beside the messages,
// in tables of their own: desk_users, desk_throttle, desk_journal), so the
// `relais-agent user ...` commands and the running service share them.
//
// Accounts: a name (lowercase letters, digits, '.', '_' or '-', 1 to 64
// characters), a role (viewer | caseworker | admin) and an Argon2id hash
// (desk/password_hasher.h); never the password. The last admin cannot be
// removed (Status::Refused), so the desk always has someone to manage it.
//
// Lockout: per (account, client address), the ThrottleState of
// desk/login_throttle.h; `user unlock` clears every address of an account.
//
// Journal: append-only (SQLite triggers refuse UPDATE and DELETE on it):
// who opened which message or case, logged in or out, and when. It holds
// ids and case references, never message content.
//
// The file is opened like the store's own (created 0600 in a 0700 folder);
// every failure is Status::IOError
// naming store.db and what was being done. One thread per AccountStore.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "desk/login_throttle.h"
#include "util/status.h"

namespace relais {
class SqliteDb;
}

namespace relais::desk {

struct Account {
  std::string name;
  std::string role;
  std::string hash;  // Argon2id string (crypto_pwhash_str)
  int64_t created_ms = 0;
  int64_t password_changed_ms = 0;
};

struct JournalEntry {
  int64_t id = 0;
  int64_t ts_ms = 0;
  std::string user;
  std::string action;   // login | logout | open_message | open_case | ...
  std::string object;   // a message id, a case reference, or empty
  std::string address;  // the client's address
};

bool is_valid_account_name(const std::string& name);
bool is_valid_role(const std::string& role);

class AccountStore {
 public:
  // Opens state_dir/store.db as the store does (store/store_file.h: the
  // folder created 0700, the file 0600, looser ones refused).
  static Result<std::unique_ptr<AccountStore>> open(const std::string& state_dir);
  ~AccountStore();
  AccountStore(const AccountStore&) = delete;
  AccountStore& operator=(const AccountStore&) = delete;

  // Status::Invalid for a bad name or role, or a name that exists.
  Status add(const Account& account);
  Result<std::optional<Account>> find(const std::string& name);
  Result<std::vector<Account>> list();
  // Status::NotFound for an unknown name; Refused for the last admin.
  Status remove(const std::string& name);
  Status set_hash(const std::string& name, const std::string& hash, int64_t now_ms);
  Status set_role(const std::string& name, const std::string& role);

  Result<ThrottleState> throttle(const std::string& name, const std::string& address);
  Status set_throttle(const std::string& name, const std::string& address, const ThrottleState& state);
  // Clears every address of an account; how many were locked.
  Result<int64_t> unlock(const std::string& name);

  Status journal(const JournalEntry& entry);
  // Newest first, at most `limit`.
  Result<std::vector<JournalEntry>> journal_entries(int64_t limit);

 private:
  explicit AccountStore(std::unique_ptr<SqliteDb> db);
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace relais::desk
