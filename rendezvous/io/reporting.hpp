// A registration service (RegistrationClient, NetConnectionRegistration)
// that reports its events as they happen: they arise inside the node's
// routing, from the rendezvous's answers and from retries, and the program
// prints them at once.
#pragma once

#include <functional>
#include <utility>

#include "rendezvous/service/registration_client.hpp"

namespace rtmfp::rendezvous {

template <class Registration>
class Reporting final : public Registration {
 public:
  using Report = std::function<void(const RegistrationEvent&)>;
  template <class... Args>
  explicit Reporting(Report report, Args&&... args)
      : Registration(std::forward<Args>(args)...), report_(std::move(report)) {}

  void on_start(TimePoint now) override {
    Registration::on_start(now);
    flush();
  }
  bool on_event(TimePoint now, const EndpointEvent& e) override {
    const bool consumed = Registration::on_event(now, e);
    flush();
    return consumed;
  }
  void on_deadline(TimePoint now) override {
    Registration::on_deadline(now);
    flush();
  }

 private:
  void flush() {
    while (auto r = this->poll_event()) report_(*r);
  }
  Report report_;
};

}  // namespace rtmfp::rendezvous
