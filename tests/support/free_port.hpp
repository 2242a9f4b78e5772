// Free loopback ports for tests that must name a port before the program
// that binds it starts (nginx, a child `rtmfp relay`, a listener that prints
// its address only on stderr).
//
// A port handed out here is
//  * free now, on 127.0.0.1, for the protocol asked (TCP, UDP or both);
//  * BELOW the kernel's ephemeral range (net.ipv4.ip_local_port_range), so no
//    outgoing connection and no port-0 bind (ffmpeg's, a parallel test's) can
//    be given it between the choice and the bind;
//  * never handed out twice in this process (two draws of one PrivateNginx
//    can no longer coincide: CI saw nginx's TLS and RTMP ports equal);
//  * reserved against every other test process doing the same, for this
//    process's lifetime, by a POSIX byte-range lock at offset `port` on one
//    shared lock file (released by the kernel when the process ends, however
//    it ends), so tests running in parallel under ctest -j never share one.
#pragma once

namespace rtmfp::testing {

enum class PortProto { tcp, udp, both };

// A reserved free port, or 0 (with a gtest failure) when none is found.
int free_port(PortProto proto = PortProto::both);
inline int free_tcp_port() { return free_port(PortProto::tcp); }
inline int free_udp_port() { return free_port(PortProto::udp); }

// The cross-process part alone (for its test): takes the lock on `port`;
// false when another process holds it.
bool reserve_port_across_processes(int port);

}  // namespace rtmfp::testing
