// run_relay across failures, in process on loopback with our own servers:
//  * C2: a destination that dies mid-stream is reopened alone: the source
//    goes on (no replay from byte 0), the new destination starts with
//    metadata + sequence headers + a keyframe, no tag twice;
//  * C3: a publisher on rtmp-listen:// that vanishes (TCP reset) is an error
//    (exit 3), not a clean end; with --reconnect the relay waits for the next
//    publisher, and an orderly FCUnpublish/deleteStream ends it with 0;
//  * C4: across that source change the destination sees monotonic time;
//  * C1: a full file system ends a recording with exit 6, not retried, the
//    file kept (never reopened with "wb").
// Tests wait for events (messages at the destination, the relay's result),
// never for time.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>

#include "media/flv/flv_reader.hpp"
#include "media/flv/flv_writer.hpp"
#include "media/io/listen_endpoints.hpp"
#include "media/io/relay.hpp"
#include "media/rtmp/client_session.hpp"
#include "media/rtmp/command.hpp"

using namespace rtmfp;
using namespace rtmfp::media;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using io::Message;

namespace {

TimePoint now_tp() {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

Bytes video(bool key, std::uint32_t n) {
  return Bytes{static_cast<std::uint8_t>(key ? 0x17 : 0x27), 1, 0, 0, 0, static_cast<std::uint8_t>(n),
               static_cast<std::uint8_t>(n >> 8), 0x55};
}

Message msg(std::uint8_t type, std::uint32_t ts, Bytes payload) {
  Message m;
  m.type = type;
  m.timestamp = ts;
  m.payload = std::move(payload);
  return m;
}

Message metadata() {
  rtmp::DataMessage d;
  d.handler = "onMetaData";
  d.values.push_back(rtmp::Value::object({{"width", rtmp::Value::number(320)}}));
  return *rtmp::encode_data(d, 0, 0, false);
}

// metadata, AVC + AAC headers, then `frames` video frames 40 ms apart
// (keyframe every 10) each followed by an audio frame.
std::vector<Message> stream(std::uint32_t frames, std::uint32_t base_ts = 0, std::size_t frame_size = 0) {
  std::vector<Message> v;
  v.push_back(metadata());
  v.push_back(msg(9, base_ts, Bytes{0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f}));
  v.push_back(msg(8, base_ts, Bytes{0xaf, 0, 0x12, 0x10}));
  for (std::uint32_t i = 0; i < frames; ++i) {
    Bytes p = video(i % 10 == 0, i);
    if (frame_size > p.size()) p.resize(frame_size, static_cast<std::uint8_t>(i));
    v.push_back(msg(9, base_ts + i * 40, std::move(p)));
    v.push_back(msg(8, base_ts + i * 40 + 20, Bytes{0xaf, 1, static_cast<std::uint8_t>(i), 0x21}));
  }
  return v;
}

std::string write_flv(const std::vector<Message>& msgs, const std::string& path) {
  std::vector<flv::Tag> tags;
  for (const auto& m : msgs) tags.push_back({static_cast<flv::TagType>(m.type), m.timestamp, 0, false, m.payload, 0});
  auto bytes = flv::write_file(flv::Header{}, tags);
  EXPECT_TRUE(bytes);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  return path;
}

std::string temp_path(const char* name) {
  return (fs::temp_directory_path() / (std::string("relay_rc_") + std::to_string(::getpid()) + "_" + name)).string();
}

io::RtmpListenServer::Options server_options(std::uint16_t port) {
  io::RtmpListenServer::Options so;
  so.bind = "127.0.0.1";
  so.port = port;
  so.io_timeout = 10000ms;
  return so;
}

bool is_keyframe(const Message& m) { return m.type == 9 && m.payload.size() > 1 && m.payload[0] == 0x17 && m.payload[1] == 1; }
bool is_header(const Message& m) { return (m.type == 9 || m.type == 8) && m.payload.size() > 1 && m.payload[1] == 0; }

// A publisher we can kill abruptly: rtmp::ClientSession over a plain
// blocking socket; kill() closes with SO_LINGER 0 (a TCP reset, like a
// crashed encoder or a dropped network).
class TestPublisher {
 public:
  ::testing::AssertionResult open(std::uint16_t port, const std::string& app_stream) {
    rtmp::ClientOptions co;
    auto u = rtmp::parse_rtmp_url("rtmp://127.0.0.1:" + std::to_string(port) + "/" + app_stream);
    if (!u) return ::testing::AssertionFailure() << u.error().detail;
    co.url = *u;
    co.publish = true;
    sess_.emplace(co);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return ::testing::AssertionFailure() << "connect: " << std::strerror(errno);
    if (!send_all(sess_->start(now_tp()))) return ::testing::AssertionFailure() << "write failed";
    while (!sess_->ready()) {
      std::uint8_t buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);  // bounded by SO_RCVTIMEO
      if (n <= 0) return ::testing::AssertionFailure() << "no Publish.Start";
      if (auto r = sess_->receive(ByteView(buf, static_cast<std::size_t>(n)), now_tp()); !r)
        return ::testing::AssertionFailure() << r.error().detail;
      if (!send_all(sess_->take_output())) return ::testing::AssertionFailure() << "write failed";
    }
    return ::testing::AssertionSuccess();
  }
  bool send(const Message& m) { return sess_->send_media(m).has_value() && send_all(sess_->take_output()); }
  void kill() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }
  // FCUnpublish + deleteStream, then close (an orderly end).
  void finish() {
    sess_->finish();
    (void)send_all(sess_->take_output());
    ::shutdown(fd_, SHUT_WR);
    std::uint8_t buf[4096];
    while (::recv(fd_, buf, sizeof buf, 0) > 0) {
    }
    ::close(fd_);
    fd_ = -1;
  }
  ~TestPublisher() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  bool send_all(const Bytes& b) {
    std::size_t off = 0;
    while (off < b.size()) {
      const ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  std::optional<rtmp::ClientSession> sess_;
  int fd_ = -1;
};

// Reads `n` audio/video messages (or fewer if the stream ends or fails).
std::vector<Message> read_av(io::ListenSource& s, std::size_t n, bool* ended = nullptr) {
  std::vector<Message> v;
  while (v.size() < n) {
    auto m = s.next();
    if (!m || !*m) {
      if (ended) *ended = m.has_value();
      break;
    }
    if ((*m)->type == 8 || (*m)->type == 9) v.push_back(std::move(**m));
  }
  return v;
}

// Stops the relay when a test leaves early (a failed ASSERT), so the
// future's destructor does not wait forever.
struct StopOnExit {
  io::RelayControl& c;
  ~StopOnExit() { c.request_stop(); }
};

}  // namespace

// ------------------------------------------------------------ C3 + C4

TEST(RelayReconnect, APublisherResetIsAnErrorNotACleanEnd) {
  auto dest = io::ListenSource::open(server_options(0), "live/out");
  ASSERT_TRUE(dest) << dest.error().detail;
  std::promise<std::string> where;
  io::RelayOptions o;
  o.from = "rtmp-listen://127.0.0.1:0/live/in";
  o.to = "rtmp://127.0.0.1:" + std::to_string((*dest)->port()) + "/live/out";
  o.log_clients = false;
  o.stats_interval = 0ms;
  o.on_listening = [&](const std::string& w) { where.set_value(w); };
  io::RelayControl control;
  auto relay = std::async(std::launch::async, [&o, &control] { return io::run_relay(o, &control); });
  StopOnExit guard{control};
  const std::string w = where.get_future().get();
  const auto port = static_cast<std::uint16_t>(std::stoi(w.substr(w.rfind(':') + 1)));
  TestPublisher pub;
  ASSERT_TRUE(pub.open(port, "live/in"));
  const auto in = stream(5);
  for (const auto& m : in) ASSERT_TRUE(pub.send(m));
  auto got = read_av(**dest, 12);  // headers + 5 video + 5 audio arrived: the relay is streaming
  ASSERT_EQ(got.size(), 12u);
  pub.kill();
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(relay.get(), io::relay_connect_failed) << "a reset publisher is a (retriable) failure, not exit 0";
}

TEST(RelayReconnect, WithReconnectAListenSourceWaitsForTheNextPublisherAndTimeStaysMonotonic) {
  auto dest = io::ListenSource::open(server_options(0), "live/out");
  ASSERT_TRUE(dest) << dest.error().detail;
  std::promise<std::string> where;
  io::RelayOptions o;
  o.from = "rtmp-listen://127.0.0.1:0/live/in";
  o.to = "rtmp://127.0.0.1:" + std::to_string((*dest)->port()) + "/live/out";
  o.reconnect = true;
  o.log_clients = false;
  o.stats_interval = 0ms;
  o.on_listening = [&](const std::string& w) { where.set_value(w); };
  io::RelayControl control;
  auto relay = std::async(std::launch::async, [&o, &control] { return io::run_relay(o, &control); });
  StopOnExit guard{control};
  const std::string w = where.get_future().get();
  const auto port = static_cast<std::uint16_t>(std::stoi(w.substr(w.rfind(':') + 1)));
  {
    TestPublisher pub;
    ASSERT_TRUE(pub.open(port, "live/in"));
    for (const auto& m : stream(5, 1000)) ASSERT_TRUE(pub.send(m));
    ASSERT_EQ(read_av(**dest, 12).size(), 12u);
    pub.kill();
  }
  TestPublisher pub2;  // the same port: the source was kept
  ASSERT_TRUE(pub2.open(port, "live/in"));
  for (const auto& m : stream(5, 0)) ASSERT_TRUE(pub2.send(m));  // its time starts at 0 again
  pub2.finish();  // FCUnpublish + deleteStream: the relay ends in order
  bool ended = false;
  auto second = read_av(**dest, 1000, &ended);
  EXPECT_TRUE(ended) << "the destination was told the stream ended";
  // The rest of the first publisher's frames, then the second one's.
  std::uint32_t last_video = 0;
  std::size_t video = 0;
  bool first = true;
  for (const auto& m : second) {
    if (m.type != 9 || is_header(m)) continue;
    if (!first) EXPECT_GT(m.timestamp, last_video) << "video time went back at frame " << video;
    first = false;
    last_video = m.timestamp;
    ++video;
  }
  EXPECT_GE(video, 5u) << "the second publisher's frames arrived";
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(relay.get(), io::relay_ok) << "the second publisher ended in order";
}

// ------------------------------------------------------------ C2

TEST(RelayReconnect, ADestinationRestartReopensOnlyTheDestination) {
  const std::string in = write_flv(stream(150), temp_path("c2.flv"));  // 6 s at 25 fps
  auto dest = io::ListenSource::open(server_options(0), "live/x");
  ASSERT_TRUE(dest) << dest.error().detail;
  const std::uint16_t port = (*dest)->port();
  io::RelayOptions o;
  o.from = in;
  o.to = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/x";
  o.realtime = true;  // the source is mid-file when the destination dies
  o.reconnect = true;
  o.reconnect_delay = 20ms;
  o.log_clients = false;
  o.stats_interval = 0ms;
  io::RelayControl control;
  auto relay = std::async(std::launch::async, [&o, &control] { return io::run_relay(o, &control); });
  StopOnExit guard{control};
  auto first = read_av(**dest, 42);  // headers + 20 frames (two GOPs)
  ASSERT_EQ(first.size(), 42u);
  dest->reset();  // the destination server goes away (connections closed)
  auto dest2 = io::ListenSource::open(server_options(port), "live/x");
  ASSERT_TRUE(dest2) << "cannot listen again on port " << port << " (bind race): " << dest2.error().detail;
  std::vector<Message> all;
  for (;;) {
    auto m = (*dest2)->next();
    ASSERT_TRUE(m) << m.error().detail;
    if (!*m) break;
    all.push_back(std::move(**m));
  }
  ASSERT_EQ(relay.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(relay.get(), io::relay_ok);
  std::remove(in.c_str());
  ASSERT_GE(all.size(), 4u);
  EXPECT_EQ(all[0].type, rtmp::msg_type::data_amf0) << "metadata first";
  EXPECT_TRUE(is_header(all[1]) && all[1].type == 9) << "then the AVC sequence header";
  EXPECT_TRUE(is_header(all[2]) && all[2].type == 8) << "then the AAC sequence header";
  EXPECT_TRUE(is_keyframe(all[3])) << "then a keyframe";
  // Frames are numbered in their payload: the new destination goes on from
  // about where the old one died, each frame once, up to the last one.
  auto number = [](const Message& m) { return m.type == 9 ? m.payload[5] | (m.payload[6] << 8) : int(m.payload[2]); };
  const int died_at = number(first.back());
  EXPECT_GE(number(all[3]) + 10, died_at) << "the source was replayed from its start";
  std::set<std::pair<int, int>> seen;
  for (const auto& m : all)
    if (!is_header(m) && m.type != rtmp::msg_type::data_amf0)
      EXPECT_TRUE(seen.insert({m.type, number(m)}).second) << "frame " << number(m) << " of type " << int(m.type) << " twice";
  EXPECT_EQ(number(all.back()), 149) << "frames resumed to the end of the input";
  EXPECT_EQ(all.back().timestamp, 149u * 40 + 20) << "no source change: timestamps as in the input";
}

// ------------------------------------------------------------ C1

TEST(RelayReconnect, AFullFileSystemIsExit6AndTheRecordingIsKept) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  const std::string dir = temp_path("fullfs");
  fs::create_directories(dir);
  if (std::system(("mount -t tmpfs -o size=256k tmpfs " + dir + " 2>/dev/null").c_str()) != 0) {
    fs::remove_all(dir);
    GTEST_SKIP() << "cannot mount a tmpfs";
  }
  const std::string in = write_flv(stream(200, 0, 4000), temp_path("c1.flv"));  // ~800 KB
  const std::string out = dir + "/rec.flv";
  io::RelayOptions o;
  o.from = in;
  o.to = out;
  o.reconnect = true;
  o.reconnect_delay = 10ms;
  o.max_reconnects = 3;
  o.log_clients = false;
  o.stats_interval = 0ms;
  ::testing::internal::CaptureStderr();
  const int rc = io::run_relay(o);
  const std::string err = ::testing::internal::GetCapturedStderr();
  const auto size = fs::file_size(out);
  (void)std::system(("umount " + dir).c_str());
  fs::remove_all(dir);
  std::remove(in.c_str());
  EXPECT_EQ(rc, io::relay_io_error) << err;
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  EXPECT_EQ(err.find("reconnecting"), std::string::npos) << "a local write error is not retried: " << err;
  EXPECT_GT(size, 128u * 1024) << "the recording was kept, not truncated";
}

// The access keys in an rtmp-listen:// URL's query are never printed: the
// "listening" line names APP/STREAM only (it went to stderr with the keys).
TEST(RelayListenLine, AccessKeysAreNotPrinted) {
  std::promise<std::string> where;
  io::RelayOptions o;
  o.from = "rtmp-listen://127.0.0.1:0/live/in?publish_key=s3cret&play_key=v1ew";
  o.to = (fs::temp_directory_path() / ("keys-" + std::to_string(::getpid()) + ".flv")).string();
  o.log_clients = false;
  o.stats_interval = 0ms;
  o.on_listening = [&](const std::string& w) { where.set_value(w); };
  io::RelayControl control;
  auto relay = std::async(std::launch::async, [&o, &control] { return io::run_relay(o, &control); });
  StopOnExit guard{control};
  const std::string w = where.get_future().get();
  EXPECT_EQ(w.find("s3cret"), std::string::npos) << w;
  EXPECT_EQ(w.find("v1ew"), std::string::npos) << w;
  EXPECT_NE(w.find("/live/in"), std::string::npos) << w;
  control.request_stop();
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready);
  (void)relay.get();
  std::error_code ec;
  fs::remove(o.to, ec);
}
