#include "rendezvous/control/control_codec.hpp"

#include <algorithm>
#include <cstring>

#include "rendezvous/proto/control.pb.h"

namespace rtmfp::rendezvous::control {

namespace {

void put(pb::Address* out, const SocketAddress& a) {
  out->set_ip(reinterpret_cast<const char*>(a.ip.data()), a.v6 ? 16 : 4);
  out->set_port(a.port);
}

Result<SocketAddress> get(const pb::Address& in, std::string_view what) {
  SocketAddress a;
  if (in.ip().size() == 4) {
    a.v6 = false;
  } else if (in.ip().size() == 16) {
    a.v6 = true;
  } else {
    return fail(Errc::malformed, std::string(what) + ": address of " + std::to_string(in.ip().size()) +
                                     " bytes (4 or 16 expected)");
  }
  if (in.port() > 0xffff) return fail(Errc::malformed, std::string(what) + ": port out of range");
  std::memcpy(a.ip.data(), in.ip().data(), in.ip().size());
  a.port = static_cast<std::uint16_t>(in.port());
  return a;
}

template <class Repeated>
Result<std::vector<SocketAddress>> get_all(const Repeated& in, std::string_view what) {
  if (static_cast<std::size_t>(in.size()) > kMaxAddresses)
    return fail(Errc::limit_exceeded, std::string(what) + ": " + std::to_string(in.size()) +
                                          " addresses (at most " + std::to_string(kMaxAddresses) + ")");
  std::vector<SocketAddress> out;
  out.reserve(static_cast<std::size_t>(in.size()));
  for (const auto& a : in) {
    auto s = get(a, what);
    if (!s) return std::unexpected(s.error());
    out.push_back(*s);
  }
  return out;
}

Result<PeerId> get_peer_id(const std::string& in, std::string_view what) {
  if (in.size() != 32)
    return fail(Errc::malformed, std::string(what) + ": peer ID of " + std::to_string(in.size()) +
                                     " bytes (32 expected)");
  PeerId p{};
  std::memcpy(p.data(), in.data(), 32);
  return p;
}

Result<GroupKey> get_key(const std::string& in, std::string_view what) {
  if (in.size() != 32)
    return fail(Errc::malformed, std::string(what) + ": publisher key of " + std::to_string(in.size()) +
                                     " bytes (32 expected)");
  GroupKey k{};
  std::memcpy(k.data(), in.data(), 32);
  return k;
}

Result<std::string> get_name(const std::string& in, std::string_view what) {
  if (in.empty() || in.size() > kMaxGroupName)
    return fail(Errc::malformed, std::string(what) + ": group name of " + std::to_string(in.size()) +
                                     " bytes (1 to " + std::to_string(kMaxGroupName) + ")");
  return in;
}

NatBehaviour from_pb(pb::NatBehaviour b) {
  switch (b) {
    case pb::ENDPOINT_INDEPENDENT:
      return NatBehaviour::endpoint_independent;
    case pb::ADDRESS_DEPENDENT:
      return NatBehaviour::address_dependent;
    case pb::ADDRESS_AND_PORT_DEPENDENT:
      return NatBehaviour::address_and_port_dependent;
    default:
      return NatBehaviour::unknown;  // proto3 open enums: a newer value reads as unknown
  }
}

pb::NatBehaviour to_pb(NatBehaviour b) {
  switch (b) {
    case NatBehaviour::endpoint_independent:
      return pb::ENDPOINT_INDEPENDENT;
    case NatBehaviour::address_dependent:
      return pb::ADDRESS_DEPENDENT;
    case NatBehaviour::address_and_port_dependent:
      return pb::ADDRESS_AND_PORT_DEPENDENT;
    case NatBehaviour::unknown:
      break;
  }
  return pb::NAT_UNKNOWN;
}

PortAllocation from_pb(pb::PortAllocation a) {
  switch (a) {
    case pb::SEQUENTIAL: return PortAllocation::sequential;
    case pb::RANDOM: return PortAllocation::random;
    default: return PortAllocation::unknown;
  }
}

pb::PortAllocation to_pb(PortAllocation a) {
  switch (a) {
    case PortAllocation::sequential: return pb::SEQUENTIAL;
    case PortAllocation::random: return pb::RANDOM;
    case PortAllocation::unknown: break;
  }
  return pb::ALLOCATION_UNKNOWN;
}

using rtmfp::rendezvous::PathStrategy;

PathStrategy from_pb(pb::Strategy s) {
  switch (s) {
    case pb::PREDICT: return PathStrategy::predict;
    case pb::BIRTHDAY: return PathStrategy::birthday;
    case pb::RACE: return PathStrategy::race;
    case pb::RELAY: return PathStrategy::relay;
    default: return PathStrategy::direct;
  }
}

pb::Strategy to_pb(PathStrategy s) {
  switch (s) {
    case PathStrategy::predict: return pb::PREDICT;
    case PathStrategy::birthday: return pb::BIRTHDAY;
    case PathStrategy::race: return pb::RACE;
    case PathStrategy::relay: return pb::RELAY;
    case PathStrategy::direct: break;
  }
  return pb::DIRECT;
}

void put(pb::NatClass* out, const rtmfp::rendezvous::NatProfile& p) {
  out->set_mapping(to_pb(p.mapping));
  out->set_filtering(to_pb(p.filtering));
  out->set_allocation(to_pb(p.allocation));
  out->set_port_delta(p.port_delta);
  out->set_udp_blocked(p.udp_blocked);
}

rtmfp::rendezvous::NatProfile get(const pb::NatClass& in) {
  rtmfp::rendezvous::NatProfile p;
  p.mapping = from_pb(in.mapping());
  p.filtering = from_pb(in.filtering());
  p.allocation = from_pb(in.allocation());
  // A step beyond the sequential bound is not a sequence (a peer's claim).
  p.port_delta = std::clamp<std::int32_t>(in.port_delta(), -kMaxSequentialDelta, kMaxSequentialDelta);
  p.udp_blocked = in.udp_blocked();
  return p;
}

struct Encoder {
  pb::ControlMessage& out;
  Result<void> operator()(const Registration& m) {
    if (m.host_addresses.size() > kMaxAddresses) return fail(Errc::invalid_argument, "too many host addresses");
    auto* r = out.mutable_registration();
    r->set_request_id(m.request_id);
    for (const auto& a : m.host_addresses) put(r->add_host_addresses(), a);
    r->set_nat_report_follows(m.nat_report_follows);
    return {};
  }
  Result<void> operator()(const Registered& m) {
    auto* r = out.mutable_registered();
    r->set_request_id(m.request_id);
    put(r->mutable_reflexive(), m.reflexive);
    r->set_keepalive_ms(m.keepalive_ms);
    if (m.peer_id) r->set_peer_id(reinterpret_cast<const char*>(m.peer_id->data()), m.peer_id->size());
    return {};
  }
  Result<void> operator()(const Lookup& m) {
    auto* r = out.mutable_lookup();
    r->set_request_id(m.request_id);
    r->set_peer_id(reinterpret_cast<const char*>(m.peer_id.data()), m.peer_id.size());
    return {};
  }
  Result<void> operator()(const LookupResult& m) {
    if (m.addresses.size() > kMaxAddresses) return fail(Errc::invalid_argument, "too many addresses");
    auto* r = out.mutable_lookup_result();
    r->set_request_id(m.request_id);
    r->set_found(m.found);
    for (const auto& a : m.addresses) put(r->add_addresses(), a);
    return {};
  }
  Result<void> operator()(const NatReport& m) {
    if (m.reflexive.size() > kMaxAddresses) return fail(Errc::invalid_argument, "too many addresses");
    auto* r = out.mutable_nat_report();
    r->set_mapping(to_pb(m.mapping));
    r->set_filtering(to_pb(m.filtering));
    r->set_hairpin(m.hairpin);
    for (const auto& a : m.reflexive) put(r->add_reflexive(), a);
    r->set_allocation(to_pb(m.allocation));
    r->set_port_delta(m.port_delta);
    r->set_last_port(m.last_port);
    r->set_udp_blocked(m.udp_blocked);
    return {};
  }
  Result<void> operator()(const Introduction& m) {
    if (m.predicted_ports.size() > kMaxPredictedPorts) return fail(Errc::invalid_argument, "too many predicted ports");
    auto* r = out.mutable_introduction();
    r->set_strategy(to_pb(m.strategy));
    r->set_initiator(m.initiator);
    if (m.peer_id) r->set_peer_id(reinterpret_cast<const char*>(m.peer_id->data()), m.peer_id->size());
    put(r->mutable_peer_address(), m.peer_address);
    if (m.own_class) put(r->mutable_own_class(), *m.own_class);
    if (m.peer_class) put(r->mutable_peer_class(), *m.peer_class);
    r->set_hard_side(m.hard_side);
    for (auto p : m.predicted_ports) r->add_predicted_ports(p);
    r->set_birthday_sockets(m.birthday_sockets);
    r->set_birthday_probes(m.birthday_probes);
    r->set_birthday_rate(m.birthday_rate);
    r->set_birthday_max_ms(m.birthday_max_ms);
    r->set_relay_now(m.relay_now);
    r->set_relay_later(m.relay_later);
    return {};
  }
  Result<void> operator()(const GroupJoin& m) {
    if (m.name.empty() || m.name.size() > kMaxGroupName) return fail(Errc::invalid_argument, "bad group name");
    auto* r = out.mutable_group_join();
    r->set_request_id(m.request_id);
    r->set_name(m.name);
    if (m.publisher_key) r->set_publisher_key(reinterpret_cast<const char*>(m.publisher_key->data()), 32);
    r->set_publisher(m.publisher);
    return {};
  }
  Result<void> operator()(const GroupMembers& m) {
    if (m.name.empty() || m.name.size() > kMaxGroupName) return fail(Errc::invalid_argument, "bad group name");
    if (m.members.size() > kMaxGroupSample) return fail(Errc::invalid_argument, "too many members");
    auto* r = out.mutable_group_members();
    r->set_request_id(m.request_id);
    r->set_name(m.name);
    r->set_publisher_key(reinterpret_cast<const char*>(m.publisher_key.data()), 32);
    for (const auto& p : m.members) r->add_members(reinterpret_cast<const char*>(p.data()), p.size());
    r->set_refresh_ms(m.refresh_ms);
    if (m.publisher_peer_id)
      r->set_publisher_peer_id(reinterpret_cast<const char*>(m.publisher_peer_id->data()), 32);
    return {};
  }
  Result<void> operator()(const GroupLeave& m) {
    if (m.name.empty() || m.name.size() > kMaxGroupName) return fail(Errc::invalid_argument, "bad group name");
    auto* r = out.mutable_group_leave();
    r->set_name(m.name);
    r->set_publisher_key(reinterpret_cast<const char*>(m.publisher_key.data()), 32);
    return {};
  }
  Result<void> operator()(const Failure& m) {
    auto* r = out.mutable_failure();
    r->set_request_id(m.request_id);
    r->set_reason(m.reason.substr(0, kMaxReason));
    return {};
  }
};

}  // namespace

rtmfp::rendezvous::NatProfile profile_of(const NatReport& r) { return rtmfp::rendezvous::profile_from(r); }

Result<Bytes> encode(const Message& m) {
  pb::ControlMessage out;
  if (auto ok = std::visit(Encoder{out}, m); !ok) return std::unexpected(ok.error());
  const std::size_t size = out.ByteSizeLong();
  if (size > kMaxControlMessage) return fail(Errc::invalid_argument, "control message too large");
  Bytes bytes(size);
  if (!out.SerializeToArray(bytes.data(), static_cast<int>(bytes.size())))
    return fail(Errc::invalid_argument, "control message could not be serialised");
  return bytes;
}

Result<Message> decode(ByteView bytes) {
  if (bytes.size() > kMaxControlMessage)
    return fail(Errc::limit_exceeded, "control message of " + std::to_string(bytes.size()) + " bytes (at most " +
                                          std::to_string(kMaxControlMessage) + ")");
  pb::ControlMessage in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return fail(Errc::malformed, "control message is not a valid ControlMessage");
  switch (in.body_case()) {
    case pb::ControlMessage::kRegistration: {
      Registration m;
      m.request_id = in.registration().request_id();
      auto a = get_all(in.registration().host_addresses(), "registration");
      if (!a) return std::unexpected(a.error());
      m.host_addresses = std::move(*a);
      m.nat_report_follows = in.registration().nat_report_follows();
      return m;
    }
    case pb::ControlMessage::kRegistered: {
      Registered m;
      m.request_id = in.registered().request_id();
      auto a = get(in.registered().reflexive(), "registered");
      if (!a) return std::unexpected(a.error());
      m.reflexive = *a;
      m.keepalive_ms = in.registered().keepalive_ms();
      if (!in.registered().peer_id().empty()) {
        auto p = get_peer_id(in.registered().peer_id(), "registered");
        if (!p) return std::unexpected(p.error());
        m.peer_id = *p;
      }
      return m;
    }
    case pb::ControlMessage::kLookup: {
      Lookup m;
      m.request_id = in.lookup().request_id();
      auto p = get_peer_id(in.lookup().peer_id(), "lookup");
      if (!p) return std::unexpected(p.error());
      m.peer_id = *p;
      return m;
    }
    case pb::ControlMessage::kLookupResult: {
      LookupResult m;
      m.request_id = in.lookup_result().request_id();
      m.found = in.lookup_result().found();
      auto a = get_all(in.lookup_result().addresses(), "lookup result");
      if (!a) return std::unexpected(a.error());
      m.addresses = std::move(*a);
      return m;
    }
    case pb::ControlMessage::kNatReport: {
      NatReport m;
      m.mapping = from_pb(in.nat_report().mapping());
      m.filtering = from_pb(in.nat_report().filtering());
      m.hairpin = in.nat_report().hairpin();
      auto a = get_all(in.nat_report().reflexive(), "NAT report");
      if (!a) return std::unexpected(a.error());
      m.reflexive = std::move(*a);
      m.allocation = from_pb(in.nat_report().allocation());
      m.port_delta = std::clamp<std::int32_t>(in.nat_report().port_delta(), -kMaxSequentialDelta, kMaxSequentialDelta);
      if (in.nat_report().last_port() > 0xffff) return fail(Errc::malformed, "NAT report: last port out of range");
      m.last_port = static_cast<std::uint16_t>(in.nat_report().last_port());
      m.udp_blocked = in.nat_report().udp_blocked();
      return m;
    }
    case pb::ControlMessage::kIntroduction: {
      const auto& g = in.introduction();
      Introduction m;
      m.strategy = from_pb(g.strategy());
      m.initiator = g.initiator();
      if (!g.peer_id().empty()) {
        auto id = get_peer_id(g.peer_id(), "introduction");
        if (!id) return std::unexpected(id.error());
        m.peer_id = *id;
      }
      auto a = get(g.peer_address(), "introduction");
      if (!a) return std::unexpected(a.error());
      m.peer_address = *a;
      if (g.has_own_class()) m.own_class = get(g.own_class());
      if (g.has_peer_class()) m.peer_class = get(g.peer_class());
      m.hard_side = g.hard_side();
      if (static_cast<std::size_t>(g.predicted_ports_size()) > kMaxPredictedPorts)
        return fail(Errc::limit_exceeded, "introduction: " + std::to_string(g.predicted_ports_size()) +
                                              " predicted ports (at most " + std::to_string(kMaxPredictedPorts) + ")");
      for (auto p : g.predicted_ports()) {
        if (p == 0 || p > 0xffff) return fail(Errc::malformed, "introduction: predicted port out of range");
        m.predicted_ports.push_back(static_cast<std::uint16_t>(p));
      }
      if (g.birthday_sockets() > kMaxBirthdaySockets || g.birthday_probes() > kMaxBirthdayProbes ||
          g.birthday_rate() > kMaxBirthdayRate || g.birthday_max_ms() > kMaxBirthdayMs)
        return fail(Errc::limit_exceeded, "introduction: birthday probing beyond its bounds");
      m.birthday_sockets = g.birthday_sockets();
      m.birthday_probes = g.birthday_probes();
      m.birthday_rate = g.birthday_rate();
      m.birthday_max_ms = g.birthday_max_ms();
      m.relay_now = g.relay_now();
      m.relay_later = g.relay_later();
      return m;
    }
    case pb::ControlMessage::kFailure: {
      Failure m;
      m.request_id = in.failure().request_id();
      m.reason = in.failure().reason().substr(0, kMaxReason);
      return m;
    }
    case pb::ControlMessage::kGroupJoin: {
      GroupJoin m;
      const auto& g = in.group_join();
      m.request_id = g.request_id();
      auto n = get_name(g.name(), "group join");
      if (!n) return std::unexpected(n.error());
      m.name = std::move(*n);
      if (!g.publisher_key().empty()) {
        auto k = get_key(g.publisher_key(), "group join");
        if (!k) return std::unexpected(k.error());
        m.publisher_key = *k;
      }
      m.publisher = g.publisher();
      if (m.publisher && !m.publisher_key) return fail(Errc::malformed, "group join: a publisher without its key");
      return m;
    }
    case pb::ControlMessage::kGroupMembers: {
      GroupMembers m;
      const auto& g = in.group_members();
      m.request_id = g.request_id();
      auto n = get_name(g.name(), "group members");
      if (!n) return std::unexpected(n.error());
      m.name = std::move(*n);
      auto k = get_key(g.publisher_key(), "group members");
      if (!k) return std::unexpected(k.error());
      m.publisher_key = *k;
      if (static_cast<std::size_t>(g.members_size()) > kMaxGroupSample)
        return fail(Errc::limit_exceeded, "group members: " + std::to_string(g.members_size()) + " members (at most " +
                                              std::to_string(kMaxGroupSample) + ")");
      for (const auto& p : g.members()) {
        auto id = get_peer_id(p, "group members");
        if (!id) return std::unexpected(id.error());
        m.members.push_back(*id);
      }
      m.refresh_ms = g.refresh_ms();
      if (!g.publisher_peer_id().empty()) {
        auto id = get_peer_id(g.publisher_peer_id(), "group members");
        if (!id) return std::unexpected(id.error());
        m.publisher_peer_id = *id;
      }
      return m;
    }
    case pb::ControlMessage::kGroupLeave: {
      GroupLeave m;
      auto n = get_name(in.group_leave().name(), "group leave");
      if (!n) return std::unexpected(n.error());
      m.name = std::move(*n);
      auto k = get_key(in.group_leave().publisher_key(), "group leave");
      if (!k) return std::unexpected(k.error());
      m.publisher_key = *k;
      return m;
    }
    case pb::ControlMessage::BODY_NOT_SET:
      break;
  }
  return fail(Errc::unsupported, "control message with no body this version knows");
}

}  // namespace rtmfp::rendezvous::control
