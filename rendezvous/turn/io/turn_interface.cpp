#include "rendezvous/turn/io/turn_interface.hpp"

#include "rtmfp/host/host_socket.hpp"
#include "rtmfp/io/clock.hpp"

namespace rtmfp::turn {

TurnInterface::TurnInterface(host::NodeHost& host, SocketAddress server, TurnClientConfig config,
                             RandomSource& rng, TurnInterfaceCallbacks callbacks)
    : host_(host),
      server_(server),
      client_(std::move(config), rng),
      callbacks_(std::move(callbacks)),
      timer_(host.context()) {}

TurnInterface::~TurnInterface() {
  timer_.cancel();
  if (socket_) socket_->close();
}

Result<void> TurnInterface::open() {
  socket_ = std::make_unique<host::HostSocket>(host_.context());
  SocketAddress any;
  any.v6 = server_.v6;
  if (auto b = socket_->bind(any, server_.v6); !b) return b;
  iface_ = host_.add_interface(*this);
  return {};
}

void TurnInterface::start() {
  socket_->start(
      [this](const SocketAddress& from, ByteView data) {
        if (from == server_) client_.on_datagram(io::steady_now(), data);  // anyone else: ignored
      },
      [this] { pump(); });
  (void)client_.start(io::steady_now());
  pump();
}

Result<void> TurnInterface::permit(const SocketAddress& peer) {
  auto r = client_.permit(io::steady_now(), peer);
  pump();
  return r;
}

void TurnInterface::close() {
  client_.close(io::steady_now());
  pump();
}

void TurnInterface::send(const SocketAddress& to, Bytes data) {
  if (!client_.send(io::steady_now(), to, data)) ++send_errors_;
  if (!pumping_) pump();
}

void TurnInterface::pump() {
  if (pumping_) return;
  pumping_ = true;
  TimePoint now = io::steady_now();
  if (auto d = client_.next_deadline(); d && *d <= now) client_.on_deadline(now);
  // Delivering a datagram makes the node answer, which may queue more to
  // send by this interface: repeat until both queues are empty (bounded).
  for (int round = 0; round < 64; ++round) {
    bool any = false;
    while (auto t = client_.poll_transmit()) {
      any = true;
      socket_->queue(server_, std::move(*t));
    }
    socket_->flush();
    while (auto e = client_.poll_event()) {
      any = true;
      if (auto* d = std::get_if<TurnData>(&*e)) {
        host_.deliver(iface_, d->peer, d->data);
      } else if (auto* a = std::get_if<TurnAllocated>(&*e)) {
        if (callbacks_.on_allocated) callbacks_.on_allocated(*a);
      } else if (auto* f = std::get_if<TurnFailed>(&*e)) {
        if (callbacks_.on_failed) callbacks_.on_failed(*f);
      }
    }
    if (!any) break;
  }
  pumping_ = false;
  arm_timer();
}

void TurnInterface::arm_timer() {
  auto d = client_.next_deadline();
  if (!d) return;
  timer_.expires_at(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(d->time_since_epoch())));
  timer_.async_wait([this](asio::error_code ec) {
    if (!ec) pump();
  });
}

}  // namespace rtmfp::turn
