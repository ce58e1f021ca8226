//===- Status.h - Errors of the vptq runtime --------------------*- C++ -*-===//
//
// The runtime reports every failure as a Status carrying a message that
// names what failed (file, tensor, layer, kernel) and why; it never aborts
// on bad input. Result<T> holds a T or the Status explaining its absence.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_STATUS_H
#define VPTQ_RUNTIME_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace vptq::runtime {

/// Success, or an error with a human-readable message.
class [[nodiscard]] Status {
public:
  /// Success.
  Status() = default;
  /// An error; `message` must not be empty.
  static Status error(std::string message) {
    Status s;
    s.msg = std::move(message);
    s.failed = true;
    return s;
  }
  static Status success() { return Status(); }

  bool ok() const { return !failed; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return msg; }

  /// The same error with `context` in front: "loading layer x: <message>".
  Status withContext(const std::string &context) const {
    return ok() ? *this : error(context + ": " + msg);
  }

private:
  std::string msg;
  bool failed = false;
};

/// A value of type T, or the error that prevented it.
template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status status) : status_(std::move(status)) {
    assert(!status_.ok() && "a Result without a value needs an error");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status &status() const { return status_; }
  const std::string &message() const { return status_.message(); }

  T &value() & { return *value_; }
  const T &value() const & { return *value_; }
  T &&value() && { return std::move(*value_); }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }
  T &operator*() & { return *value_; }
  const T &operator*() const & { return *value_; }

private:
  std::optional<T> value_;
  Status status_;
};

/// Returns from the enclosing function if `expr` (a Status) failed.
#define VPTQ_RETURN_IF_ERROR(expr)                                             \
  do {                                                                         \
    ::vptq::runtime::Status _vptq_status = (expr);                             \
    if (!_vptq_status.ok())                                                    \
      return _vptq_status;                                                     \
  } while (false)

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_STATUS_H
