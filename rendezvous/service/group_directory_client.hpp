// A node's side of the rendezvous's group directory (control.proto
// GroupJoin / GroupMembers / GroupLeave), sans-I/O, on the control flow of
// the node's RegistrationClient: each joined group sends a GroupJoin once
// registered, again every refresh period the rendezvous names (a member
// that stops refreshing expires there), at once after a re-registration
// (the rendezvous may have restarted), every second after a Failure (no
// publisher yet), and a GroupLeave on leave(). The first answer's key is
// kept for the later joins, so the rendezvous cannot change it afterwards.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "rendezvous/service/registration_client.hpp"

namespace rtmfp::rendezvous {

class GroupDirectoryClient : public node::Service {
 public:
  using OnMembers = std::function<void(TimePoint, std::uint32_t handle, const control::GroupMembers&)>;
  using OnFailure = std::function<void(TimePoint, std::uint32_t handle, const std::string& reason)>;
  GroupDirectoryClient(RegistrationClient& registration, OnMembers on_members, OnFailure on_failure);

  std::uint32_t join(TimePoint now, std::string name, std::optional<control::GroupKey> key, bool publisher);
  void leave(TimePoint now, std::uint32_t handle);

  std::string_view name() const override { return "group-directory"; }
  std::vector<Bytes> signatures() const override { return {}; }
  node::Interests interests() const override { return node::Interests::none(); }
  bool on_event(TimePoint, const EndpointEvent&) override { return false; }
  void on_poll(TimePoint now) override;
  std::optional<TimePoint> next_deadline() const override;
  void on_deadline(TimePoint now) override { on_poll(now); }

 private:
  struct Entry {
    std::string name;
    std::optional<control::GroupKey> key;
    bool publisher = false;
    std::uint32_t request = 0;
    std::optional<TimePoint> next_at;
  };
  void on_control(TimePoint now, const control::Message& m);
  void send(TimePoint now, std::uint32_t handle, Entry& e);

  RegistrationClient& registration_;
  OnMembers on_members_;
  OnFailure on_failure_;
  std::map<std::uint32_t, Entry> entries_;
  std::uint32_t next_handle_ = 1, next_request_ = 0x40000000;  // apart from the registration's ids
  std::optional<SessionHandle> registered_session_;
};

}  // namespace rtmfp::rendezvous
