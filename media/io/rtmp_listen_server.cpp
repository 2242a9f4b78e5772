// See rtmp_listen_server.hpp.
#include "media/io/rtmp_listen_server.hpp"

#include <algorithm>
#include <future>
#include <vector>

namespace rtmfp::media::io {

using clock = std::chrono::steady_clock;

namespace {
// Bytes handed to a player's session per write: the rest waits, as messages,
// in its PlayerQueue where it can be thinned.
constexpr std::size_t kWriteBatch = 64 * 1024;
}  // namespace

// A ServerSession whose player side queues in a PlayerQueue instead of
// serialising at once: the registry's fan-out lands here, and the server
// hands the queue to the base session as the socket drains.
class RtmpListenServer::Session final : public rtmp::ServerSession {
 public:
  Session(rtmp::StreamRegistry& reg, const rtmp::ServerOptions& so, PlayerQueueLimits l)
      : rtmp::ServerSession(reg, so), queue(l), last_media(clock::now()) {}
  void deliver(const rtmp::Message& m) override {
    if (closed()) return;
    last_media = clock::now();
    queue.push_media(m);
  }
  void deliver_prime(const rtmp::Message& m) override {  // the join prime: never thinned
    if (closed()) return;
    last_media = clock::now();
    queue.push_media(m, true);
  }
  void publisher_started() override {
    last_media = clock::now();
    queue.push_marker(PlayerQueue::Kind::publisher_started);
  }
  void publisher_stopped() override {
    last_media = clock::now();  // the wait for a new publisher starts now
    queue.push_marker(PlayerQueue::Kind::publisher_stopped);
  }
  // Hands queued items to the base session until about `budget` bytes are pending.
  void pump(std::size_t budget) {
    while (pending_output() < budget) {
      auto it = queue.pop();
      if (!it) return;
      switch (it->kind) {
        case PlayerQueue::Kind::media: rtmp::ServerSession::deliver(it->m); break;
        case PlayerQueue::Kind::publisher_started: rtmp::ServerSession::publisher_started(); break;
        case PlayerQueue::Kind::publisher_stopped: rtmp::ServerSession::publisher_stopped(); break;
      }
    }
  }
  PlayerQueue queue;
  clock::time_point last_media;
};

struct RtmpListenServer::Conn {
  Conn(asio::ip::tcp::socket s, rtmp::StreamRegistry& reg, const rtmp::ServerOptions& so, PlayerQueueLimits l)
      : sock(std::move(s)), sess(reg, so, l), rbuf(64 * 1024), accepted(clock::now()), last_read(accepted) {
    asio::error_code ec;
    auto ep = sock.remote_endpoint(ec);
    address = ec ? std::string("?") : ep.address().to_string();
    peer = ec ? std::string("?") : address + ":" + std::to_string(ep.port());
  }
  asio::ip::tcp::socket sock;
  Session sess;
  Bytes rbuf, wbuf;
  std::size_t woff = 0;
  std::string address, peer;
  std::string play_key;
  bool writing = false;
  bool closing = false;  // send what is pending, then close
  bool active = false;   // publishing or playing
  bool publisher = false;
  bool player = false;
  clock::time_point accepted, last_read, last_progress;
};

RtmpListenServer::RtmpListenServer(Options o)
    : o_(std::move(o)), work_(asio::make_work_guard(io_)), acceptor_(io_), sweep_timer_(io_) {
  if (!o_.session.authorize)
    o_.session.authorize = [a = o_.access](bool publish, const std::string& app, const std::string& name) {
      return a.authorize(publish, app, name);
    };
}

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
      per_address_.clear();
      for (auto& w : std::exchange(drained_, {})) w.second();
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

bool RtmpListenServer::busy(const std::optional<std::string>& play_key) const {
  for (const auto& c : conns_) {
    if (play_key && (!c->player || c->play_key != *play_key)) continue;
    if (c->writing || c->sess.pending_output() > 0 || !c->sess.queue.empty()) return true;
  }
  return false;
}

void RtmpListenServer::check_drained() {
  if (drained_.empty()) return;
  std::vector<std::function<void()>> done;
  std::erase_if(drained_, [&](auto& w) {
    if (busy(w.first)) return false;
    done.push_back(std::move(w.second));
    return true;
  });
  for (auto& d : done) d();
}

bool RtmpListenServer::drain(milliseconds timeout, std::optional<std::string> play_key) {
  // Completed by the server thread when the last write finishes (no polling).
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  asio::post(io_, [this, done, key = std::move(play_key)] {
    drained_.emplace_back(key, [done] { done->set_value(); });
    check_drained();
  });
  return fut.wait_for(timeout) == std::future_status::ready;
}

std::size_t RtmpListenServer::connections() {
  auto n = std::make_shared<std::size_t>(0);
  (void)call([this, n](rtmp::StreamRegistry&) { *n = conns_.size(); });
  return *n;
}

RtmpListenServer::Stats RtmpListenServer::stats() {
  auto s = std::make_shared<Stats>();
  (void)call([this, s](rtmp::StreamRegistry&) {
    *s = stats_;
    for (const auto& c : conns_) {
      s->thinned_video += c->sess.queue.dropped_video();
      s->max_video_span_ms = std::max(s->max_video_span_ms, c->sess.queue.max_video_span_ms());
      s->players += c->player && !c->closing;
    }
  });
  return *s;
}

RtmpListenServer::Stats RtmpListenServer::stats(const std::string& play_key) {
  auto s = std::make_shared<Stats>();
  (void)call([this, s, play_key](rtmp::StreamRegistry&) {
    for (const auto& c : conns_) {
      if (!c->player || c->play_key != play_key) continue;
      s->thinned_video += c->sess.queue.dropped_video();
      s->max_video_span_ms = std::max(s->max_video_span_ms, c->sess.queue.max_video_span_ms());
      s->players += !c->closing;
    }
  });
  return *s;
}

bool RtmpListenServer::evict_idle() {
  std::shared_ptr<Conn> oldest;
  for (const auto& c : conns_) {
    const bool idle = !c->active || (c->player && !c->publisher && !registry_.has_publisher(c->play_key));
    if (idle && (!oldest || c->accepted < oldest->accepted)) oldest = c;
  }
  if (!oldest) return false;
  ++stats_.evicted;
  drop(oldest, "closed to make room (idle while the server is full)");
  return true;
}

void RtmpListenServer::accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket sock) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      asio::error_code aec;
      const auto remote = sock.remote_endpoint(aec);
      const std::string address = aec ? std::string("?") : remote.address().to_string();
      std::string refuse;
      if (per_address_[address] >= o_.max_connections_per_address)
        refuse = std::to_string(o_.max_connections_per_address) + " connections open from " + address;
      else if (conns_.size() >= o_.max_connections && !evict_idle())
        refuse = std::to_string(o_.max_connections) + " connections open";
      if (!refuse.empty()) {
        if (per_address_[address] == 0) per_address_.erase(address);
        ++stats_.refused;
        log("rtmp-listen: connection refused (" + refuse + ")");
        asio::error_code ignored;
        sock.close(ignored);
      } else {
        asio::error_code ignored;
        sock.set_option(asio::ip::tcp::no_delay(true), ignored);
        if (o_.send_buffer) sock.set_option(asio::socket_base::send_buffer_size(static_cast<int>(o_.send_buffer)), ignored);
        PlayerQueueLimits l;
        l.thin_ms = static_cast<std::uint32_t>(o_.max_player_latency.count());
        l.lag_ms = static_cast<std::uint32_t>(o_.max_player_lag.count());
        l.max_bytes = o_.max_player_backlog;
        auto c = std::make_shared<Conn>(std::move(sock), registry_, o_.session, l);
        c->address = address;
        ++per_address_[address];
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
      c->active = c->player = true;
      c->play_key = e.key;
      c->sess.last_media = clock::now();
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
  c->sess.pump(kWriteBatch);
  if (c->sess.pending_output() == 0) {
    if (c->closing) drop(c, "closed after an error");
    check_drained();
    return;
  }
  c->wbuf = c->sess.take_output();
  c->woff = 0;
  c->writing = true;
  c->last_progress = clock::now();
  write_some(c);
}

// Writes piecewise so that progress is seen: a player is "stuck" when no
// byte went out for io_timeout, not when one large write takes longer.
void RtmpListenServer::write_some(const std::shared_ptr<Conn>& c) {
  c->sock.async_write_some(asio::buffer(c->wbuf.data() + c->woff, c->wbuf.size() - c->woff),
                           [this, c](const asio::error_code& ec, std::size_t n) {
                             if (!conns_.contains(c)) return;
                             if (ec) {
                               c->writing = false;
                               drop(c, "write failed: " + ec.message());
                               return;
                             }
                             c->woff += n;
                             c->last_progress = clock::now();
                             if (c->woff < c->wbuf.size()) {
                               write_some(c);
                               return;
                             }
                             c->writing = false;
                             kick(c);
                           });
}

void RtmpListenServer::kick_all() {
  for (const auto& c : std::vector<std::shared_ptr<Conn>>(conns_.begin(), conns_.end())) {
    if (!conns_.contains(c)) continue;
    const auto& q = c->sess.queue;
    if (q.over_limit() || c->sess.pending_output() > o_.max_player_backlog) {
      ++stats_.dropped_slow;
      drop(c, q.bytes() > o_.max_player_backlog
                  ? "too slow: more than " + std::to_string(o_.max_player_backlog) + " bytes queued"
                  : "too slow: " + std::to_string(q.lag_ms()) + " ms of media behind the live edge");
      continue;
    }
    kick(c);
  }
  check_drained();
}

void RtmpListenServer::drop(const std::shared_ptr<Conn>& c, const std::string& why) {
  if (conns_.erase(c) == 0) return;
  if (auto it = per_address_.find(c->address); it != per_address_.end() && --it->second == 0) per_address_.erase(it);
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
    const auto t = std::to_string(o_.io_timeout.count()) + " ms";
    for (const auto& c : std::vector<std::shared_ptr<Conn>>(conns_.begin(), conns_.end())) {
      if (c->writing && now - c->last_progress > o_.io_timeout) {
        ++stats_.dropped_slow;
        drop(c, "not reading (no write progress for " + t + ")");
      } else if (!c->active && now - c->accepted > o_.io_timeout) {
        drop(c, "did not publish or play in time");
      } else if (c->publisher && now - c->last_read > o_.io_timeout) {
        drop(c, "publisher silent for " + t);
      } else if (c->player && !c->publisher && now - c->sess.last_media > o_.io_timeout) {
        drop(c, "playing " + c->play_key + " with no media for " + t);
      }
    }
    sweep();
  });
}

}  // namespace rtmfp::media::io
