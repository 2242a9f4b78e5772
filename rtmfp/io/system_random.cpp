#include "rtmfp/io/system_random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

namespace rtmfp::io {

void SystemRandom::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no entropy source: nothing safe to do
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace rtmfp::io
