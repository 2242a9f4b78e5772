#include "rtmfp/host/host_socket.hpp"

#include <asio/post.hpp>

#include "rtmfp/io/resolve.hpp"

namespace rtmfp::host {

HostSocket::HostSocket(asio::io_context& io) : io_(io), socket_(io), alive_(std::make_shared<bool>(true)) {}

HostSocket::~HostSocket() {
  *alive_ = false;
  close();
}

Result<void> HostSocket::bind(const SocketAddress& local, bool v6_only) {
  asio::error_code ec;
  auto ep = io::to_asio(local);
  socket_.open(ep.protocol(), ec);
  if (ec) return fail(Errc::io_error, "cannot open UDP socket: " + ec.message());
  v6_ = local.v6;
  if (v6_ && v6_only) {
    socket_.set_option(asio::ip::v6_only(true), ec);
    if (ec) return fail(Errc::io_error, "cannot make " + local.to_string() + " IPv6-only: " + ec.message());
    v6_only_ = true;
  } else if (v6_) {
    asio::ip::v6_only opt;
    socket_.get_option(opt, ec);
    v6_only_ = !ec && opt.value();
  }
  socket_.bind(ep, ec);
  if (ec) return fail(Errc::io_error, "cannot bind UDP " + local.to_string() + ": " + ec.message());
  // Generous buffers: bursts of datagrams at line rate.
  socket_.set_option(asio::socket_base::receive_buffer_size(4 << 20), ec);
  socket_.set_option(asio::socket_base::send_buffer_size(4 << 20), ec);
  batch_.attach(socket_.native_handle(), v6_);
  // Never IP-fragment: RFC 7016 §3.5.4.3 probes the path cannot carry must be lost.
  batch_.set_path_mtu_probe_mode();
  return {};
}

SocketAddress HostSocket::local_address() const {
  asio::error_code ec;
  auto ep = socket_.local_endpoint(ec);
  return ec ? SocketAddress{} : io::from_asio(ep);
}

void HostSocket::start(Sink on_datagram, std::function<void()> after_batch) {
  on_datagram_ = std::move(on_datagram);
  after_batch_ = std::move(after_batch);
  wait_readable();
}

void HostSocket::queue(const SocketAddress& to, Bytes data) {
  if (closed_) return;
  batch_.queue(to, std::move(data));
  if (batch_.queued() >= 4 * io::UdpBatch::kBatch) batch_.flush();
}

void HostSocket::flush() {
  if (!closed_) batch_.flush();
}

void HostSocket::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  batch_.detach();
  socket_.close(ec);
}

void HostSocket::wait_readable() {
  if (closed_) return;
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this, alive = alive_](asio::error_code ec) {
    if (!*alive || closed_ || ec == asio::error::operation_aborted) return;
    drain();
  });
}

void HostSocket::drain() {
  // Batches, with a pump after each; the reactor is edge-triggered: read
  // until the socket would block, or come back through the queue when the
  // budget is spent (so other sockets and timers get their turn).
  bool would_block = false;
  for (int round = 0; round < 8 && !closed_ && !would_block; ++round) {
    const std::size_t n = batch_.receive_some(io::UdpBatch::kBatch, on_datagram_, would_block);
    if (n && after_batch_) after_batch_();
  }
  if (closed_) return;
  if (would_block)
    wait_readable();
  else
    asio::post(io_, [this, alive = alive_] {
      if (*alive && !closed_) drain();
    });
}

}  // namespace rtmfp::host
