// The shared directory's core (rendezvous/core/directory.hpp) wired to its
// store (directory_store.hpp) as a service of the rendezvous's Node: the
// core's commands go to the store at the end of every host pump in which
// they were queued (its deadline is the oldest waiting command's time), and
// never block. Answers come back through NodeHost::post (run_server).
#pragma once

#include "rendezvous/core/directory.hpp"
#include "rendezvous/io/directory_store.hpp"
#include "rtmfp/node/service.hpp"

namespace rtmfp::rendezvous {

class DirectoryLink final : public node::Service {
 public:
  DirectoryLink(Directory& directory, DirectoryStore& store) : directory_(directory), store_(store) {}

  std::string_view name() const override { return "directory"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override { return node::Interests::none(); }
  bool on_event(TimePoint, const EndpointEvent&) override { return false; }
  void on_poll(TimePoint) override { drain(); }
  std::optional<TimePoint> next_deadline() const override { return directory_.commands_since(); }
  void on_deadline(TimePoint) override { drain(); }

 private:
  void drain() {
    while (auto c = directory_.poll_command()) (void)store_.submit(std::move(*c));  // a full store counts its drops
  }
  Directory& directory_;
  DirectoryStore& store_;
};

}  // namespace rtmfp::rendezvous
