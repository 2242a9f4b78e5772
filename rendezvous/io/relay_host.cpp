#include "rendezvous/io/relay_host.hpp"

#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/resolve.hpp"

namespace rtmfp::rendezvous {

RelayHost::RelayHost(asio::io_context& io, Relay& relay, SocketAddress ip)
    : io_(io), relay_(relay), ip_(ip), timer_(io) {}

Result<void> RelayHost::open() {
  const auto& c = relay_.config();
  for (std::uint32_t p = c.first_port; p <= c.last_port && c.first_port; ++p) {
    auto port = std::make_unique<Port>(io_);
    SocketAddress a = ip_;
    a.port = static_cast<std::uint16_t>(p);
    const auto ep = io::to_asio(a);
    asio::error_code ec;
    port->socket.open(ep.protocol(), ec);
    if (!ec) port->socket.bind(ep, ec);
    if (ec) {
      close();
      return fail(Errc::io_error, "relay: cannot bind " + a.to_string() + ": " + ec.message());
    }
    ports_.emplace(static_cast<std::uint16_t>(p), std::move(port));
  }
  for (auto& [p, _] : ports_) receive(p);
  tick();
  return {};
}

void RelayHost::close() {
  closed_ = true;
  timer_.cancel();
  for (auto& [p, port] : ports_) {
    asio::error_code ec;
    port->socket.close(ec);
  }
}

void RelayHost::receive(std::uint16_t p) {
  Port& port = *ports_.at(p);
  port.socket.async_receive_from(asio::buffer(port.buffer), port.from, [this, p](asio::error_code ec, std::size_t n) {
    if (closed_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      Port& in = *ports_.at(p);
      auto r = relay_.on_datagram(io::steady_now(), p, io::from_asio(in.from), ByteView(in.buffer.data(), n));
      auto send = [&](const RelayForward& f, ByteView bytes) {
        auto out = ports_.find(f.from_port);
        asio::error_code sec;
        if (out != ports_.end()) out->second->socket.send_to(asio::buffer(bytes.data(), bytes.size()), io::to_asio(f.to), 0, sec);
        if (out == ports_.end() || sec) ++send_errors_;
      };
      if (r.forward) send(*r.forward, ByteView(in.buffer.data(), n));
      if (r.release) send(*r.release, r.held);
    }
    receive(p);  // errors such as a peer's ICMP unreachable do not end the port
  });
}

void RelayHost::tick() {
  if (closed_) return;
  relay_.on_deadline(io::steady_now());
  while (relay_.poll_released()) {
  }  // every socket stays bound; the port simply returns to the pool
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](asio::error_code ec) {
    if (!ec) tick();
  });
}

}  // namespace rtmfp::rendezvous
