// The relay's RTMP-over-RTMFP endpoints (RFC 7425 §5):
//   rtmfp://HOST[:PORT]/APP/STREAM     an RTMFP client (initiator) that
//       publishes (destination) or plays (source) APP/STREAM; crypto profile
//       RelayOptions::rtmfp_crypto: "flash" (RFC 7425, default) or "modern";
//   rtmfp-listen://ADDR:PORT/APP/STREAM  an RTMFP server (responder, both
//       profiles on one port): as a source it waits for a client publishing
//       APP/STREAM; as a destination any number of clients play it.
// The RFC 7425 §5 mapping ("TC" flows, §5.1.2 framing, §5.3 NetConnection)
// only uses RFC 7016 flows, so it runs unchanged over the `modern` profile;
// only `flash` interoperates with Flash Player / RFC 7425 servers.
// Errors map onto RelayExit through their Errc: a bad URL or option is
// invalid_argument (bad_url); no answer is timeout and a network failure
// io_error/closed (connect_failed); BadName / StreamNotFound / connect
// _error are refused (refused).
#pragma once

#include <memory>
#include <string>

#include "media/io/relay.hpp"

namespace rtmfp::media::io {

// True for rtmfp:// and rtmfp-listen:// URLs.
bool is_rtmfp_url(const std::string& url);
Result<std::unique_ptr<Source>> open_rtmfp_source(const std::string& url, const RelayOptions& o);
Result<std::unique_ptr<Sink>> open_rtmfp_sink(const std::string& url, const RelayOptions& o);

}  // namespace rtmfp::media::io
