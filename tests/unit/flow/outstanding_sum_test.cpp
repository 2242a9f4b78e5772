// FlowSet keeps the session's bytes in flight (§3.5.2 against the congestion
// window) as a running sum: it must equal the sum over its sending flows
// through sends, acks, NAK losses, timeouts, abandonment and FIN.
#include <gtest/gtest.h>

#include "flow_link.hpp"

using namespace rtmfp;
using namespace rtmfp::flow;
using namespace rtmfp::flow::test;

namespace {

std::uint64_t sum_of_flows(const FlowSet& s, FlowId last) {
  std::uint64_t n = 0;
  for (FlowId id = 1; id <= last; ++id)
    if (const SendFlow* f = s.send_flow(id)) n += f->outstanding_bytes();
  return n;
}

}  // namespace

TEST(FlowSetOutstanding, RunningSumMatchesTheFlowsUnderLossDeadlinesAndClose) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    Link link(seed, 0.15, 20ms);
    FlowId last = 0;
    for (int i = 0; i < 3; ++i) last = *link.a.open_flow(Bytes{'m', static_cast<std::uint8_t>(i)}, std::nullopt, {.priority = i});
    for (int step = 0; step < 15000; ++step) {
      if (step < 3000 && step % 20 == 0) {
        const FlowId id = 1 + static_cast<FlowId>(step % 3);
        // One flow's messages may be abandoned (finish-by 40 ms).
        auto w = link.a.write(id, pattern(1500, static_cast<std::uint32_t>(step)), link.now, std::nullopt,
                              id == 2 ? std::optional<Duration>(40ms) : std::nullopt);
        ASSERT_TRUE(w);
      }
      if (step == 3500)
        for (FlowId id = 1; id <= last; ++id) link.a.close_flow(id, link.now);
      if (step == 1200) link.loss = 1.0;  // an outage: retransmission timeouts (§3.6.2.6)
      if (step == 2200) link.loss = 0.15;
      link.step();
      ASSERT_EQ(link.a.outstanding_bytes(), sum_of_flows(link.a, last)) << "seed " << seed << " step " << step;
    }
    EXPECT_GT(link.a.stats().bytes_retransmitted, 0u);
    EXPECT_GT(link.a.stats().timeouts, 0u);
    EXPECT_EQ(link.a.outstanding_bytes(), 0u);  // everything answered after the close
    for (FlowId id = 1; id <= last; ++id) EXPECT_EQ(link.a.send_flow(id)->state(), SendFlowState::F_COMPLETE_LINGER);
  }
}
