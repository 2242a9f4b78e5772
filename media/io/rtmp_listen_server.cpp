// See rtmp_listen_server.hpp.
#include "media/io/rtmp_listen_server.hpp"

#include <future>
#include <vector>

namespace rtmfp::media::io {

using clock = std::chrono::steady_clock;

struct RtmpListenServer::Conn {
  Conn(asio::ip::tcp::socket s, rtmp::StreamRegistry& reg, const rtmp::ServerOptions& so)
      : sock(std::move(s)), sess(reg, so), rbuf(64 * 1024), accepted(clock::now()), last_read(accepted) {
    asio::error_code ec;
    auto ep = sock.remote_endpoint(ec);
    peer = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  asio::ip::tcp::socket sock;
  rtmp::ServerSession sess;
  Bytes rbuf, wbuf;
  std::string peer;
  bool writing = false;
  bool closing = false;  // send what is pending, then close
  bool active = false;   // publishing or playing
  bool publisher = false;
  clock::time_point accepted, last_read, write_started;
};

RtmpListenServer::RtmpListenServer(Options o)
    : o_(std::move(o)), work_(asio::make_work_guard(io_)), acceptor_(io_), sweep_timer_(io_) {}

Result<std::unique_ptr<RtmpListenServer>> RtmpListenServer::start(Options o) {
  std::unique_ptr<RtmpListenServer> s(new RtmpListenServer(std::move(o)));
  asio::error_code ec;
  auto addr = asio::ip::make_address(s->o_.bind, ec);
  if (ec) return fail(Errc::invalid_argument, "rtmp-listen: bad bind address '" + s->o_.bind + "' (an IP address is needed)");
  asio::ip::tcp::endpoint ep(addr, s->o_.port);
  auto& a = s->acceptor_;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(Errc::io_error, "rtmp-listen: cannot listen on " + s->o_.bind + ":" + std::to_string(s->o_.port) + ": " +
                                    ec.message());
  s->port_ = a.local_endpoint(ec).port();
  s->accept();
  s->sweep();
  s->thread_ = std::thread([p = s.get()] { p->io_.run(); });
  return s;
}

RtmpListenServer::~RtmpListenServer() {
  if (thread_.joinable()) {
    call([this](rtmp::StreamRegistry&) {
      asio::error_code ec;
      acceptor_.close(ec);
      sweep_timer_.cancel();
      for (const auto& c : std::vector<std::shared_ptr<Conn>>(conns_.begin(), conns_.end())) {
        c->sess.close();
        c->sock.close(ec);
      }
      conns_.clear();
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }
}

void RtmpListenServer::log(const std::string& line) {
  if (o_.log) o_.log(line);
}

void RtmpListenServer::post(std::function<void(rtmp::StreamRegistry&)> f) {
  asio::post(io_, [this, f = std::move(f)] {
    f(registry_);
    kick_all();
  });
}

bool RtmpListenServer::call(std::function<void(rtmp::StreamRegistry&)> f, milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  asio::post(io_, [this, f = std::move(f), done] {
    f(registry_);
    kick_all();
    done->set_value();
  });
  return fut.wait_for(timeout) == std::future_status::ready;
}

bool RtmpListenServer::drain(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    auto busy = std::make_shared<bool>(true);
    if (!call(
            [this, busy](rtmp::StreamRegistry&) {
              bool b = false;
              for (const auto& c : conns_) b = b || c->writing || c->sess.pending_output() > 0;
              *busy = b;
            },
            milliseconds(1000)))
      return false;
    if (!*busy) return true;
    if (clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

std::size_t RtmpListenServer::connections() {
  auto n = std::make_shared<std::size_t>(0);
  (void)call([this, n](rtmp::StreamRegistry&) { *n = conns_.size(); });
  return *n;
}

void RtmpListenServer::accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket sock) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (conns_.size() >= o_.max_connections) {
        log("rtmp-listen: connection refused (" + std::to_string(o_.max_connections) + " connections open)");
        asio::error_code ignored;
        sock.close(ignored);
      } else {
        asio::error_code ignored;
        sock.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto c = std::make_shared<Conn>(std::move(sock), registry_, o_.session);
        conns_.insert(c);
        read(c);
      }
    }
    accept();
  });
}

void RtmpListenServer::read(const std::shared_ptr<Conn>& c) {
  c->sock.async_read_some(asio::buffer(c->rbuf), [this, c](const asio::error_code& ec, std::size_t n) {
    if (!conns_.contains(c)) return;
    if (ec) {
      drop(c, ec == asio::error::eof ? std::string("closed by the client") : "read failed: " + ec.message());
      return;
    }
    on_data(c, n);
    if (!c->closing) read(c);
  });
}

void RtmpListenServer::on_data(const std::shared_ptr<Conn>& c, std::size_t n) {
  c->last_read = clock::now();
  auto r = c->sess.receive(ByteView(c->rbuf.data(), n), TimePoint{});
  for (const auto& e : c->sess.take_events()) {
    using K = rtmp::ServerEvent::Kind;
    if (e.kind == K::publishing) {
      c->active = c->publisher = true;
      log("rtmp-listen: " + c->peer + " publishing " + e.key);
    } else if (e.kind == K::playing) {
      c->active = true;
      log("rtmp-listen: " + c->peer + " playing " + e.key);
    } else if (e.kind == K::stopped) {
      c->publisher = false;
    }
  }
  if (!r) {
    log("rtmp-listen: " + c->peer + ": " + r.error().detail);
    c->closing = true;  // send what the session queued (e.g. an _error), then close
  }
  kick_all();  // a publisher's data is output on the players' connections
}

void RtmpListenServer::kick(const std::shared_ptr<Conn>& c) {
  if (c->writing || !conns_.contains(c)) return;
  if (c->sess.pending_output() == 0) {
    if (c->closing) drop(c, "closed after an error");
    return;
  }
  c->wbuf = c->sess.take_output();
  c->writing = true;
  c->write_started = clock::now();
  asio::async_write(c->sock, asio::buffer(c->wbuf), [this, c](const asio::error_code& ec, std::size_t) {
    c->writing = false;
    if (!conns_.contains(c)) return;
    if (ec) {
      drop(c, "write failed: " + ec.message());
      return;
    }
    kick(c);
  });
}

void RtmpListenServer::kick_all() {
  for (const auto& c : std::vector<std::shared_ptr<Conn>>(conns_.begin(), conns_.end())) {
    if (!conns_.contains(c)) continue;
    if (c->sess.pending_output() > o_.max_player_backlog) {
      drop(c, "too slow: more than " + std::to_string(o_.max_player_backlog) + " bytes unsent");
      continue;
    }
    kick(c);
  }
}

void RtmpListenServer::drop(const std::shared_ptr<Conn>& c, const std::string& why) {
  if (conns_.erase(c) == 0) return;
  if (c->active) log("rtmp-listen: " + c->peer + " disconnected: " + why);
  c->sess.close();  // releases publish/play; players of a publisher get StreamEOF
  asio::error_code ec;
  c->sock.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  c->sock.close(ec);
  asio::post(io_, [this] { kick_all(); });
}

void RtmpListenServer::sweep() {
  sweep_timer_.expires_after(milliseconds(250));
  sweep_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    const auto now = clock::now();
    for (const auto& c : std::vector<std::shared_ptr<Conn>>(conns_.begin(), conns_.end())) {
      if (c->writing && now - c->write_started > o_.io_timeout)
        drop(c, "not reading (write stuck for " + std::to_string(o_.io_timeout.count()) + " ms)");
      else if (!c->active && now - c->accepted > o_.io_timeout)
        drop(c, "did not publish or play in time");
      else if (c->publisher && now - c->last_read > o_.io_timeout)
        drop(c, "publisher silent for " + std::to_string(o_.io_timeout.count()) + " ms");
    }
    sweep();
  });
}

}  // namespace rtmfp::media::io
