#include "rendezvous/io/node.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <asio.hpp>
#include <cstring>

#include "rendezvous/service/registration_client.hpp"
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/io/clock.hpp"
#include "rtmfp/io/udp_driver.hpp"

namespace rtmfp::rendezvous {

std::vector<SocketAddress> host_addresses(const SocketAddress& local) {
  std::vector<SocketAddress> out;
  if (!local.is_unspecified()) {
    if (!local.is_loopback()) out.push_back(local);
    return out;
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    SocketAddress a;
    a.port = local.port;
    if (i->ifa_addr->sa_family == AF_INET) {
      a.v6 = false;
      std::memcpy(a.ip.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      if (a.ip[0] == 169 && a.ip[1] == 254) continue;  // link-local
    } else if (i->ifa_addr->sa_family == AF_INET6 && local.v6) {
      a.v6 = true;
      std::memcpy(a.ip.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      if (a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80) continue;  // fe80::/10
    } else {
      continue;
    }
    if (!a.is_loopback() && out.size() < 8) out.push_back(a);
  }
  freeifaddrs(list);
  return out;
}

int run_node(const NodeOptions& options, RandomSource& rng) {
  asio::io_context io;
  EndpointConfig cfg = options.endpoint;
  Endpoint endpoint(cfg, rng);
  endpoint.add_profile(*options.profile);
  endpoint.set_trace(options.trace);
  io::UdpDriver driver(io, endpoint);
  if (auto b = driver.bind(options.listen); !b) {
    std::fprintf(stderr, "rtmfp node: %s\n", b.error().message().c_str());
    return 6;
  }
  const SocketAddress local = driver.local_address();

  ConnectRequest to_rv;
  to_rv.profile = options.profile->kind();
  to_rv.epd.uri = options.rendezvous_uri;
  to_rv.epd.peer_id = options.rendezvous_peer_id;
  to_rv.candidates = options.rendezvous;
  RegistrationClient reg(endpoint, to_rv, host_addresses(local));

  asio::steady_timer retry(io), stop_timer(io);
  bool announced = false;
  std::function<void()> arm_retry = [&] {
    auto d = reg.next_deadline();
    if (!d) return;
    retry.expires_at(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(d->time_since_epoch())));
    retry.async_wait([&](asio::error_code ec) {
      if (ec) return;
      reg.on_deadline(io::steady_now());
      driver.pump();
      arm_retry();
    });
  };
  driver.on_event = [&](EndpointEvent&& e) {
    const TimePoint now = io::steady_now();
    (void)reg.on_event(now, e);
    while (auto r = reg.poll_event()) {
      if (r->kind == RegistrationEvent::registered) {
        if (!announced) {
          // First stdout line, exactly:
          // node peer-id <hex> registered rtmfp://HOST:PORT reflexive ADDR:PORT
          std::fprintf(options.out, "node peer-id %s registered %s reflexive %s\n",
                       to_hex(ByteView(options.profile->local_peer_id().data(), 32)).c_str(), options.rendezvous_uri.c_str(),
                       r->info.reflexive.to_string().c_str());
          announced = true;
        } else {
          std::fprintf(options.out, "registered again reflexive %s\n", r->info.reflexive.to_string().c_str());
        }
      } else {
        std::fprintf(options.out, "registration lost: %s (retrying)\n", r->reason.c_str());
        arm_retry();
      }
      std::fflush(options.out);
    }
  };

  asio::signal_set signals(io, SIGINT, SIGTERM);
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
  signals.async_wait([&](asio::error_code ec, int) {
    if (ec) return;
    retry.cancel();
    endpoint.shutdown(io::steady_now());
    driver.pump();
    wait_drained();
  });
  driver.start();
  reg.start(io::steady_now());
  driver.pump();
  arm_retry();
  io.run();
  driver.stop();
  std::fprintf(options.out, "stopped\n");
  std::fflush(options.out);
  return 0;
}

}  // namespace rtmfp::rendezvous
