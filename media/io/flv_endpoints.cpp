// See flv_endpoints.hpp.
#include "media/io/flv_endpoints.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "media/flv/flv_writer.hpp"
#include "media/rtmp/command.hpp"

namespace rtmfp::media::io {

FlvSource::FlvSource(std::FILE* f, bool owned) : f_(f), owned_(owned), wake_fd_(::eventfd(0, EFD_CLOEXEC)) {}

FlvSource::~FlvSource() {
  if (owned_ && f_) std::fclose(f_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void FlvSource::interrupt() {
  if (wake_fd_ < 0) return;
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

Result<std::optional<Message>> FlvSource::next() {
  for (;;) {
    auto t = reader_.next();
    if (!t) return std::unexpected(t.error());
    if (*t) {
      Message m;
      m.type = static_cast<std::uint8_t>((*t)->type);
      m.timestamp = (*t)->timestamp;
      m.payload = std::move((*t)->data);
      if (m.type == rtmp::msg_type::data_amf0) {
        // Files hold onMetaData; normalise @setDataFrame away (sinks add it when publishing).
        if (auto d = rtmp::decode_data(m)) {
          auto s = rtmp::strip_set_data_frame(std::move(*d));
          if (auto enc = rtmp::encode_data(s, 0, m.timestamp)) m = std::move(*enc);
        }
      }
      return m;
    }
    if (eof_) {
      if (auto r = reader_.finish(); !r) return std::unexpected(r.error());
      return std::optional<Message>{};
    }
    // read(2), not fread: a pipe or FIFO (ffmpeg -re | rtmfp relay --from -)
    // must hand over each tag as it arrives, not once 64 KiB have piled up.
    // Waits for input or an interrupt (shutdown), whichever comes first.
    pollfd fds[2] = {{::fileno(f_), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int pr;
    do pr = ::poll(fds, wake_fd_ >= 0 ? 2 : 1, -1);
    while (pr < 0 && errno == EINTR);
    if (wake_fd_ >= 0 && (fds[1].revents & POLLIN)) return std::optional<Message>{};
    Bytes buf(64 * 1024);
    ssize_t n;
    do n = ::read(::fileno(f_), buf.data(), buf.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return fail(Errc::io_error, std::string("read error on FLV input: ") + std::strerror(errno));
    if (n == 0) eof_ = true;
    buf.resize(static_cast<std::size_t>(n));
    reader_.feed(buf);
  }
}

FlvSink::FlvSink(std::FILE* f, bool owned) : f_(f), owned_(owned) {
  struct stat st{};
  flush_each_ = ::fstat(::fileno(f_), &st) != 0 || !S_ISREG(st.st_mode);
}

FlvSink::~FlvSink() {
  if (owned_ && f_) std::fclose(f_);
}

Result<void> FlvSink::write(const Message& m) {
  if (m.type != 8 && m.type != 9 && m.type != 18) return {};
  Bytes out;
  if (!header_done_) {
    flv::write_header(flv::Header{}, out);
    header_done_ = true;
  }
  flv::Tag t;
  t.type = static_cast<flv::TagType>(m.type);
  t.timestamp = m.timestamp;
  t.data = m.payload;
  if (auto r = flv::write_tag(t, out); !r) return r;
  if (std::fwrite(out.data(), 1, out.size(), f_) != out.size() || (flush_each_ && std::fflush(f_) != 0))
    return fail(Errc::io_error, std::string("write error on FLV output: ") + std::strerror(errno));
  return {};
}

Result<void> FlvSink::finish() {
  if (!header_done_) {
    Bytes out;
    flv::write_header(flv::Header{}, out);
    header_done_ = true;
    (void)std::fwrite(out.data(), 1, out.size(), f_);
  }
  if (std::fflush(f_) != 0) return fail(Errc::io_error, std::string("flush failed on FLV output: ") + std::strerror(errno));
  return {};
}

}  // namespace rtmfp::media::io
