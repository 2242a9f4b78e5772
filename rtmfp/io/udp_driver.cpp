#include "rtmfp/io/udp_driver.hpp"

#include "rtmfp/io/clock.hpp"

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
    : io_(io), endpoint_(endpoint), socket_(io), timer_(io), buffer_(65536), alive_(std::make_shared<bool>(true)) {}

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
  socket_.close(ec);
}

void UdpDriver::receive() {
  if (stopped_) return;
  socket_.async_receive_from(asio::buffer(buffer_), from_, [this, alive = alive_](asio::error_code ec, std::size_t n) {
    if (!*alive || stopped_) return;
    if (!ec) {
      endpoint_.on_datagram(steady_now(), from_asio(from_), ByteView(buffer_.data(), n));
      // Drain what else is already queued before answering, so acks and
      // data for a burst go out together.
      for (int i = 0; i < 64 && !stopped_; ++i) {
        asio::error_code ec2;
        if (socket_.available(ec2) == 0 || ec2) break;
        std::size_t m = socket_.receive_from(asio::buffer(buffer_), from_, 0, ec2);
        if (ec2) break;
        endpoint_.on_datagram(steady_now(), from_asio(from_), ByteView(buffer_.data(), m));
      }
      pump();
    }
    // Errors such as ICMP port unreachable (ECONNREFUSED) are not fatal for UDP.
    if (ec != asio::error::operation_aborted) receive();
  });
}

void UdpDriver::pump() {
  if (stopped_) return;
  TimePoint now = steady_now();
  if (auto d = endpoint_.next_deadline(); d && *d <= now) endpoint_.on_deadline(now);
  if (on_poll) on_poll(now);
  if (stopped_) return;
  // Events may issue commands (writes) that queue more datagrams: repeat,
  // bounded, until both queues are empty.
  for (int round = 0; round < 64; ++round) {
    bool any = false;
    while (auto t = endpoint_.poll_transmit(now)) {
      any = true;
      asio::error_code ec;
      socket_.send_to(asio::buffer(t->data), to_asio(t->to), 0, ec);
      if (ec) ++send_errors_;
    }
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
  if (armed_ && *armed_ == *d) return;  // already waiting for this deadline
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
