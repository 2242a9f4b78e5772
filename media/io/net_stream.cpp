// See net_stream.hpp.
#include "media/io/net_stream.hpp"

#include "media/io/tls_client.hpp"

namespace rtmfp::media::io {

using clock = std::chrono::steady_clock;

NetStream::NetStream() : sock_(io_), read_buf_(64 * 1024) {}

NetStream::~NetStream() { close(); }

template <class F>
void NetStream::with_stream(F&& f) {
  if (tls_)
    f(*tls_);
  else
    f(sock_);
}

template <class Pred>
void NetStream::run_until(Pred pred, clock::time_point deadline) {
  while (!pred()) {
    if (io_.stopped()) io_.restart();
    // 0 handlers run = deadline passed (or nothing left that could run).
    const std::size_t n = deadline <= clock::now() ? io_.poll_one() : io_.run_one_until(deadline);
    if (n == 0) return;
  }
}

Result<void> NetStream::connect(const std::string& host, std::uint16_t port, const TlsOptions& tls, milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  const std::string where = host + ":" + std::to_string(port);
  asio::ip::tcp::resolver res(io_);
  bool resolved = false;
  asio::error_code rec;
  asio::ip::tcp::resolver::results_type eps;
  res.async_resolve(host, std::to_string(port), [&](const asio::error_code& e, asio::ip::tcp::resolver::results_type r) {
    rec = e;
    eps = std::move(r);
    resolved = true;
  });
  run_until([&] { return resolved; }, deadline);
  if (!resolved) {
    res.cancel();
    run_until([&] { return resolved; }, clock::now() + milliseconds(1000));
    return fail(Errc::timeout, "resolving '" + host + "' timed out");
  }
  if (rec) return fail(Errc::io_error, "cannot resolve '" + host + "': " + rec.message());

  bool connected = false;
  asio::error_code cec;
  asio::async_connect(sock_, eps, [&](const asio::error_code& e, const asio::ip::tcp::endpoint&) {
    cec = e;
    connected = true;
  });
  run_until([&] { return connected; }, deadline);
  if (!connected) {
    asio::error_code ignored;
    sock_.close(ignored);
    run_until([&] { return connected; }, clock::now() + milliseconds(1000));
    return fail(Errc::timeout, "connect to " + where + " timed out");
  }
  if (cec) return fail(Errc::io_error, "connect to " + where + " failed: " + cec.message());
  asio::error_code ec;
  sock_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (!tls.enabled) return {};

  auto ctx = make_tls_client_context(tls);
  if (!ctx) return std::unexpected(ctx.error());
  ctx_ = std::move(*ctx);
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(sock_, *ctx_);
  if (auto r = configure_tls_peer(tls_->native_handle(), host, tls.verify); !r) return r;
  bool shaken = false;
  asio::error_code hec;
  tls_->async_handshake(asio::ssl::stream_base::client, [&](const asio::error_code& e) {
    hec = e;
    shaken = true;
  });
  run_until([&] { return shaken; }, deadline);
  if (!shaken) {
    sock_.close(ec);
    run_until([&] { return shaken; }, clock::now() + milliseconds(1000));
    return fail(Errc::timeout, "TLS handshake with " + where + " timed out");
  }
  if (hec) return std::unexpected(tls_handshake_error(tls_->native_handle(), hec, host, port));
  return {};
}

Result<void> NetStream::write_all(ByteView data, milliseconds timeout) {
  if (data.empty()) return {};
  if (closed_) return fail(Errc::closed, "connection closed");
  bool done = false;
  asio::error_code wec;
  with_stream([&](auto& s) {
    asio::async_write(s, asio::buffer(data.data(), data.size()), [&](const asio::error_code& e, std::size_t) {
      wec = e;
      done = true;
    });
  });
  run_until([&] { return done; }, clock::now() + timeout);
  if (!done) {
    // The peer is not reading: the connection is unusable from here on.
    asio::error_code ec;
    sock_.close(ec);
    run_until([&] { return done; }, clock::now() + milliseconds(1000));
    close();
    return fail(Errc::timeout, "write timed out (peer not reading)");
  }
  if (wec) return fail(Errc::io_error, "write failed: " + wec.message());
  return {};
}

void NetStream::start_read() {
  read_pending_ = true;
  read_done_ = false;
  with_stream([&](auto& s) {
    s.async_read_some(asio::buffer(read_buf_), [this](const asio::error_code& e, std::size_t n) {
      read_ec_ = e;
      read_n_ = n;
      read_done_ = true;
      read_pending_ = false;
    });
  });
}

Result<Bytes> NetStream::read_some(milliseconds timeout) {
  if (closed_) return fail(Errc::closed, "connection closed");
  if (!read_pending_ && !read_done_) start_read();
  run_until([&] { return read_done_; }, clock::now() + timeout);
  if (!read_done_) return Bytes{};
  read_done_ = false;
  if (read_ec_ == asio::error::eof || read_ec_ == asio::ssl::error::stream_truncated)
    return fail(Errc::closed, "connection closed by peer");
  if (read_ec_) return fail(Errc::io_error, "read failed: " + read_ec_.message());
  return Bytes(read_buf_.begin(), read_buf_.begin() + static_cast<std::ptrdiff_t>(read_n_));
}

// Review I7: closing a TCP socket with unread inbound bytes (an ack or ping
// the server just sent) makes Linux answer with RST and drop our unsent
// tail (RFC 2525 §2.17), so the end of a publish could be lost. Half-close
// (FIN after everything queued), read and discard until the peer's EOF or
// the deadline, then the caller closes. After TLS close_notify the same
// applies to the raw socket.
void NetStream::drain(std::chrono::steady_clock::time_point deadline) {
  asio::error_code ec;
  sock_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return;
  run_until([&] { return !read_pending_; }, deadline);  // a read_some() still outstanding
  if (read_pending_) return;
  for (;;) {
    bool done = false;
    asio::error_code rec;
    sock_.async_read_some(asio::buffer(read_buf_), [&](const asio::error_code& e, std::size_t) {
      rec = e;
      done = true;
    });
    run_until([&] { return done; }, deadline);
    if (!done) {
      sock_.cancel(ec);
      run_until([&] { return done; }, clock::now() + milliseconds(1000));
      return;
    }
    if (rec) return;  // EOF: the peer closed too (or an error)
  }
}

void NetStream::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  if (tls_ && sock_.is_open()) {
    // Stop the outstanding read, then a polite close_notify, bounded (the
    // peer's answer is not awaited beyond 300 ms).
    sock_.cancel(ec);
    run_until([&] { return !read_pending_; }, clock::now() + milliseconds(1000));
    bool done = false;
    tls_->async_shutdown([&](const asio::error_code&) { done = true; });
    run_until([&] { return done; }, clock::now() + milliseconds(300));
    if (!done) {
      sock_.close(ec);
      run_until([&] { return done; }, clock::now() + milliseconds(1000));
    }
  }
  if (sock_.is_open()) drain(clock::now() + milliseconds(1000));
  sock_.close(ec);
  // Let cancelled handlers run before the buffers they reference go away.
  run_until([&] { return !read_pending_; }, clock::now() + milliseconds(1000));
  io_.restart();
  io_.poll();
}

}  // namespace rtmfp::media::io
