#include "tests/support/fifo.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace rtmfp::testing {

int open_fifo_writer_fd(const std::filesystem::path& path, const std::function<bool()>& reader_gone,
                        std::chrono::milliseconds give_up) {
  const auto until = std::chrono::steady_clock::now() + give_up;
  for (;;) {
    // O_NONBLOCK: ENXIO while no reader has the FIFO open, instead of waiting.
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    if (errno != ENXIO || reader_gone() || std::chrono::steady_clock::now() >= until) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::FILE* open_fifo_writer(const std::filesystem::path& path, const std::function<bool()>& reader_gone,
                            std::chrono::milliseconds give_up) {
  const int fd = open_fifo_writer_fd(path, reader_gone, give_up);
  if (fd < 0) return nullptr;
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) ::close(fd);
  return f;
}

FifoReaderRelease::~FifoReaderRelease() {
  // A read-write open of a FIFO never blocks on Linux and counts as a
  // writer: a reader waiting in open() returns, and sees end of file once
  // this (and any other writer) has closed.
  const int fd = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
}

}  // namespace rtmfp::testing
