// Helpers shared by the RTMP integration tests: free loopback ports, a
// private nginx-rtmp (optionally with a TLS stream proxy), FLV tag reading and
// the audio/video sequence comparison.
#pragma once

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <regex>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "media/flv/flv_reader.hpp"
#include "media/flv/flv_writer.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/free_port.hpp"

namespace rtmp_it {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using rtmfp::media::flv::Tag;
using rtmfp::media::flv::TagType;
using rtmfp::testing::ChildProcess;
using rtmfp::testing::run_command;

inline bool have(const char* prog) {
  return std::system((std::string("command -v ") + prog + " >/dev/null 2>&1").c_str()) == 0;
}

// Where the installed nginx keeps a dynamic module: the --modules-path nginx
// was built with (nginx -V), else the files of the Debian package that ships
// it (dpkg -L), so a changed package layout is followed rather than skipped.
// Empty if not found.
inline std::string find_nginx_module(const std::string& file, const std::string& package) {
  if (!have("nginx")) return {};
  auto v = run_command({"nginx", "-V"}, 10s);
  std::smatch m;
  const std::string text = v.out + v.err;
  if (std::regex_search(text, m, std::regex("--modules-path=(\\S+)"))) {
    fs::path p = fs::path(m[1].str()) / file;
    if (fs::exists(p)) return p.string();
  }
  auto l = run_command({"dpkg", "-L", package}, 10s);
  std::size_t start = 0;
  while (start < l.out.size()) {
    std::size_t nl = l.out.find('\n', start);
    std::string line = l.out.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line.size() >= file.size() + 1 && line.ends_with("/" + file) && fs::exists(line)) return line;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return {};
}

// A module path found on first use (nginx -V / dpkg -L); converts to a path
// (empty if not installed) and prints as one.
struct NginxModule {
  const char* file;
  const char* package;
  const std::string& path() const {
    static std::map<std::string, std::string> cache;
    auto it = cache.find(file);
    if (it == cache.end()) it = cache.emplace(file, find_nginx_module(file, package)).first;
    return it->second;
  }
  operator fs::path() const { return path(); }
  friend std::ostream& operator<<(std::ostream& o, const NginxModule& m) {
    return o << (m.path().empty() ? std::string(m.file) + " (not found)" : m.path());
  }
};
inline const NginxModule kRtmpModule{"ngx_rtmp_module.so", "libnginx-mod-rtmp"};
inline const NginxModule kStreamModule{"ngx_stream_module.so", "libnginx-mod-stream"};

// A port free on 127.0.0.1 for TCP and UDP, reserved for this process (see
// tests/support/free_port.hpp). Fails the test (returns 0) if none is found.
inline int free_port() { return rtmfp::testing::free_port(); }

inline bool port_open(int port, const char* ip = "127.0.0.1") {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, ip, &a.sin_addr);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

inline bool wait_port(int port, std::chrono::milliseconds timeout = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (port_open(port)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

inline rtmfp::Bytes read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return rtmfp::Bytes((std::istreambuf_iterator<char>(f)), {});
}

inline std::vector<Tag> all_tags(const fs::path& p) {
  auto file = rtmfp::media::flv::read_file(read_bytes(p));
  if (!file) {
    ADD_FAILURE() << p << ": " << file.error().detail;
    return {};
  }
  return file->tags;
}

inline std::vector<Tag> av_tags(const fs::path& p) {
  std::vector<Tag> r;
  for (auto& t : all_tags(p))
    if (t.type != TagType::script) r.push_back(t);
  return r;
}

inline std::vector<const Tag*> of_type(const std::vector<Tag>& v, TagType type) {
  std::vector<const Tag*> r;
  for (const auto& t : v)
    if (t.type == type) r.push_back(&t);
  return r;
}

inline bool has_metadata(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), {});
  return s.find("onMetaData") != std::string::npos;
}

inline bool is_avc_header(const Tag& t) {
  return t.type == TagType::video && t.data.size() >= 2 && (t.data[0] & 0x0f) == 7 && t.data[1] == 0;
}
inline bool is_aac_header(const Tag& t) {
  return t.type == TagType::audio && t.data.size() >= 2 && (t.data[0] >> 4) == 10 && t.data[1] == 0;
}
inline bool is_keyframe(const Tag& t) { return t.type == TagType::video && !t.data.empty() && (t.data[0] >> 4) == 1; }

// Audio and video are compared as two sequences: RTMP senders may interleave
// the two types differently (E§5.2), but each type keeps its order. Payloads
// must be identical, timestamps equal up to one constant offset (ffmpeg
// rebases them without -copyts).
inline void expect_same_av(const std::vector<Tag>& in_all, const std::vector<Tag>& out_all) {
  ASSERT_FALSE(in_all.empty());
  std::optional<std::int64_t> offset;
  for (auto type : {TagType::audio, TagType::video}) {
    auto in = of_type(in_all, type);
    auto out = of_type(out_all, type);
    ASSERT_FALSE(in.empty());
    ASSERT_EQ(in.size(), out.size()) << "every frame of type " << int(type) << " must arrive";
    if (!offset) offset = std::int64_t(out[0]->timestamp) - std::int64_t(in[0]->timestamp);
    for (std::size_t i = 0; i < in.size(); ++i) {
      ASSERT_EQ(in[i]->data, out[i]->data) << "payload of type " << int(type) << " frame " << i;
      ASSERT_EQ(std::int64_t(out[i]->timestamp) - std::int64_t(in[i]->timestamp), *offset)
          << "timestamp of type " << int(type) << " frame " << i;
    }
  }
  bool avc = false, aac = false;
  for (const auto& t : out_all) {
    avc = avc || is_avc_header(t);
    aac = aac || is_aac_header(t);
  }
  EXPECT_TRUE(avc) << "AVC sequence header";
  EXPECT_TRUE(aac) << "AAC sequence header";
}

// A test FLV made by ffmpeg: H.264 320x240 at 25 fps with a keyframe every
// second, AAC 44.1 kHz sine.
inline ::testing::AssertionResult make_test_flv(const fs::path& out, int seconds) {
  auto r = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                        "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                        "-t", std::to_string(seconds), "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p", "-c:a",
                        "aac", "-f", "flv", out.string()},
                       60s);
  if (r.exit_code != 0) return ::testing::AssertionFailure() << "ffmpeg could not make the test FLV: " << r.err;
  return ::testing::AssertionSuccess();
}

// ffmpeg playing an RTMP URL into an FLV file (-c copy); ends by itself when
// the stream ends or after 5 s without data.
inline std::optional<ChildProcess> spawn_player(const std::string& url, const fs::path& out) {
  return ChildProcess::spawn({"ffmpeg", "-hide_banner", "-loglevel", "info", "-y", "-rw_timeout", "5000000", "-i", url,
                              "-c", "copy", "-f", "flv", out.string()});
}

// Waits for a child to end; kills it (and fails) after `timeout`.
inline void reap(ChildProcess& p, std::chrono::milliseconds timeout, const char* what) {
  if (!p.wait(timeout)) {
    ADD_FAILURE() << what << " did not end: " << p.stderr_text();
    p.signal(SIGKILL);
    (void)p.wait(5s);
  }
}

// Writes the FLV at `in` into `path` (typically a FIFO the relay reads) tag by
// tag at the pace of the tag timestamps, like ffmpeg -re. Returns after
// closing it. A FIFO is opened without blocking: while no reader has it open
// the open fails (ENXIO) and is retried until `reader_gone()` says the reader
// will never come (e.g. the relay already returned) or 60 s pass; then it
// fails the test instead of hanging until ctest's timeout.
inline void write_paced(const fs::path& in, const fs::path& path,
                        const std::function<bool()>& reader_gone = [] { return false; }) {
  auto tags = all_tags(in);
  // O_CLOEXEC: a child the test spawns meanwhile (ffmpeg) must not inherit
  // the write end, or the reader would see no end of file until it exits.
  int fd = -1;
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 || errno != ENXIO) break;
    if (reader_gone() || std::chrono::steady_clock::now() > give_up) break;
    std::this_thread::sleep_for(10ms);
  }
  if (fd < 0) {
    ADD_FAILURE() << "no reader opened " << path << " (" << std::strerror(errno) << ")";
    return;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    ::close(fd);
    return;
  }
  rtmfp::Bytes out;
  rtmfp::media::flv::write_header(rtmfp::media::flv::Header{}, out);
  std::fwrite(out.data(), 1, out.size(), f);
  std::fflush(f);
  const auto start = std::chrono::steady_clock::now();
  for (const auto& t : tags) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(t.timestamp));
    out.clear();
    (void)rtmfp::media::flv::write_tag(t, out);
    std::fwrite(out.data(), 1, out.size(), f);
    std::fflush(f);
  }
  std::fclose(f);
}

// A private nginx on loopback: rtmp { application live { meta copy; ... } }
// and, when tls_port != 0, a stream { } TLS terminator proxying to it.
// TLS servers of a PrivateNginx (at namespace scope: clang cannot use the
// default member initializers of a nested class in std::optional's
// constructors).
struct PrivateNginxTls {
  int port = 0;
  fs::path cert, key;
  std::vector<std::string> addresses = {"127.0.0.1"};
  // Optional second TLS server (another port, another certificate), e.g. one
  // that names a different host.
  int alt_port = 0;
  fs::path alt_cert, alt_key;
};

class PrivateNginx {
 public:
  using Tls = PrivateNginxTls;
  // Starts nginx on ports chosen here (free_port()): rtmp_port(), and in
  // `tls` the TLS ports (tls->port, tls->alt_port when alt_cert is set) are
  // filled in. If another process took a port between the choice and nginx's
  // bind, nginx itself says so ("Address already in use") and exits; then it
  // is started again on new ports (a last resort: ports below the ephemeral
  // range are rarely taken).
  ::testing::AssertionResult start(const fs::path& dir, std::optional<Tls>& tls) {
    ::testing::AssertionResult r = ::testing::AssertionFailure() << "not started";
    for (int attempt = 0; attempt < 5; ++attempt) {
      const int rtmp = free_port();
      if (tls) {
        tls->port = free_port();
        if (!tls->alt_cert.empty()) tls->alt_port = free_port();
      }
      bool port_taken = false;
      r = start(dir, rtmp, tls, &port_taken);
      if (r || !port_taken) return r;
    }
    return r;
  }
  ::testing::AssertionResult start(const fs::path& dir) {
    std::optional<Tls> none;
    return start(dir, none);
  }
  int rtmp_port() const { return rtmp_port_; }

  // Starts nginx on the given ports. *port_taken (if given) is set when nginx
  // failed because a port was in use. `live_extra`: more directives for
  // `application live` (e.g. record).
  ::testing::AssertionResult start(const fs::path& dir, int rtmp_port, const std::optional<Tls>& tls = {},
                                   bool* port_taken = nullptr, const std::string& live_extra = {}) {
    stop();
    rtmp_port_ = rtmp_port;
    fs::create_directories(dir / "logs");
    fs::remove(dir / "error.log");
    std::ofstream conf(dir / "nginx.conf");
    conf << "load_module " << kRtmpModule << ";\n";
    if (tls) conf << "load_module " << kStreamModule << ";\n";
    conf << "pid " << (dir / "nginx.pid").string() << ";\n"
         << "error_log " << (dir / "error.log").string() << " info;\n"
         << "events { worker_connections 64; }\n"
         << "rtmp { server { listen 127.0.0.1:" << rtmp_port << "; chunk_size 4096;\n"
         << "  application live { live on; meta copy; idle_streams on; wait_key on; " << live_extra << " } } }\n";
    if (tls) {
      conf << "stream { server {\n";
      for (const auto& a : tls->addresses) conf << "  listen " << a << ":" << tls->port << " ssl;\n";
      conf << "  ssl_certificate " << tls->cert.string() << ";\n"
           << "  ssl_certificate_key " << tls->key.string() << ";\n"
           << "  proxy_pass 127.0.0.1:" << rtmp_port << "; }\n";
      if (tls->alt_port)
        conf << "  server { listen 127.0.0.1:" << tls->alt_port << " ssl;\n"
             << "  ssl_certificate " << tls->alt_cert.string() << ";\n"
             << "  ssl_certificate_key " << tls->alt_key.string() << ";\n"
             << "  proxy_pass 127.0.0.1:" << rtmp_port << "; }\n";
      conf << "}\n";
    }
    conf.close();
    proc_.emplace(ChildProcess::spawn(
        {"nginx", "-p", dir.string(), "-c", (dir / "nginx.conf").string(), "-g", "daemon off; master_process off;"}));
    if (!*proc_) return ::testing::AssertionFailure() << "cannot start nginx";
    std::vector<int> ports{rtmp_port};
    if (tls) ports.push_back(tls->port);
    if (tls && tls->alt_port) ports.push_back(tls->alt_port);
    // Ready when every port accepts; failed when nginx exits (it retries a
    // busy bind for about 2.5 s, then exits with the error).
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    for (;;) {
      bool all = true;
      for (int p : ports) all = all && port_open(p);
      if (all) return ::testing::AssertionSuccess();
      if (auto code = (*proc_)->wait(0ms)) {
        const std::string why = (*proc_)->stderr_text() + read_text(dir / "error.log");
        if (port_taken) *port_taken = why.find("Address already in use") != std::string::npos;
        return ::testing::AssertionFailure() << "nginx exited (" << *code << "): " << why;
      }
      if (std::chrono::steady_clock::now() > deadline)
        return ::testing::AssertionFailure() << "nginx did not open its ports: " << (*proc_)->stderr_text() << "\n"
                                             << read_text(dir / "error.log");
      std::this_thread::sleep_for(20ms);
    }
  }
  // Ends nginx now (its files, e.g. recordings, are then complete).
  void stop() {
    if (proc_ && *proc_) {
      (*proc_)->signal(SIGTERM);
      if (!(*proc_)->wait(5s)) (*proc_)->signal(SIGKILL), (void)(*proc_)->wait(5s);
    }
    proc_.reset();
  }
  ~PrivateNginx() { stop(); }
  static std::string read_text(const fs::path& p) {
    std::ifstream f(p);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  }

 private:
  std::optional<std::optional<ChildProcess>> proc_;  // ChildProcess is move-constructible only
  int rtmp_port_ = 0;
};

// A temporary directory removed at the end unless the test failed.
class TempDir {
 public:
  explicit TempDir(const char* prefix) {
    std::string tmpl = std::string("/tmp/") + prefix + "_XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    if (!path_.empty() && !::testing::Test::HasFailure()) fs::remove_all(path_);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace rtmp_it
