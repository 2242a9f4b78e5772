// Fuzz target: TcReceiver (RFC 7425 §5.1-§5.2) driven with up to 4 flows
// interleaved: flow adds, messages (often Flow Sync), finishes, release_all.
// Invariants: no crash or unbounded recursion (review P1); held bytes never
// exceed kMaxHeldBytes; a message is never delivered twice (each delivered
// data message carries a unique sequence number in its timestamp, and per
// flow they come out in increasing order).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

#include "media/gateway/rtmfp_mapping.hpp"
#include "media/gateway/tc_receiver.hpp"

using namespace rtmfp;
using namespace rtmfp::media::gateway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  TcReceiver rx;
  std::vector<media::rtmp::Message> out;
  std::uint32_t seq = 0;
  std::map<std::uint32_t, std::uint64_t> flow_of_seq;
  for (std::size_t i = 0; i + 1 < size;) {
    const std::uint8_t op = data[i], arg = data[i + 1];
    i += 2;
    const TcReceiver::FlowId flow = op & 3;
    switch ((op >> 2) % 6) {
      case 0: rx.add_flow(flow, arg % 3); break;
      case 1:
      case 2: {  // a sync: id and count from arg (count 0..3: 0 is malformed)
        Bytes m = encode_message(4, 0, encode_flow_sync({static_cast<std::uint32_t>(arg >> 2), arg & 3u}));
        (void)rx.on_message(flow, m, out);
        break;
      }
      case 3: {  // a data message with a unique sequence number
        Bytes m = encode_message(9, ++seq, Bytes{0x27, arg});
        flow_of_seq[seq] = flow;
        if (!rx.on_message(flow, m, out)) flow_of_seq.erase(seq);
        break;
      }
      case 4: {  // raw bytes as a message
        std::size_t n = std::min<std::size_t>(arg % 32, size - i);
        (void)rx.on_message(flow, ByteView(data + i, n), out);
        i += n;
        break;
      }
      case 5:
        if (arg & 1) rx.release_all(out);
        else rx.remove_flow(flow);
        break;
    }
    if (rx.held_bytes() > TcReceiver::kMaxHeldBytes) std::abort();
  }
  rx.release_all(out);
  std::map<std::uint64_t, std::uint32_t> last;
  std::map<std::uint32_t, int> seen;
  for (const auto& m : out) {
    if (m.type != 9 || m.payload.size() != 2 || m.payload[0] != 0x27) continue;
    auto it = flow_of_seq.find(m.timestamp);
    if (it == flow_of_seq.end()) continue;  // raw bytes that happened to look alike
    if (++seen[m.timestamp] > 1) std::abort();             // delivered twice
    if (m.timestamp <= last[it->second]) std::abort();     // per-flow order
    last[it->second] = m.timestamp;
  }
  return 0;
}
