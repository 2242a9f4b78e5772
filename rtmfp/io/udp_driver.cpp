#include "rtmfp/io/udp_driver.hpp"

#include "rtmfp/io/clock.hpp"

#include <asio/post.hpp>

namespace rtmfp::io {

asio::ip::udp::endpoint to_asio(const SocketAddress& a) {
  if (a.v6) {
    asio::ip::address_v6::bytes_type b;
    std::copy(a.ip.begin(), a.ip.end(), b.begin());
    return {asio::ip::address_v6(b), a.port};
  }
  asio::ip::address_v4::bytes_type b{a.ip[0], a.ip[1], a.ip[2], a.ip[3]};
  return {asio::ip::address_v4(b), a.port};
}

SocketAddress from_asio(const asio::ip::udp::endpoint& e) {
  SocketAddress a;
  a.port = e.port();
  auto addr = e.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  if (addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), a.ip.begin());
  } else {
    a.v6 = true;
    auto b = addr.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), a.ip.begin());
  }
  return a;
}

Result<std::vector<SocketAddress>> resolve(asio::io_context& io, const std::string& host, std::uint16_t port) {
  asio::error_code ec;
  auto numeric = asio::ip::make_address(host, ec);
  if (!ec) return std::vector<SocketAddress>{from_asio({numeric, port})};
  asio::ip::udp::resolver r(io);
  auto results = r.resolve(host, std::to_string(port), ec);
  if (ec) return fail(Errc::not_found, "cannot resolve host '" + host + "': " + ec.message());
  std::vector<SocketAddress> out;
  for (const auto& e : results) {
    SocketAddress a = from_asio(e.endpoint());
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  if (out.empty()) return fail(Errc::not_found, "host '" + host + "' has no addresses");
  return out;
}

UdpDriver::UdpDriver(asio::io_context& io, Endpoint& endpoint)
    : io_(io), endpoint_(endpoint), socket_(io), timer_(io), alive_(std::make_shared<bool>(true)) {}

UdpDriver::~UdpDriver() {
  *alive_ = false;
  stop();
}

Result<std::vector<SocketAddress>> UdpDriver::bind_for(const std::vector<SocketAddress>& remotes) {
  if (remotes.empty()) return fail(Errc::invalid_argument, "no address to reach");
  SocketAddress local;
  local.v6 = remotes.front().v6;
  std::vector<SocketAddress> same_family;
  for (const auto& a : remotes)
    if (a.v6 == local.v6) same_family.push_back(a);
  if (auto b = bind(local); !b) return std::unexpected(b.error());
  return same_family;
}

Result<void> UdpDriver::bind(const SocketAddress& local) {
  asio::error_code ec;
  auto ep = to_asio(local);
  socket_.open(ep.protocol(), ec);
  if (ec) return fail(Errc::io_error, "cannot open UDP socket: " + ec.message());
  socket_.bind(ep, ec);
  if (ec) return fail(Errc::io_error, "cannot bind UDP " + local.to_string() + ": " + ec.message());
  // Generous buffers: bursts of datagrams at line rate.
  socket_.set_option(asio::socket_base::receive_buffer_size(4 << 20), ec);
  socket_.set_option(asio::socket_base::send_buffer_size(4 << 20), ec);
  batch_.attach(socket_.native_handle(), ep.protocol() == asio::ip::udp::v6());
  // Never IP-fragment: RFC 7016 §3.5.4.3 probes the path cannot carry must be lost.
  batch_.set_path_mtu_probe_mode();
  return {};
}

SocketAddress UdpDriver::local_address() const {
  asio::error_code ec;
  auto ep = socket_.local_endpoint(ec);
  return ec ? SocketAddress{} : from_asio(ep);
}

void UdpDriver::start() {
  receive();
  pump();
}

void UdpDriver::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ec;
  timer_.cancel();
  batch_.detach();
  socket_.close(ec);
}

void UdpDriver::receive() {
  if (stopped_) return;
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this, alive = alive_](asio::error_code ec) {
    if (!*alive || stopped_) return;
    if (ec == asio::error::operation_aborted) return;
    drain();
  });
}

void UdpDriver::drain() {
  // Read what is queued in batches, answering (pump) after each batch so
  // acknowledgements go out while a burst is still arriving. The reactor is
  // edge-triggered: either read until the socket would block, or come back
  // through the queue when the budget is spent.
  bool would_block = false;
  for (int round = 0; round < 8 && !stopped_ && !would_block; ++round) {
    const std::size_t n = batch_.receive_some(
        UdpBatch::kBatch,
        [this](const SocketAddress& from, ByteView data) { endpoint_.on_datagram(steady_now(), from, data); },
        would_block);
    if (n) pump();
  }
  if (stopped_) return;
  if (would_block)
    receive();
  else
    asio::post(io_, [this, alive = alive_] {
      if (*alive && !stopped_) drain();
    });
}

void UdpDriver::pump() {
  if (stopped_) return;
  TimePoint now = steady_now();
  if (auto d = endpoint_.next_deadline(); d && *d <= now) endpoint_.on_deadline(now);
  if (on_poll) on_poll(now);
  if (stopped_) return;
  // Events may issue commands (writes) that queue more datagrams: repeat,
  // bounded, until both queues are empty. Datagrams go out in batches.
  for (int round = 0; round < 64; ++round) {
    bool any = false;
    while (auto t = endpoint_.poll_transmit(now)) {
      any = true;
      batch_.queue(t->to, std::move(t->data));
      if (batch_.queued() >= 4 * UdpBatch::kBatch) batch_.flush();
    }
    batch_.flush();
    while (auto e = endpoint_.poll_event()) {
      any = true;
      if (on_event) on_event(std::move(*e));
      if (stopped_) return;
    }
    if (!any) break;
    now = steady_now();
  }
  arm_timer();
}

void UdpDriver::arm_timer() {
  auto d = endpoint_.next_deadline();
  if (!d) {
    if (armed_) timer_.cancel();
    armed_.reset();
    return;
  }
  // Already waiting for this deadline or an earlier one: keep that timer (an
  // early wake-up finds nothing due and re-arms), which saves a timerfd
  // system call on nearly every pump while pacing moves the deadline forward.
  if (armed_ && *armed_ <= *d) return;
  armed_ = d;
  auto when = std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(d->time_since_epoch()));
  timer_.expires_at(when);
  timer_.async_wait([this, alive = alive_](asio::error_code ec) {
    if (!*alive || ec || stopped_) return;
    armed_.reset();
    endpoint_.on_deadline(steady_now());
    pump();
  });
}

}  // namespace rtmfp::io
