// FIFOs in tests without hangs (tests.md M8): opening one end of a FIFO
// blocks until the other end opens, so a test whose other side failed early
// (an ASSERT, a child that died before its open) waited forever in open() or
// in a future's destructor, and the failure showed as a ctest timeout.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

namespace rtmfp::testing {

// Opens `path` for writing once a reader has it open, polling without
// blocking; gives up (nullptr) when `reader_gone()` says the reader can no
// longer come or after `give_up`. The FILE* blocks on writes as usual and is
// close-on-exec (a child spawned meanwhile must not keep the write end).
std::FILE* open_fifo_writer(const std::filesystem::path& path, const std::function<bool()>& reader_gone,
                            std::chrono::milliseconds give_up);
// The same as a blocking file descriptor, -1 on giving up.
int open_fifo_writer_fd(const std::filesystem::path& path, const std::function<bool()>& reader_gone,
                        std::chrono::milliseconds give_up);

// On destruction, lets a reader still blocked in open() of `path` return (it
// then reads end of file). Declare it after the future or thread that opens
// the FIFO for reading, so that it runs first when an ASSERT leaves the test.
class FifoReaderRelease {
 public:
  explicit FifoReaderRelease(std::filesystem::path path) : path_(std::move(path)) {}
  FifoReaderRelease(const FifoReaderRelease&) = delete;
  FifoReaderRelease& operator=(const FifoReaderRelease&) = delete;
  ~FifoReaderRelease();

 private:
  std::filesystem::path path_;
};

}  // namespace rtmfp::testing
