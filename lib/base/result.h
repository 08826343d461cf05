#pragma once
// A value or an error message: the error convention inside the library. Exceptions from
// third-party code (toml++, date/tz, SQLiteCpp) are caught at the module edge and become a Result.

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace deadline {

template <class T>
class Result {
 public:
  static Result success(T value) { return Result(std::move(value), {}); }
  static Result failure(std::string message) { return Result(std::nullopt, std::move(message)); }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { assert(ok()); return *value_; }
  T& value() & { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  const T* operator->() const { return &value(); }
  const T& operator*() const { return value(); }

  // Meaningful only when !ok().
  const std::string& error() const { return error_; }

 private:
  Result(std::optional<T> value, std::string error)
      : value_(std::move(value)), error_(std::move(error)) {}
  std::optional<T> value_;
  std::string error_;
};

}  // namespace deadline
