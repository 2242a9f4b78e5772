#include "rendezvous/service/nc_messages.hpp"

#include "media/gateway/rtmfp_mapping.hpp"
#include "media/rtmp/command.hpp"

namespace rtmfp::rendezvous::nc {

namespace mt = media::rtmp::msg_type;

std::optional<SocketAddress> parse_peer_address(std::string_view text) {
  if (text.empty() || text.size() > kMaxAddressText) return std::nullopt;
  // Only what a numeric address and port are made of: this keeps NULs (which
  // inet_pton would stop at), zone indexes ("%eth0") and names out.
  for (char c : text) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
                    c == ':' || c == '[' || c == ']';
    if (!ok) return std::nullopt;
  }
  if (text.front() != '[' && text.find_first_of("[]") != std::string_view::npos) return std::nullopt;
  if (text.front() != '[' && text.find(':') != text.rfind(':')) return std::nullopt;  // bare IPv6
  return SocketAddress::parse(text);
}

PeerInfo parse_peer_info(const std::vector<media::amf::Value>& args) {
  PeerInfo out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i >= kMaxPeerInfoArgs) {
      out.malformed += args.size() - i;
      break;
    }
    auto s = args[i].as_string();
    auto a = s && args[i].is_string() ? parse_peer_address(*s) : std::nullopt;
    if (!a) {
      ++out.malformed;
      continue;
    }
    out.addresses.push_back(*a);
  }
  return out;
}

Result<Request> parse_request(ByteView flow_message) {
  if (flow_message.size() > kMaxMessage)
    return fail(Errc::limit_exceeded, "NetConnection message of " + std::to_string(flow_message.size()) +
                                          " bytes (limit " + std::to_string(kMaxMessage) + ")");
  auto fm = media::gateway::decode_message(flow_message);  // RFC 7425 §5.1.2
  if (!fm) return std::unexpected(fm.error());
  if (fm->type != mt::command_amf0 && fm->type != mt::command_amf3) return Ignored{fm->type};
  media::rtmp::Message m;
  m.type = fm->type;
  m.payload.assign(fm->payload.begin(), fm->payload.end());
  auto c = media::rtmp::decode_command(m);
  if (!c) return std::unexpected(c.error());
  if (c->name == "connect") {
    Connect k;
    k.transaction_id = c->transaction_id;
    if (const media::amf::Value* oe = c->command_object.get("objectEncoding"); oe && oe->as_number())
      k.amf3 = *oe->as_number() == 3;
    if (const media::amf::Value* app = c->command_object.get("app"); app && app->is_string() && app->as_string())
      k.app = std::string(app->as_string()->substr(0, kMaxAppName));
    return k;
  }
  if (c->name == "setPeerInfo") return SetPeerInfo{parse_peer_info(c->args)};
  return Call{c->name.substr(0, kMaxAppName), c->transaction_id};
}

}  // namespace rtmfp::rendezvous::nc
