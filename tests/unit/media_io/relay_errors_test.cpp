// run_relay failures on loopback with our own server (no external programs):
// each gives its documented exit code and a message on stderr saying what was
// wrong: a refused publish (the key is taken), a refused play, bad URLs and
// options, a server that is not there, a truncated FLV file.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <thread>

#include "media/flv/flv_writer.hpp"
#include "media/io/listen_endpoints.hpp"
#include "media/io/rtmp_listen_server.hpp"
#include "media/io/relay.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace std::chrono_literals;

namespace {

// A small valid FLV file (one keyframe, one inter frame).
std::string write_flv(bool truncate = false) {
  std::vector<flv::Tag> tags;
  for (std::uint32_t i = 0; i < 2; ++i) {
    Bytes v(100, 0x33);
    v[0] = i == 0 ? 0x17 : 0x27;
    v[1] = 1;
    tags.push_back({flv::TagType::video, i * 40, 0, false, std::move(v), 0});
  }
  auto bytes = flv::write_file(flv::Header{}, tags);
  EXPECT_TRUE(bytes);
  if (truncate) bytes->resize(bytes->size() - 30);
  char path[] = "/tmp/relay_err_XXXXXX";
  int fd = ::mkstemp(path);
  EXPECT_EQ(::write(fd, bytes->data(), bytes->size()), static_cast<ssize_t>(bytes->size()));
  ::close(fd);
  return path;
}

struct Outcome {
  int code;
  std::string err;
};

Outcome relay(io::RelayOptions o) {
  o.log_clients = false;
  if (o.connect_timeout > 2000ms) o.connect_timeout = 2000ms;
  o.io_timeout = 3000ms;
  ::testing::internal::CaptureStderr();
  const int code = io::run_relay(o);
  return {code, ::testing::internal::GetCapturedStderr()};
}

io::RtmpListenServer::Options server_options() {
  io::RtmpListenServer::Options so;
  so.bind = "127.0.0.1";
  so.port = 0;
  so.io_timeout = 3000ms;
  return so;
}

// A one-connection TCP server on loopback (port 0) that plays a script
// against the relay: a far end that speaks bad RTMP.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(int)> script) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, script = std::move(script)] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      timeval tv{10, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      script(c);
      // Wait for the relay to hang up, so nothing it sent is left unread (no RST).
      std::uint8_t buf[4096];
      while (::recv(c, buf, sizeof buf, 0) > 0) {
      }
      ::close(c);
    });
  }
  ~FakeServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

  static void read_n(int fd, std::size_t n) {
    std::uint8_t buf[4096];
    while (n > 0) {
      const ssize_t r = ::recv(fd, buf, std::min(n, sizeof buf), 0);
      if (r <= 0) return;
      n -= static_cast<std::size_t>(r);
    }
  }
  static void write_all(int fd, const Bytes& b) { (void)!::send(fd, b.data(), b.size(), MSG_NOSIGNAL); }
  // The simple handshake, server side (R§5.2): read C0C1, send S0S1S2, read C2.
  static void handshake(int fd) {
    read_n(fd, 1 + 1536);
    Bytes s(1 + 2 * 1536, 0);
    s[0] = 3;
    write_all(fd, s);
    read_n(fd, 1536);
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A server on which `key` is published (by the test itself, through the registry).
Result<std::unique_ptr<io::RtmpListenServer>> hold_key(const std::string& key) {
  auto srv = io::RtmpListenServer::start(server_options());
  if (!srv) return srv;
  static const int publisher = 0;
  auto r = std::make_shared<Result<void>>();
  if (!(*srv)->call([key, r](rtmp::StreamRegistry& reg) { *r = reg.publish(key, &publisher); }))
    return fail(Errc::io_error, "server did not answer");
  if (!*r) return std::unexpected(r->error());
  return srv;
}

}  // namespace

TEST(RelayErrors, PublishToATakenKeyIsRefused) {
  // A general server (any key; a relay's ListenSink serves only its own key
  // and refuses every publisher) where live/taken is held: a second publisher
  // gets NetStream.Publish.BadName.
  auto held = hold_key("live/taken");
  ASSERT_TRUE(held) << held.error().detail;
  const std::string file = write_flv();
  io::RelayOptions o;
  o.from = file;
  o.to = "rtmp://127.0.0.1:" + std::to_string((*held)->port()) + "/live/taken";
  auto r = relay(o);
  std::remove(file.c_str());
  EXPECT_EQ(r.code, io::relay_refused) << r.err;
  EXPECT_NE(r.err.find("NetStream.Publish.BadName"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("live/taken"), std::string::npos) << r.err;
}

TEST(RelayErrors, PublishToAFreeKeyWorks) {
  // The counterpart of the test above: the same relay to a free key succeeds.
  auto held = hold_key("live/taken");
  ASSERT_TRUE(held) << held.error().detail;
  const std::string file = write_flv();
  io::RelayOptions o;
  o.from = file;
  o.to = "rtmp://127.0.0.1:" + std::to_string((*held)->port()) + "/live/free";
  auto r = relay(o);
  std::remove(file.c_str());
  EXPECT_EQ(r.code, io::relay_ok) << r.err;
}

TEST(RelayErrors, PlayWithoutStreamNameIsABadUrl) {
  io::RelayOptions o;
  o.from = "rtmp://127.0.0.1:1/live";
  o.to = "/dev/null";
  auto r = relay(o);
  EXPECT_EQ(r.code, io::relay_bad_url) << r.err;
  EXPECT_NE(r.err.find("no stream name"), std::string::npos) << r.err;
}

TEST(RelayErrors, BadUrlsAndOptions) {
  const std::string file = write_flv();
  struct Case {
    std::string to;
    int object_encoding;
    std::string ca_file;
    const char* says;
  };
  const Case cases[] = {
      {"rtmp://127.0.0.1:99999/live/s", 0, "", "bad port '99999'"},
      {"rtmp://127.0.0.1:x/live/s", 0, "", "bad port 'x'"},
      {"ftp://127.0.0.1/live/s", 0, "", "unsupported URL scheme 'ftp'"},
      {"rtmp:///live/s", 0, "", "has no host"},
      {"rtmp-listen://not-an-ip:1935/live/s", 0, "", "bad bind address 'not-an-ip'"},
      {"rtmp://127.0.0.1:1/live/s", 2, "", "--object-encoding must be 0 or 3"},
      {"rtmps://127.0.0.1:1/live/s", 0, "/nonexistent/ca.pem", "/nonexistent/ca.pem"},
  };
  for (const auto& c : cases) {
    io::RelayOptions o;
    o.from = file;
    o.to = c.to;
    o.object_encoding = c.object_encoding;
    o.ca_file = c.ca_file;
    auto r = relay(o);
    EXPECT_EQ(r.code, io::relay_bad_url) << c.to << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.to << ": " << r.err;
  }
  std::remove(file.c_str());
}

TEST(RelayErrors, NoServerListening) {
  // A port nobody listens on (a listener opened then closed).
  std::uint16_t port;
  {
    auto s = io::RtmpListenServer::start(server_options());
    ASSERT_TRUE(s);
    port = (*s)->port();
  }
  io::RelayOptions o;
  o.from = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/x";
  o.to = "/dev/null";
  auto r = relay(o);
  EXPECT_EQ(r.code, io::relay_connect_failed) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << r.err;
}

TEST(RelayErrors, TruncatedFile) {
  const std::string file = write_flv(true);
  io::RelayOptions o;
  o.from = file;
  o.to = "/dev/null";
  auto r = relay(o);
  std::remove(file.c_str());
  EXPECT_EQ(r.code, io::relay_bad_input) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
}

// ------------------------------------------------------------ exit code table (C5)

TEST(RelayExitTable, FlvOutputThatCannotBeCreatedIs6) {
  const std::string file = write_flv();
  io::RelayOptions o;
  o.from = file;
  o.to = "/nonexistent-dir/out.flv";
  auto r = relay(o);
  std::remove(file.c_str());
  EXPECT_EQ(r.code, io::relay_io_error) << r.err;
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
}

TEST(RelayExitTable, FlvInputReadErrorIs6) {
  io::RelayOptions o;
  o.from = "/tmp";  // opens, but read(2) fails with EISDIR
  o.to = "/dev/null";
  auto r = relay(o);
  EXPECT_EQ(r.code, io::relay_io_error) << r.err;
  EXPECT_NE(r.err.find("read error"), std::string::npos) << r.err;
}

TEST(RelayExitTable, MissingInputIs6) {
  io::RelayOptions o;
  o.from = "/nonexistent-dir/in.flv";
  o.to = "/dev/null";
  auto r = relay(o);
  EXPECT_EQ(r.code, io::relay_io_error) << r.err;
}

TEST(RelayExitTable, ListenPortInUseIs6AndNotRetried) {
  auto held = io::ListenSink::open(server_options(), "live/held");
  ASSERT_TRUE(held) << held.error().detail;
  const std::string file = write_flv();
  io::RelayOptions o;
  o.from = file;
  o.to = "rtmp-listen://127.0.0.1:" + std::to_string((*held)->port()) + "/live/y";
  o.reconnect = true;
  o.reconnect_delay = 1ms;
  auto r = relay(o);
  std::remove(file.c_str());
  EXPECT_EQ(r.code, io::relay_io_error) << r.err;
  EXPECT_NE(r.err.find("cannot listen"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("reconnecting"), std::string::npos) << "a port in use is not retried: " << r.err;
}

TEST(RelayExitTable, HttpAnswerToTheHandshakeIs5) {
  FakeServer srv([](int fd) {
    FakeServer::read_n(fd, 1);
    const std::string http = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    FakeServer::write_all(fd, Bytes(http.begin(), http.end()));
  });
  const std::string file = write_flv();
  io::RelayOptions o;
  o.from = file;
  o.to = "rtmp://127.0.0.1:" + std::to_string(srv.port()) + "/live/x";
  auto r = relay(o);
  std::remove(file.c_str());
  EXPECT_EQ(r.code, io::relay_bad_input) << r.err;
  EXPECT_NE(r.err.find("unsupported version 72"), std::string::npos) << r.err;  // 'H'
}

TEST(RelayExitTable, MalformedChunkFromTheServerIs5) {
  FakeServer srv([](int fd) {
    FakeServer::handshake(fd);
    FakeServer::write_all(fd, Bytes{0xc3, 1, 2, 3});  // a type-3 chunk first on a chunk stream
  });
  const std::string file = write_flv();
  io::RelayOptions o;
  o.from = file;
  o.to = "rtmp://127.0.0.1:" + std::to_string(srv.port()) + "/live/x";
  auto r = relay(o);
  std::remove(file.c_str());
  EXPECT_EQ(r.code, io::relay_bad_input) << r.err;
}

TEST(RelayExitTable, MessageOverTheLimitFromTheServerIs5) {
  FakeServer srv([](int fd) {
    FakeServer::handshake(fd);
    // The client now takes messages up to the wire's 16 MiB - 1, so the limit
    // a server can break is the chunk size: Set Chunk Size 2 MiB (over the
    // 1 MiB ChunkLimits::max_chunk_size). Type 0 chunk, csid 2, length 4, type 1.
    FakeServer::write_all(fd, Bytes{0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0x00, 0x20, 0x00, 0x00});
  });
  const std::string file = write_flv();
  io::RelayOptions o;
  o.from = file;
  o.to = "rtmp://127.0.0.1:" + std::to_string(srv.port()) + "/live/x";
  auto r = relay(o);
  std::remove(file.c_str());
  EXPECT_EQ(r.code, io::relay_bad_input) << r.err;
}
