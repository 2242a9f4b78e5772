// Integration: rtmps:// (RTMP over TLS) as relay destination and source.
// A throwaway CA and server certificate (SAN localhost, 127.0.0.1) are made
// with the openssl CLI; a private nginx terminates TLS with its stream module
// (stream { listen ... ssl; proxy_pass } ) in front of its own nginx-rtmp.
//  * publish: FLV (paced FIFO) → relay → rtmps://localhost → nginx → ffmpeg
//    player on plain rtmp://: every frame arrives;
//  * play: ffmpeg → rtmp:// nginx → relay from rtmps://127.0.0.1 → FLV;
//  * verification: no --ca-file → exit 7 with a message naming the host;
//    an address or a host name the certificate does not cover → exit 7;
//    missing CA file → exit 2.
#include <future>

#include "media/io/relay.hpp"
#include "tests/integration/rtmp_test_util.hpp"

using namespace rtmp_it;

namespace {

::testing::AssertionResult make_certs(const fs::path& d) {
  auto step = [&](std::vector<std::string> argv) -> ::testing::AssertionResult {
    auto r = run_command(argv, 30s);
    if (r.exit_code != 0) return ::testing::AssertionFailure() << argv[0] << " " << argv[1] << ": " << r.err;
    return ::testing::AssertionSuccess();
  };
  const std::string ca_key = (d / "ca.key").string(), ca = (d / "ca.pem").string();
  const std::string key = (d / "server.key").string(), csr = (d / "server.csr").string();
  const std::string ext = (d / "ext.cnf").string(), cert = (d / "server.pem").string();
  std::ofstream(ext) << "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n";
  if (auto r = step({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=rtmfp test CA", "-addext",
                     "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
      !r)
    return r;
  if (auto r = step({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", key, "-out", csr, "-subj", "/CN=localhost"});
      !r)
    return r;
  if (auto r = step({"openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out",
                     cert, "-days", "2", "-extfile", ext});
      !r)
    return r;
  // A second server certificate from the same CA for another name only.
  const std::string wkey = (d / "wrong.key").string(), wcsr = (d / "wrong.csr").string();
  const std::string wext = (d / "wrong.cnf").string(), wcert = (d / "wrong.pem").string();
  std::ofstream(wext) << "subjectAltName=DNS:wrong.example\nbasicConstraints=CA:FALSE\n"
                         "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n";
  if (auto r = step({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", wkey, "-out", wcsr, "-subj", "/CN=wrong.example"});
      !r)
    return r;
  return step({"openssl", "x509", "-req", "-in", wcsr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", wcert,
               "-days", "2", "-extfile", wext});
}

class Rtmps : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("nginx") || !fs::exists(kRtmpModule)) GTEST_SKIP() << "nginx or libnginx-mod-rtmp not installed";
    if (!fs::exists(kStreamModule))
      GTEST_SKIP() << "nginx stream module missing (" << kStreamModule
                   << "): install libnginx-mod-stream (scripts/install-deps.sh test)";
    if (!have("ffmpeg") || !have("openssl")) GTEST_SKIP() << "ffmpeg or openssl not installed";
    dir_.emplace("rtmps_it");
    ASSERT_TRUE(make_certs(dir_->path()));
    std::optional<PrivateNginx::Tls> tls(std::in_place);
    tls->cert = dir_->path() / "server.pem";
    tls->key = dir_->path() / "server.key";
    tls->addresses = {"127.0.0.1", "127.0.0.2"};  // .2: an address the certificate does not name
    tls->alt_cert = dir_->path() / "wrong.pem";    // a second server: a certificate for wrong.example only
    tls->alt_key = dir_->path() / "wrong.key";
    ASSERT_TRUE(nginx_.start(dir_->path(), tls));  // chooses the ports
    rtmp_port_ = nginx_.rtmp_port();
    tls_port_ = tls->port;
    alt_port_ = tls->alt_port;
    input_ = dir_->path() / "in.flv";
    ASSERT_TRUE(make_test_flv(input_, 3));
  }
  std::string plain(const std::string& s) const { return "rtmp://127.0.0.1:" + std::to_string(rtmp_port_) + "/live/" + s; }
  std::string tls(const std::string& host, const std::string& s) const {
    return "rtmps://" + host + ":" + std::to_string(tls_port_) + "/live/" + s;
  }
  std::string ca() const { return (dir_->path() / "ca.pem").string(); }
  rtmfp::testing::RunResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {RTMFP_CLI, "relay"});
    return run_command(args, 30s);
  }

  std::optional<TempDir> dir_;
  PrivateNginx nginx_;
  fs::path input_;
  int rtmp_port_ = 0, tls_port_ = 0, alt_port_ = 0;
};

}  // namespace

TEST_F(Rtmps, PublishOverTlsPlayPlain) {
  const fs::path out = dir_->path() / "pub_out.flv", fifo = dir_->path() / "pub.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto player = spawn_player(plain("p"), out);
  ASSERT_TRUE(player);
  std::this_thread::sleep_for(1s);  // nginx-rtmp keeps no GOP cache: subscribe first
  rtmfp::media::io::RelayOptions o;
  o.from = fifo.string();
  o.to = tls("localhost", "p");  // SNI + DNS-name verification
  o.ca_file = ca();
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  // If the relay returns without opening the FIFO, the writer gives up
  // instead of blocking in open() forever.
  write_paced(input_, fifo, [&] { return relay.wait_for(0s) == std::future_status::ready; });
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready) << "relay did not finish";
  EXPECT_EQ(relay.get(), 0);
  reap(*player, 20s, "ffmpeg player");
  SCOPED_TRACE("player: " + player->stderr_text());
  expect_same_av(av_tags(input_), av_tags(out));
}

TEST_F(Rtmps, PlayOverTlsToFile) {
  const fs::path out = dir_->path() / "play_out.flv";
  rtmfp::media::io::RelayOptions o;
  o.from = tls("127.0.0.1", "q");  // IP-address verification (SAN IP:127.0.0.1), no SNI
  o.to = out.string();
  o.ca_file = ca();
  o.io_timeout = 20000ms;
  auto relay = std::async(std::launch::async, [o] { return rtmfp::media::io::run_relay(o); });
  std::this_thread::sleep_for(1s);
  auto pub = run_command({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", input_.string(), "-c", "copy",
                          "-f", "flv", plain("q")},
                         60s);
  EXPECT_EQ(pub.exit_code, 0) << pub.err;
  ASSERT_EQ(relay.wait_for(30s), std::future_status::ready) << "relay did not finish";
  EXPECT_EQ(relay.get(), 0);
  expect_same_av(av_tags(input_), av_tags(out));
  EXPECT_TRUE(has_metadata(out));
}

TEST_F(Rtmps, VerificationFailuresAreClearAndNonZero) {
  // Private CA not trusted: refused, the message says why and names the host.
  auto r = cli({"--from", input_.string(), "--to", tls("localhost", "v")});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("certificate verification failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'localhost'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--ca-file"), std::string::npos) << r.err;

  // Trusted CA, but the certificate does not cover 127.0.0.2.
  r = cli({"--from", input_.string(), "--to", tls("127.0.0.2", "v"), "--ca-file", ca()});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("certificate verification failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("127.0.0.2"), std::string::npos) << r.err;

  // Trusted CA, but the server's certificate is for another host name.
  r = cli({"--from", input_.string(), "--to", "rtmps://localhost:" + std::to_string(alt_port_) + "/live/v",
           "--ca-file", ca()});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("certificate verification failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not valid for 'localhost'"), std::string::npos) << r.err;

  // As a source too.
  r = cli({"--from", tls("localhost", "v"), "--to", (dir_->path() / "never.flv").string()});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("certificate verification failed"), std::string::npos) << r.err;

  // A CA file that does not exist is a bad argument.
  r = cli({"--from", input_.string(), "--to", tls("localhost", "v"), "--ca-file", (dir_->path() / "none.pem").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("none.pem"), std::string::npos) << r.err;

  // With the CA the same publish works (the failures above were about trust).
  r = cli({"--from", input_.string(), "--to", tls("localhost", "v"), "--ca-file", ca()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}
