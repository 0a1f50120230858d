// Status and Result<T>: errors a caller can act on, as values.
//
// A Status is either ok or carries a Code and a human-readable message that
// starts with its module ("envelope: truncated core") and, where the user can
// act, says what to do. Result<T> holds either a T or a non-ok Status.
// Both are cheap to move, [[nodiscard]], and safe to share read-only between
// threads. Programming errors are asserts, never Status.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace relais {

enum class Code {
  kOk = 0,
  kInvalid,      // malformed or rule-breaking input (exit 1)
  kRefused,      // a policy or peer said no (exit 1)
  kNotFound,
  kCorruption,   // stored data is damaged
  kIOError,
  kTimeout,
  kPermission,   // e.g. a key file readable by others (exit 2)
  kConfig,       // unusable configuration (exit 2)
  kUsage,        // bad command line (exit 2)
  kUnsupported,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return Status(Code::kInvalid, std::move(m)); }
  static Status Refused(std::string m) { return Status(Code::kRefused, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status IOError(std::string m) { return Status(Code::kIOError, std::move(m)); }
  static Status Timeout(std::string m) { return Status(Code::kTimeout, std::move(m)); }
  static Status Permission(std::string m) { return Status(Code::kPermission, std::move(m)); }
  static Status Config(std::string m) { return Status(Code::kConfig, std::move(m)); }
  static Status Usage(std::string m) { return Status(Code::kUsage, std::move(m)); }
  static Status Unsupported(std::string m) { return Status(Code::kUnsupported, std::move(m)); }

  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const& { return message_; }
  // On a temporary (e.g. result.status().message()) the text is moved out, so
  // binding it to a reference can never dangle.
  std::string message() && { return std::move(message_); }

  // Exit code convention of every Relais program: 0 ok, 2 usage/config
  // (including a loose key-file mode), 1 for everything else.
  int exit_code() const {
    switch (code_) {
      case Code::kOk: return 0;
      case Code::kConfig:
      case Code::kUsage:
      case Code::kPermission: return 2;
      default: return 1;
    }
  }

  // Returns a copy with "prefix: " put before the message.
  Status with_prefix(const std::string& prefix) const {
    if (ok()) return *this;
    return Status(code_, prefix + ": " + message_);
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T>: a T, or a non-ok Status. Access value() only when ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(implicit)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(implicit)
    assert(!std::get<Status>(v_).ok() && "Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T& value() & { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace relais

// Flat early return, leveldb style: RELAIS_RETURN_IF_ERROR(do_thing());
#define RELAIS_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::relais::Status _relais_s = (expr);        \
    if (!_relais_s.ok()) return _relais_s;      \
  } while (0)
