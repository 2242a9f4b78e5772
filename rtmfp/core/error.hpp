// Error values for fallible calls (std::expected-style returns; no exceptions
// in core code). Remote protocol violations are counted and dropped, local
// misuse is returned to the caller as an Error.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace rtmfp {

// One table of error codes. Each names what went wrong in words a user reads.
#define RTMFP_ERRC_TABLE(X)                                                     \
  X(truncated, "input ended before the structure was complete")                \
  X(malformed, "malformed input")                                              \
  X(unsupported, "unsupported feature or value")                               \
  X(invalid_argument, "invalid argument")                                      \
  X(bad_state, "operation not allowed in the current state")                   \
  X(crypto_failure, "cryptographic check failed")                              \
  X(replayed, "duplicate or replayed packet")                                  \
  X(not_selected, "endpoint discriminator does not select this certificate")   \
  X(timeout, "timed out")                                                      \
  X(refused, "refused by the far end")                                         \
  X(closed, "closed")                                                          \
  X(limit_exceeded, "resource limit exceeded")                                 \
  X(not_found, "not found")                                                    \
  X(io_error, "I/O error")

enum class Errc {
#define RTMFP_ERRC_ENUM(name, text) name,
  RTMFP_ERRC_TABLE(RTMFP_ERRC_ENUM)
#undef RTMFP_ERRC_ENUM
};

const char* errc_text(Errc e);
const char* errc_name(Errc e);

struct Error {
  Errc code = Errc::malformed;
  std::string detail;  // what exactly was wrong, for the message a user sees

  std::string message() const {
    return detail.empty() ? std::string(errc_text(code)) : std::string(errc_text(code)) + ": " + detail;
  }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Errc code, std::string detail = {}) {
  return std::unexpected<Error>(Error{code, std::move(detail)});
}

}  // namespace rtmfp
