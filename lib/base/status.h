#pragma once
// Result for operations that return nothing but may fail.

#include "base/result.h"

namespace deadline {

struct Done {};
using Status = Result<Done>;

inline Status ok_status() { return Status::success(Done{}); }

}  // namespace deadline
