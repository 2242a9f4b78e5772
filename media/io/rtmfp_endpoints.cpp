// See rtmfp_endpoints.hpp.
#include "media/io/rtmfp_endpoints.hpp"

#include <cstdio>

#include "media/gateway/rtmfp_url.hpp"
#include "media/io/rtmfp_client_conn.hpp"
#include "media/io/rtmfp_listen_endpoints.hpp"

namespace rtmfp::media::io {

namespace {

class RtmfpPlaySource : public Source {
 public:
  explicit RtmfpPlaySource(std::unique_ptr<RtmfpClientConn> c) : c_(std::move(c)) {}
  Result<std::optional<Message>> next() override { return c_->next(); }
  void interrupt() override { c_->interrupt(); }  // the relay's stop request wakes a blocked next()

 private:
  std::unique_ptr<RtmfpClientConn> c_;
};

class RtmfpPublishSink : public Sink {
 public:
  explicit RtmfpPublishSink(std::unique_ptr<RtmfpClientConn> c) : c_(std::move(c)) {}
  Result<void> write(const Message& m) override { return c_->send(m); }
  Result<void> finish() override { return c_->finish(); }

 private:
  std::unique_ptr<RtmfpClientConn> c_;
};

Result<ProfileKind> profile_of(const RelayOptions& o) {
  if (o.rtmfp_crypto.empty() || o.rtmfp_crypto == "flash") return ProfileKind::flash;
  if (o.rtmfp_crypto == "modern") return ProfileKind::modern;
  return fail(Errc::invalid_argument, "--crypto must be flash or modern, not '" + o.rtmfp_crypto + "'");
}

RtmfpListenServer::Options listen_options(const gateway::RtmfpMediaUrl& u, const RelayOptions& o) {
  RtmfpListenServer::Options so;
  so.url = u;
  so.max_datagram_limit = o.max_datagram_limit;
  so.max_connections = o.max_clients;
  so.max_connections_per_address = o.max_clients_per_address;
  if (o.log_clients) so.log = [](const std::string& line) { std::fprintf(stderr, "relay: rtmfp %s\n", line.c_str()); };
  return so;
}

void announce(const gateway::RtmfpMediaUrl& u, const SocketAddress& local) {
  const std::string stream = u.stream.substr(0, u.stream.find('?'));  // never print the access tokens
  std::fprintf(stderr, "relay: listening rtmfp://%s/%s/%s (flash and modern profiles)\n", local.to_string().c_str(),
               u.app.c_str(), stream.c_str());
  std::fflush(stderr);
}

Result<std::unique_ptr<RtmfpClientConn>> open_client(const gateway::RtmfpMediaUrl& u, bool publish,
                                                     const RelayOptions& o) {
  auto profile = profile_of(o);
  if (!profile) return std::unexpected(profile.error());
  RtmfpClientConn::Options co;
  co.url = u;
  co.publish = publish;
  co.profile = *profile;
  co.connect_timeout = o.connect_timeout;
  co.io_timeout = o.io_timeout;
  co.max_datagram_limit = o.max_datagram_limit;
  return RtmfpClientConn::open(co);
}

}  // namespace

bool is_rtmfp_url(const std::string& url) { return gateway::is_rtmfp_media_url(url); }

Result<std::unique_ptr<Source>> open_rtmfp_source(const std::string& url, const RelayOptions& o) {
  auto u = gateway::parse_rtmfp_media_url(url);
  if (!u) return std::unexpected(u.error());
  if (u->listen()) {
    auto s = RtmfpListenSource::open(listen_options(*u, o), o.io_timeout);
    if (!s) return std::unexpected(s.error());
    announce(*u, (*s)->local_address());
    return std::unique_ptr<Source>(std::move(*s));
  }
  auto c = open_client(*u, false, o);
  if (!c) return std::unexpected(c.error());
  return std::unique_ptr<Source>(new RtmfpPlaySource(std::move(*c)));
}

Result<std::unique_ptr<Sink>> open_rtmfp_sink(const std::string& url, const RelayOptions& o) {
  auto u = gateway::parse_rtmfp_media_url(url);
  if (!u) return std::unexpected(u.error());
  if (u->listen()) {
    auto s = RtmfpListenSink::open(listen_options(*u, o), o.io_timeout);
    if (!s) return std::unexpected(s.error());
    announce(*u, (*s)->local_address());
    return std::unique_ptr<Sink>(std::move(*s));
  }
  auto c = open_client(*u, true, o);
  if (!c) return std::unexpected(c.error());
  return std::unique_ptr<Sink>(new RtmfpPublishSink(std::move(*c)));
}

}  // namespace rtmfp::media::io
