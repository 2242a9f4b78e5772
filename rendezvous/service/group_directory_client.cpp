#include "rendezvous/service/group_directory_client.hpp"

namespace rtmfp::rendezvous {

namespace {
constexpr Duration kRetry = seconds(1);
constexpr Duration kDefaultRefresh = seconds(10);
}  // namespace

GroupDirectoryClient::GroupDirectoryClient(RegistrationClient& registration, OnMembers on_members,
                                           OnFailure on_failure)
    : registration_(registration), on_members_(std::move(on_members)), on_failure_(std::move(on_failure)) {
  registration_.set_control_handler([this](TimePoint now, const control::Message& m) { on_control(now, m); });
}

std::uint32_t GroupDirectoryClient::join(TimePoint now, std::string name, std::optional<control::GroupKey> key,
                                         bool publisher) {
  const std::uint32_t h = next_handle_++;
  entries_[h] = Entry{std::move(name), key, publisher, 0, now};
  on_poll(now);
  return h;
}

void GroupDirectoryClient::leave(TimePoint now, std::uint32_t handle) {
  auto it = entries_.find(handle);
  if (it == entries_.end()) return;
  if (it->second.key)
    (void)registration_.send_control(now, control::GroupLeave{it->second.name, *it->second.key});
  entries_.erase(it);
}

void GroupDirectoryClient::send(TimePoint now, std::uint32_t, Entry& e) {
  control::GroupJoin j;
  j.request_id = e.request = next_request_++;
  j.name = e.name;
  j.publisher_key = e.key;
  j.publisher = e.publisher;
  // Not registered (yet): tried again shortly.
  e.next_at = now + (registration_.send_control(now, j) ? kRetry * 3 : milliseconds(200));
}

void GroupDirectoryClient::on_poll(TimePoint now) {
  const bool registered = registration_.registered().has_value();
  if (registered && registration_.session() != registered_session_) {
    // A (re-)registration: join everything again now.
    registered_session_ = registration_.session();
    for (auto& [h, e] : entries_) e.next_at = now;
  }
  for (auto& [h, e] : entries_)
    if (e.next_at && *e.next_at <= now) send(now, h, e);
}

std::optional<TimePoint> GroupDirectoryClient::next_deadline() const {
  std::optional<TimePoint> d;
  for (const auto& [h, e] : entries_) d = earliest(d, e.next_at);
  return d;
}

void GroupDirectoryClient::on_control(TimePoint now, const control::Message& m) {
  if (const auto* g = std::get_if<control::GroupMembers>(&m)) {
    for (auto& [h, e] : entries_) {
      if (e.request != g->request_id) continue;
      if (e.key && *e.key != g->publisher_key) return;  // not what we asked for: ignored
      e.key = g->publisher_key;
      e.next_at = now + (g->refresh_ms ? milliseconds(g->refresh_ms) : kDefaultRefresh);
      if (on_members_) on_members_(now, h, *g);
      return;
    }
  } else if (const auto* f = std::get_if<control::Failure>(&m)) {
    for (auto& [h, e] : entries_) {
      if (e.request != f->request_id) continue;
      e.next_at = now + kRetry;
      if (on_failure_) on_failure_(now, h, f->reason);
      return;
    }
  }
}

}  // namespace rtmfp::rendezvous
