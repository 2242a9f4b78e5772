// The test-support port picker: a port is never handed out twice in one
// process, and one process's ports are refused to another (CI once saw two
// draws of one nginx setup coincide: its TLS and RTMP listeners on one port).
#include "tests/support/free_port.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

using rtmfp::testing::free_port;
using rtmfp::testing::PortProto;

TEST(FreePort, NeverTheSamePortTwiceInOneProcess) {
  std::set<int> seen;
  for (int i = 0; i < 300; ++i) {
    const int p = free_port(i % 3 == 0 ? PortProto::tcp : i % 3 == 1 ? PortProto::udp : PortProto::both);
    ASSERT_GT(p, 0);
    EXPECT_TRUE(seen.insert(p).second) << "port " << p << " handed out twice";
  }
}

TEST(FreePort, AnotherProcessCannotReserveAPortThisOneHolds) {
  std::vector<int> mine;
  for (int i = 0; i < 100; ++i) mine.push_back(free_port());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A POSIX record lock is not inherited: the child is another owner.
    // Exit code: 0 = all of the parent's ports refused and a fresh one
    // granted; 1 = one of the parent's ports granted; 3 = nothing granted.
    for (int p : mine)
      if (rtmfp::testing::reserve_port_across_processes(p)) ::_exit(1);
    for (int p = 10000; p < 11000; ++p)
      if (std::find(mine.begin(), mine.end(), p) == mine.end() && rtmfp::testing::reserve_port_across_processes(p))
        ::_exit(0);
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the child was granted a port this process holds; 3: no port at all";
}
