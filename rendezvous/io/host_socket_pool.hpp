// The node host's extra UDP sockets as birthday probing's SocketPool
// (rendezvous/core/birthday_traversal.hpp): ephemeral ports on the wildcard
// address of the peer's family (NodeHost::open_ephemeral, at most
// NodeHost::kMaxEphemeral at once), closed when the traversal gives them back.
#pragma once

#include "rendezvous/core/birthday_traversal.hpp"
#include "rtmfp/host/node_host.hpp"

namespace rtmfp::rendezvous {

class HostSocketPool final : public SocketPool {
 public:
  void attach(host::NodeHost* host) { host_ = host; }
  std::vector<InterfaceId> open(std::size_t n, const SocketAddress& toward) override {
    std::vector<InterfaceId> out;
    if (!host_) return out;
    for (std::size_t i = 0; i < n; ++i) {
      auto id = host_->open_ephemeral(toward.v6);
      if (!id) {
        ++failures;
        break;
      }
      out.push_back(*id);
    }
    return out;
  }
  void close(InterfaceId iface) override {
    if (host_) host_->close_ephemeral(iface);
  }
  std::uint64_t failures = 0;  // binds refused (limit, or the system's)

 private:
  host::NodeHost* host_ = nullptr;
};

}  // namespace rtmfp::rendezvous
