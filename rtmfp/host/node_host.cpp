#include "rtmfp/host/node_host.hpp"

#include <asio/post.hpp>
#include <csignal>

#include "rtmfp/host/host_socket.hpp"
#include "rtmfp/io/clock.hpp"

namespace rtmfp::host {

namespace {
std::chrono::steady_clock::time_point to_steady(TimePoint t) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch()));
}
}  // namespace

NodeHost::NodeHost(node::Node& node, NodeHostOptions options)
    : node_(node), options_(std::move(options)), timer_(io_), drain_timer_(io_), stats_timer_(io_), signals_(io_) {}

NodeHost::~NodeHost() {
  if (thread_.joinable()) {
    stop();
    thread_.join();
  }
}

Result<void> NodeHost::open() {
  if (options_.listen.empty()) return fail(Errc::invalid_argument, "no address to listen on");
  bool any_v4 = false;
  for (const auto& a : options_.listen) any_v4 = any_v4 || !a.v6;
  for (const auto& a : options_.listen) {
    auto s = std::make_unique<HostSocket>(io_);
    if (auto b = s->bind(a, any_v4); !b) return std::unexpected(b.error());
    locals_.push_back(s->local_address());
    const int i = static_cast<int>(sockets_.size());
    if (!a.v6 && v4_socket_ < 0) v4_socket_ = i;
    if (a.v6 && v6_socket_ < 0) v6_socket_ = i;
    sockets_.push_back(std::move(s));
  }
  // An IPv4 destination with no IPv4 socket: a dual-stack IPv6 socket
  // reaches it as a v4-mapped address (RFC 4291 §2.5.5.2).
  if (v4_socket_ < 0 && v6_socket_ >= 0 && !sockets_[v6_socket_]->v6_only()) v4_socket_ = v6_socket_;
  return {};
}

InterfaceId NodeHost::add_interface(VirtualInterface& vi) {
  virtual_.push_back(&vi);
  return static_cast<InterfaceId>(sockets_.size() + virtual_.size() - 1);
}

Result<InterfaceId> NodeHost::open_ephemeral(bool v6) {
  if (ephemeral_.size() >= kMaxEphemeral) return fail(Errc::limit_exceeded, "too many extra sockets");
  if (next_ephemeral_ == kAnyInterface) return fail(Errc::limit_exceeded, "extra socket IDs exhausted");
  auto s = std::make_unique<HostSocket>(io_);
  SocketAddress any;
  any.v6 = v6;
  if (auto b = s->bind(any, false); !b) return std::unexpected(b.error());
  const InterfaceId id = next_ephemeral_++;
  s->start(
      [this, id](const SocketAddress& from, ByteView data) {
        ++stats_.datagrams_in;
        node_.on_datagram(io::steady_now(), from, data, id);
      },
      [this] { pump(); });
  ephemeral_[id] = std::move(s);
  return id;
}

void NodeHost::close_ephemeral(InterfaceId iface) {
  auto it = ephemeral_.find(iface);
  if (it == ephemeral_.end()) return;
  // Possibly from inside that socket's own handler (a session event routed
  // during its batch): close now, destroy later.
  it->second->close();
  closed_.push_back(std::move(it->second));
  ephemeral_.erase(it);
  asio::post(io_, [this] { closed_.clear(); });
}

std::optional<SocketAddress> NodeHost::ephemeral_address(InterfaceId iface) const {
  auto it = ephemeral_.find(iface);
  if (it == ephemeral_.end()) return std::nullopt;
  return it->second->local_address();
}

void NodeHost::deliver(InterfaceId iface, const SocketAddress& from, ByteView data) {
  if (finished_) return;
  ++stats_.datagrams_in;
  node_.on_datagram(io::steady_now(), from, data, iface);
  pump();
}

void NodeHost::run() {
  begin();
  io_.run();
}

void NodeHost::start() {
  thread_ = std::thread([this] { run(); });
}

void NodeHost::join() {
  if (thread_.joinable()) thread_.join();
}

void NodeHost::post(std::function<void()> fn) {
  asio::post(io_, [this, fn = std::move(fn)] {
    if (finished_) return;
    fn();
    pump();
  });
}

void NodeHost::shutdown() {
  asio::post(io_, [this] { begin_shutdown(); });
}

void NodeHost::stop() {
  asio::post(io_, [this] { finish(); });
}

void NodeHost::begin() {
  for (std::size_t i = 0; i < sockets_.size(); ++i)
    sockets_[i]->start(
        [this, iface = static_cast<InterfaceId>(i)](const SocketAddress& from, ByteView data) {
          ++stats_.datagrams_in;
          node_.on_datagram(io::steady_now(), from, data, iface);
        },
        [this] { pump(); });
  if (options_.handle_signals) {
    asio::error_code ec;
    signals_.add(SIGINT, ec);
    signals_.add(SIGTERM, ec);
    signals_.async_wait([this](asio::error_code e, int sig) {
      if (e || finished_) return;
      if (options_.on_signal) options_.on_signal(sig);
      begin_shutdown();
    });
  }
  if (options_.stats_interval.count() > 0 && options_.on_stats) tick_stats();
  node_.start(io::steady_now());
  pump();
}

void NodeHost::tick_stats() {
  stats_timer_.expires_after(options_.stats_interval);
  stats_timer_.async_wait([this](asio::error_code ec) {
    if (ec || finished_) return;
    options_.on_stats();
    tick_stats();
  });
}

bool NodeHost::reaches(std::size_t socket, const SocketAddress& to) const {
  const HostSocket& s = *sockets_[socket];
  return s.v6() == to.v6 || (s.v6() && !s.v6_only() && !to.v6);
}

void NodeHost::send(Transmit&& t) {
  // The interface the core chose (where the peer was heard), if it can
  // carry the destination's family; else the first socket of that family.
  if (t.interface != kAnyInterface && t.interface >= sockets_.size() &&
      t.interface - sockets_.size() < virtual_.size()) {
    ++stats_.datagrams_out;
    virtual_[t.interface - sockets_.size()]->send(t.to, std::move(t.data));
    return;
  }
  if (t.interface >= kEphemeralBase) {
    if (auto it = ephemeral_.find(t.interface); it != ephemeral_.end()) {
      if (it->second->v6() == t.to.v6) {
        ++stats_.datagrams_out;
        it->second->queue(t.to, std::move(t.data));
        return;
      }
    }
    t.interface = kAnyInterface;  // closed since: by the family's socket
  }
  int i = t.to.v6 ? v6_socket_ : v4_socket_;
  if (t.interface < sockets_.size() && reaches(t.interface, t.to)) i = static_cast<int>(t.interface);
  if (i < 0) {
    ++stats_.unroutable;
    return;
  }
  ++stats_.datagrams_out;
  sockets_[static_cast<std::size_t>(i)]->queue(t.to, std::move(t.data));
}

void NodeHost::pump() {
  if (finished_) return;
  TimePoint now = io::steady_now();
  if (auto d = node_.next_deadline(); d && *d <= now) node_.on_deadline(now);
  node_.poll_services(now);
  // Events make services issue commands that queue more datagrams: repeat,
  // bounded, until both queues are empty.
  for (int round = 0; round < 64 && !finished_; ++round) {
    bool any = false;
    while (auto t = node_.poll_transmit(now)) {
      any = true;
      send(std::move(*t));
    }
    for (auto& s : sockets_) s->flush();
    for (auto& [id, s] : ephemeral_) s->flush();
    if (node_.route_events(now)) any = true;
    if (!any) break;
    now = io::steady_now();
  }
  if (finished_) return;
  if (stopping_ && node_.drained()) return finish();
  arm_timer();
}

void NodeHost::arm_timer() {
  auto d = node_.next_deadline();
  if (!d) {
    if (armed_) timer_.cancel();
    armed_.reset();
    return;
  }
  // Already waiting for this deadline or an earlier one: keep that timer (an
  // early wake-up finds nothing due and re-arms).
  if (armed_ && *armed_ <= *d) return;
  armed_ = d;
  timer_.expires_at(to_steady(*d));
  timer_.async_wait([this](asio::error_code ec) {
    if (ec || finished_) return;
    armed_.reset();
    pump();
  });
}

void NodeHost::begin_shutdown() {
  if (finished_ || stopping_) return;
  stopping_ = true;
  node_.shutdown(io::steady_now());
  Duration limit = options_.drain_limit;
  if (limit.count() <= 0) limit = node_.endpoint().config().shutdown_grace + seconds(1);
  drain_timer_.expires_after(limit);
  drain_timer_.async_wait([this](asio::error_code ec) {
    if (ec || finished_) return;
    ++stats_.drain_timeouts;
    finish();
  });
  pump();
}

void NodeHost::finish() {
  if (finished_) return;
  finished_ = true;
  asio::error_code ec;
  timer_.cancel();
  drain_timer_.cancel();
  stats_timer_.cancel();
  signals_.cancel(ec);
  signals_.clear(ec);
  for (auto& s : sockets_) {
    stats_.send_errors += s->stats().send_errors;
    s->close();
  }
  io_.stop();
}

}  // namespace rtmfp::host
