#include "rendezvous/io/rendezvous_server.hpp"

#include <asio.hpp>

#include "rendezvous/core/introducer_service.hpp"
#include "rendezvous/service/control_service.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/udp_driver.hpp"

namespace rtmfp::rendezvous {

std::string format_stats(const EndpointStats& s, std::size_t sessions, std::size_t registered,
                         std::uint64_t introductions) {
  std::string line = "stats sessions=" + std::to_string(sessions) + " open=" + std::to_string(s.sessions_open) +
                     " registered=" + std::to_string(registered) + " introductions=" + std::to_string(introductions) +
                     " accepted=" + std::to_string(s.sessions_accepted) +
                     " rhellos=" + std::to_string(s.rhellos_sent) + " packets_in=" + std::to_string(s.packets_in) +
                     " packets_out=" + std::to_string(s.packets_out) + " bytes_in=" + std::to_string(s.bytes_in) +
                     " bytes_out=" + std::to_string(s.bytes_out) + " dropped=" + std::to_string(s.total_drops());
  std::string why;
  for (std::size_t i = 0; i < s.drops.size(); ++i) {
    if (!s.drops[i]) continue;
    if (!why.empty()) why += ",";
    why += std::string(drop_reason_name(static_cast<DropReason>(i))) + "=" + std::to_string(s.drops[i]);
  }
  if (!why.empty()) line += " (" + why + ")";
  if (s.datagrams_shed) line += " shed_out=" + std::to_string(s.datagrams_shed);
  return line;
}

int run_server(const ServerOptions& options, RandomSource& rng) {
  asio::io_context io;
  EndpointConfig cfg = options.endpoint;
  // RFC 7016 §3.5.1.6: the rendezvous introduces registered peers.
  cfg.report_unmatched_ihellos = true;
  Endpoint endpoint(cfg, rng);
  for (auto* p : options.profiles) endpoint.add_profile(*p);
  endpoint.set_trace(options.trace);
  SipKey key{};
  rng.fill(key);
  IntroducerService introducer(endpoint, key);
  ControlService control(endpoint, introducer);
  io::UdpDriver driver(io, endpoint);
  driver.on_event = [&](EndpointEvent&& e) {
    const TimePoint now = io::steady_now();
    if (introducer.on_event(now, e)) return;
    (void)control.on_event(now, e);
  };
  auto stats_line = [&](std::size_t sessions) {
    return format_stats(endpoint.stats(), sessions, introducer.registry().size(), introducer.stats().introductions);
  };
  if (auto b = driver.bind(options.listen); !b) {
    std::fprintf(stderr, "rtmfp rendezvous: %s\n", b.error().message().c_str());
    return 1;
  }
  if (options.on_listening) options.on_listening(driver.local_address());

  asio::steady_timer stats_timer(io), stop_timer(io);
  std::function<void()> tick = [&] {
    stats_timer.expires_after(options.stats_interval);
    stats_timer.async_wait([&](asio::error_code ec) {
      if (ec) return;
      std::fprintf(options.out, "%s\n", stats_line(endpoint.sessions().size()).c_str());
      std::fflush(options.out);
      tick();
    });
  };
  if (options.stats_interval.count() > 0) tick();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void()> wait_drained = [&] {
    if (endpoint.drained()) {
      io.stop();
      return;
    }
    stop_timer.expires_after(std::chrono::milliseconds(20));
    stop_timer.async_wait([&](asio::error_code ec) {
      if (!ec) wait_drained();
    });
  };
  signals.async_wait([&](asio::error_code ec, int sig) {
    if (ec) return;
    stopping = true;
    std::fprintf(options.out, "received %s: closing %zu sessions\n", sig == SIGINT ? "SIGINT" : "SIGTERM",
                 endpoint.sessions().size());
    std::fflush(options.out);
    endpoint.shutdown(io::steady_now());
    driver.pump();
    wait_drained();
  });
  driver.start();
  io.run();
  driver.stop();
  if (stopping) {
    std::fprintf(options.out, "%s\nstopped\n", stats_line(0).c_str());
    std::fflush(options.out);
  }
  return 0;
}

}  // namespace rtmfp::rendezvous
