// See rtmp_tcp.hpp.
#include "media/io/rtmp_tcp.hpp"

namespace rtmfp::media::io {

namespace {
template <class Start>
bool run_with_deadline(asio::io_context& io, asio::ip::tcp::socket& s, milliseconds timeout, bool& done, Start start) {
  io.restart();
  start();
  io.run_for(timeout);
  if (!done) {
    asio::error_code ignored;
    s.cancel(ignored);
    io.restart();
    io.run();
    return false;
  }
  return true;
}
}  // namespace

Result<void> TcpStream::connect(const std::string& host, std::uint16_t port, milliseconds timeout) {
  asio::ip::tcp::resolver res(io_);
  asio::error_code ec;
  auto eps = res.resolve(host, std::to_string(port), ec);
  if (ec) return fail(Errc::io_error, "cannot resolve '" + host + "': " + ec.message());
  bool done = false;
  asio::error_code cec;
  bool ok = run_with_deadline(io_, sock_, timeout, done, [&] {
    asio::async_connect(sock_, eps, [&](const asio::error_code& e, const asio::ip::tcp::endpoint&) {
      cec = e;
      done = true;
    });
  });
  if (!ok) return fail(Errc::timeout, "connect to " + host + ":" + std::to_string(port) + " timed out");
  if (cec) return fail(Errc::io_error, "connect to " + host + ":" + std::to_string(port) + " failed: " + cec.message());
  sock_.set_option(asio::ip::tcp::no_delay(true), ec);
  return {};
}

Result<void> TcpStream::accept(asio::ip::tcp::acceptor& acc, milliseconds) {
  asio::error_code ec;
  acc.accept(sock_, ec);
  if (ec) return fail(Errc::io_error, "accept failed: " + ec.message());
  sock_.set_option(asio::ip::tcp::no_delay(true), ec);
  return {};
}

Result<void> TcpStream::write_all(ByteView data, milliseconds timeout) {
  if (data.empty()) return {};
  bool done = false;
  asio::error_code wec;
  bool ok = run_with_deadline(io_, sock_, timeout, done, [&] {
    asio::async_write(sock_, asio::buffer(data.data(), data.size()), [&](const asio::error_code& e, std::size_t) {
      wec = e;
      done = true;
    });
  });
  if (!ok) return fail(Errc::timeout, "write timed out (peer not reading)");
  if (wec) return fail(Errc::io_error, "write failed: " + wec.message());
  return {};
}

Result<Bytes> TcpStream::read_some(milliseconds timeout) {
  Bytes buf(64 * 1024);
  bool done = false;
  asio::error_code rec;
  std::size_t n = 0;
  bool ok = run_with_deadline(io_, sock_, timeout, done, [&] {
    sock_.async_read_some(asio::buffer(buf), [&](const asio::error_code& e, std::size_t k) {
      rec = e;
      n = k;
      done = true;
    });
  });
  if (!ok) return Bytes{};
  if (rec == asio::error::eof) return fail(Errc::closed, "connection closed by peer");
  if (rec) return fail(Errc::io_error, "read failed: " + rec.message());
  buf.resize(n);
  return buf;
}

void TcpStream::close() {
  asio::error_code ec;
  sock_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  sock_.close(ec);
}

// ------------------------------------------------------------ client

RtmpClientConn::RtmpClientConn(rtmp::ClientOptions o, milliseconds ct, milliseconds it)
    : sess_(o), host_(o.url.host), port_(o.url.port), connect_timeout_(ct), io_timeout_(it) {}

rtmfp::TimePoint RtmpClientConn::now() const {
  return rtmfp::TimePoint(std::chrono::duration_cast<rtmfp::Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

Result<void> RtmpClientConn::flush() { return tcp_.write_all(sess_.take_output(), io_timeout_); }

Result<void> RtmpClientConn::step(milliseconds timeout) {
  auto data = tcp_.read_some(timeout);
  if (!data) return std::unexpected(data.error());
  if (!data->empty())
    if (auto r = sess_.receive(*data, now()); !r) return r;
  for (auto& e : sess_.take_events()) {
    if (e.kind == rtmp::ClientEvent::Kind::media) media_.push_back(std::move(e.message));
    if (e.kind == rtmp::ClientEvent::Kind::ended) ended_ = true;
  }
  return flush();
}

Result<void> RtmpClientConn::open() {
  if (auto r = tcp_.connect(host_, port_, connect_timeout_); !r) return r;
  if (auto r = tcp_.write_all(sess_.start(now()), io_timeout_); !r) return r;
  const auto deadline = std::chrono::steady_clock::now() + io_timeout_;
  while (!sess_.ready()) {
    if (std::chrono::steady_clock::now() > deadline)
      return fail(Errc::timeout, "RTMP server did not start the stream in time");
    if (auto r = step(milliseconds(200)); !r) return r;
  }
  return {};
}

Result<std::optional<rtmp::Message>> RtmpClientConn::next() {
  auto last = std::chrono::steady_clock::now();
  while (media_.empty()) {
    if (ended_) return std::optional<rtmp::Message>{};
    const auto before = media_.size();
    auto r = step(milliseconds(200));
    if (!r) {
      if (r.error().code == Errc::closed) return std::optional<rtmp::Message>{};
      return std::unexpected(r.error());
    }
    if (media_.size() != before) break;
    if (std::chrono::steady_clock::now() - last > io_timeout_)
      return fail(Errc::timeout, "no media from the RTMP server for " + std::to_string(io_timeout_.count()) + " ms");
  }
  rtmp::Message m = std::move(media_.front());
  media_.pop_front();
  return m;
}

Result<void> RtmpClientConn::send(const rtmp::Message& m) {
  if (auto r = sess_.send_media(m); !r) return r;
  if (auto r = flush(); !r) return r;
  // Service incoming control traffic (acks, pings, errors) without blocking.
  return step(milliseconds(0));
}

void RtmpClientConn::close() {
  sess_.finish();
  (void)flush();
  tcp_.close();
}

// ------------------------------------------------------------ listen source

RtmpListenSource::RtmpListenSource(std::string bind, std::uint16_t port, std::string key, milliseconds io_timeout)
    : bind_(std::move(bind)), port_(port), key_(std::move(key)), io_timeout_(io_timeout) {}

Result<void> RtmpListenSource::open() {
  asio::error_code ec;
  auto addr = asio::ip::make_address(bind_, ec);
  if (ec) return fail(Errc::invalid_argument, "rtmp-listen: bad bind address '" + bind_ + "'");
  acc_.emplace(io_);
  asio::ip::tcp::endpoint ep(addr, port_);
  acc_->open(ep.protocol(), ec);
  if (!ec) acc_->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc_->bind(ep, ec);
  if (!ec) acc_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(Errc::io_error, "rtmp-listen: cannot listen on " + bind_ + ":" + std::to_string(port_) + ": " + ec.message());
  if (auto r = reg_.add_player(key_, &cap_); !r) return r;
  registered_ = true;
  return {};
}

Result<std::optional<rtmp::Message>> RtmpListenSource::next() {
  for (;;) {
    if (!cap_.q.empty()) {
      rtmp::Message m = std::move(cap_.q.front());
      cap_.q.pop_front();
      return m;
    }
    if (cap_.stopped) return std::optional<rtmp::Message>{};
    if (!conn_) {
      conn_ = std::make_unique<TcpStream>();
      if (auto r = conn_->accept(*acc_, io_timeout_); !r) return std::unexpected(r.error());
      sess_ = std::make_unique<rtmp::ServerSession>(reg_);
    }
    auto data = conn_->read_some(io_timeout_);
    bool drop = !data;
    if (data && !data->empty()) {
      auto r = sess_->receive(*data, rtmfp::TimePoint{});
      if (auto w = conn_->write_all(sess_->take_output(), io_timeout_); !w) drop = true;
      if (!r) drop = true;
    }
    if (drop) {
      // Connection ended. If it was our publisher, the stream ends (stopped is
      // set by the registry); otherwise wait for the next connection.
      sess_->close();
      sess_.reset();
      conn_->close();
      conn_.reset();
    }
  }
}

}  // namespace rtmfp::media::io
