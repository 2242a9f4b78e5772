// Review I7: NetStream::close() half-closes and drains instead of closing
// with unread inbound bytes (which makes Linux send RST and drop the unsent
// tail). A loopback server with a small window sends a few bytes the client
// never reads and reads nothing until the client's close() returned (so the
// client's tail is still in its send queue then): it must get all the data
// and an orderly end (EOF), not a reset.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "media/io/net_stream.hpp"

namespace rtmfp::media::io {
namespace {

TEST(NetStreamClose, CloseWithUnreadInboundEndsWithFinNotReset) {
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(ls, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int small = 16 * 1024;  // the server's window fills: the client's tail stays in its send queue
  ASSERT_EQ(::setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  ASSERT_EQ(::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(ls, 1), 0);
  socklen_t al = sizeof a;
  ASSERT_EQ(::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &al), 0);
  const std::size_t kData = 512 * 1024;
  std::size_t got = 0;
  int end_errno = -1;  // 0: orderly EOF
  std::promise<void> sent;
  std::promise<void> client_closed;
  std::thread server([&] {
    int s = ::accept(ls, nullptr, nullptr);
    if (s < 0) return;
    char hello[100] = {};
    (void)::send(s, hello, sizeof hello, 0);  // never read by the client
    sent.set_value();  // loopback: now in the client's receive queue
    client_closed.get_future().wait();  // read only after the client closed
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(s, buf, sizeof buf, 0);
      if (n > 0) {
        got += static_cast<std::size_t>(n);
        continue;
      }
      end_errno = n == 0 ? 0 : errno;
      break;
    }
    ::close(s);
  });
  {
    NetStream ns;
    ASSERT_TRUE(ns.connect("127.0.0.1", ntohs(a.sin_port), TlsOptions{}, milliseconds(5000)));
    Bytes data(kData, 0x42);
    ASSERT_TRUE(ns.write_all(data, milliseconds(10000)));
    sent.get_future().wait();  // the server's bytes are waiting, unread
    ns.close();
  }
  client_closed.set_value();
  server.join();
  ::close(ls);
  EXPECT_EQ(got, kData);
  EXPECT_EQ(end_errno, 0) << "the server saw a reset (errno " << end_errno << ") instead of EOF";
}

}  // namespace
}  // namespace rtmfp::media::io
