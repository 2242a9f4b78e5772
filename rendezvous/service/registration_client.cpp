#include "rendezvous/service/registration_client.hpp"

#include <algorithm>

namespace rtmfp::rendezvous {

namespace {
}  // namespace

RegistrationClient::RegistrationClient(Endpoint& endpoint, ConnectRequest to_rendezvous,
                                       std::vector<SocketAddress> host_addresses)
    : RegistrationClient(endpoint, std::vector<ConnectRequest>{std::move(to_rendezvous)}, std::move(host_addresses),
                         {}) {}

RegistrationClient::RegistrationClient(Endpoint& endpoint, std::vector<ConnectRequest> rendezvous,
                                       std::vector<SocketAddress> host_addresses, RegistrationOptions options)
    : endpoint_(endpoint), requests_(std::move(rendezvous)), options_(options), hosts_(std::move(host_addresses)) {
  if (hosts_.size() > control::kMaxAddresses) hosts_.resize(control::kMaxAddresses);
}

void RegistrationClient::start(TimePoint now) { connect(now); }

void RegistrationClient::connect(TimePoint now) {
  retry_at_.reset();
  if (shut_down_) return;
  ++attempts_;
  if (requests_.empty()) return;
  auto s = endpoint_.connect(now, requests_[current_]);
  if (!s) {
    lost(now, s.error().message());
    return;
  }
  session_ = *s;
  if (options_.attempt_timeout > Duration::zero()) attempt_deadline_ = now + options_.attempt_timeout;
}

void RegistrationClient::lost(TimePoint now, std::string reason) {
  const bool was_registered = registered_.has_value();
  session_.reset();
  out_.reset();
  registered_.reset();
  ping_at_.reset();
  attempt_deadline_.reset();
  unanswered_ = 0;
  RegistrationEvent e{RegistrationEvent::lost, {}, std::move(reason)};
  e.rendezvous = current_;
  events_.push_back(std::move(e));
  if (was_registered) backoff_.reset();
  if (requests_.size() > 1) {
    // The next rendezvous at once: after losing a registration, or while a
    // round through the list is not complete.
    current_ = (current_ + 1) % requests_.size();
    if (was_registered || current_ != 0) {
      if (!shut_down_) retry_at_ = now;
      return;
    }
  }
  if (!shut_down_) retry_at_ = now + backoff_.next(endpoint_.random_source().unit());
}

void RegistrationClient::ping(TimePoint now) {
  ping_at_ = now + options_.liveness_interval;
  if (!session_ || !registered_) return;
  if (unanswered_ >= options_.liveness_misses) {
    // Gone without closing (killed, or the path died): do not wait for the
    // idle timeout. Closed abruptly: nobody is there to answer a close.
    const SessionHandle s = *session_;
    lost(now, "rendezvous stopped answering (" + std::to_string(unanswered_) + " pings)");
    (void)endpoint_.close(now, s, true);
    return;
  }
  static constexpr std::uint8_t kMessage[] = {'r', 'v', '?'};
  if (endpoint_.ping(now, *session_, ByteView(kMessage, sizeof kMessage))) ++unanswered_;
}

void RegistrationClient::on_shutdown(TimePoint) {
  shut_down_ = true;
  retry_at_.reset();
  ping_at_.reset();
  attempt_deadline_.reset();
}

void RegistrationClient::on_deadline(TimePoint now) {
  if (ping_at_ && *ping_at_ <= now) ping(now);
  if (attempt_deadline_ && *attempt_deadline_ <= now) {
    attempt_deadline_.reset();
    if (session_ && !registered_) {
      const SessionHandle s = *session_;
      lost(now, "no registration within " + std::to_string(to_ms(options_.attempt_timeout) / 1000) + " s");
      (void)endpoint_.close(now, s, true);  // reported as SessionOpenFailed / SessionClosed: no longer ours
    }
  }
  if (retry_at_ && *retry_at_ <= now) connect(now);
}

std::optional<RegistrationEvent> RegistrationClient::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

bool RegistrationClient::on_event(TimePoint now, const EndpointEvent& event) {
  if (!session_) return false;
  if (const auto* o = std::get_if<SessionOpened>(&event)) {
    if (o->session != *session_) return false;
    auto f = endpoint_.open_flow(now, *session_, control::flow_signature());
    if (!f) {
      lost(now, f.error().message());
      return true;
    }
    out_ = *f;
    control::Registration r;
    r.request_id = next_request_++;
    r.host_addresses = hosts_;
    r.nat_report_follows = options_.nat_report_follows;
    if (auto bytes = control::encode(r)) (void)endpoint_.write(now, *session_, *out_, *bytes);
    return false;  // others may want to know the session opened
  }
  if (const auto* f = std::get_if<SessionOpenFailed>(&event)) {
    if (f->session != *session_) return false;
    lost(now, f->error.message());
    return true;
  }
  if (const auto* c = std::get_if<SessionClosed>(&event)) {
    if (c->session != *session_) return false;
    if (shut_down_) {
      // Our own shutdown closed it (the endpoint reports local closes too):
      // nothing was lost, nothing to retry.
      session_.reset();
      out_.reset();
      registered_.reset();
      return false;
    }
    lost(now, std::string("session to the rendezvous closed (") + close_reason_name(c->reason) + ")");
    return false;
  }
  if (const auto* p = std::get_if<PingReplied>(&event)) {
    if (p->session != *session_) return false;
    unanswered_ = 0;  // alive
    return false;
  }
  if (const auto* in = std::get_if<FlowIncoming>(&event)) {
    if (in->session != *session_ || !out_ || in->association != out_) return false;
    return true;  // the rendezvous's answer flow; its messages follow
  }
  if (const auto* m = std::get_if<FlowMessage>(&event)) {
    if (m->session != *session_) return false;
    auto msg = control::decode(m->data);
    if (!msg) return false;
    if (const auto* r = std::get_if<control::Registered>(&*msg)) {
      if (registered_ && update_request_ && r->request_id == *update_request_) {
        registered_ = *r;  // an address update answered: not a new registration
        update_request_.reset();
        return true;
      }
      registered_ = *r;
      backoff_.reset();
      nat_sent_ = false;  // a new registration: the rendezvous may have forgotten it
      send_nat(now);
      RegistrationEvent e{RegistrationEvent::registered, *r, {}};
      e.rendezvous = current_;
      events_.push_back(std::move(e));
      attempt_deadline_.reset();
      unanswered_ = 0;
      if (options_.liveness_interval > Duration::zero() && !shut_down_) ping_at_ = now + options_.liveness_interval;
      return true;
    }
    if (const auto* i = std::get_if<control::Introduction>(&*msg)) {
      last_introduction_ = *i;
      if (introduction_handler_) introduction_handler_(now, *i);
      return true;
    }
    if (control_handler_) control_handler_(now, *msg);
    return true;
  }
  return false;
}

bool RegistrationClient::send_control(TimePoint now, const control::Message& m) {
  if (!registered_ || !session_ || !out_) return false;
  auto bytes = control::encode(m);
  return bytes && endpoint_.write(now, *session_, *out_, *bytes).has_value();
}

void RegistrationClient::set_host_addresses(TimePoint now, std::vector<SocketAddress> host_addresses) {
  hosts_ = std::move(host_addresses);
  if (hosts_.size() > control::kMaxAddresses) hosts_.resize(control::kMaxAddresses);
  if (!registered_ || !session_ || !out_) return;  // the next registration carries them
  control::Registration r;
  r.request_id = next_request_++;
  r.host_addresses = hosts_;
  if (auto bytes = control::encode(r); bytes && endpoint_.write(now, *session_, *out_, *bytes))
    update_request_ = r.request_id;
}

void RegistrationClient::report_nat(TimePoint now, control::NatReport report) {
  nat_ = std::move(report);
  nat_sent_ = false;
  send_nat(now);
}

void RegistrationClient::send_nat(TimePoint now) {
  if (!nat_ || nat_sent_ || !registered_ || !session_ || !out_) return;
  if (auto bytes = control::encode(*nat_)) nat_sent_ = endpoint_.write(now, *session_, *out_, *bytes).has_value();
}

}  // namespace rtmfp::rendezvous
