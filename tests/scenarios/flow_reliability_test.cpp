// Reliable delivery under random loss (issue items 4 and 8): over the
// 20 Mbit/s, 40 ms RTT, one-BDP-queue link with the same random loss in both
// directions (data and acks), every byte of a reliable flow arrives, in
// order, and its hash equals the sender's; the flow then finishes
// (FlowFinished after close). A single 1 MB message arrives whole over a
// lossy link. Many seeds per loss rate; time to complete is bounded loosely
// (it only guards against stalls) and reported.
#include "tests/scenarios/flow_world.hpp"

namespace rtmfp::testing {
namespace {

struct Transfer {
  bool opened = false, finished = false, intact = false;
  std::uint64_t bytes = 0;
  double seconds = 0;  // open_flow to FlowFinished
  std::uint64_t timeouts = 0;
};

// `total` bytes in `message_size` messages (one message when equal), then close.
Transfer run_transfer(std::uint64_t seed, const std::string& cc, double loss, std::uint64_t total,
                      std::size_t message_size, Duration limit) {
  World w(seed);
  const auto sa = SocketAddress::ipv4(10, 0, 0, 1, 1935), ca = SocketAddress::ipv4(10, 0, 0, 2, 5000);
  Peer& server = w.add(sa);
  Peer& client = w.add(ca);
  // The session opens on a clean link (startup under loss has its own
  // scenarios: handshake_loss_test), then the loss starts, both directions.
  auto link = w.net.connect(ca, sa, bottleneck());
  Transfer t;
  auto sp = w.connect(client, server, cc);
  if (!sp) return t;
  t.opened = true;
  link.forward.config().loss = loss;
  link.backward.config().loss = loss;
  const std::uint64_t salt = seed * 13 + 1;
  BulkReceiver rx(server, [salt](SessionHandle) { return std::optional<std::uint64_t>(salt); });
  BulkSender tx(w, client, sp->client, salt, total, message_size, std::max<std::uint64_t>(message_size, 256 * 1024));
  tx.close_when_done();
  const TimePoint t0 = w.net.now();
  EXPECT_TRUE(tx.start());
  w.net.run_until(
      [&] {
        auto* f = rx.flow_of(sp->server);
        return f && f->finished;
      },
      t0 + limit);
  const auto* f = rx.flow_of(sp->server);
  if (f) {
    t.bytes = f->bytes;
    t.finished = f->finished;
    t.intact = !f->corrupt && f->bytes == total && f->hash.value() == tx.hash().value() &&
               (message_size < total || (f->messages == 1 && f->largest_message == total));
    if (f->finished_at) t.seconds = secs(*f->finished_at - t0);
  }
  if (auto info = client.ep().session_info(sp->client)) t.timeouts = info->timeouts;
  return t;
}

void check_reliable(const std::string& cc, double loss, int seeds, std::uint64_t total, std::size_t message_size,
                    Duration limit, double max_median_s) {
  sim::Samples times;
  for (int i = 0; i < seeds; ++i) {
    const std::uint64_t seed = 500 + static_cast<std::uint64_t>(i);
    Transfer t = run_transfer(seed, cc, loss, total, message_size, limit);
    EXPECT_TRUE(t.opened) << cc << " loss=" << loss << " seed=" << seed;
    EXPECT_TRUE(t.finished) << cc << " loss=" << loss << " seed=" << seed << ": " << t.bytes << " of " << total
                            << " bytes after " << secs(limit) << " s";
    EXPECT_TRUE(t.intact) << cc << " loss=" << loss << " seed=" << seed << ": " << t.bytes << " of " << total
                          << " bytes, hash or content mismatch";
    if (t.finished) times.add(t.seconds);
  }
  std::printf("%s loss=%.0f%% %llu B in %zu B messages: %zu/%d finished intact; seconds min=%.2f median=%.2f max=%.2f\n",
              cc.c_str(), loss * 100, static_cast<unsigned long long>(total), message_size, times.count(), seeds,
              times.min(), times.median(), times.max());
  if (!times.empty()) EXPECT_LE(times.median(), max_median_s) << cc << " loss=" << loss << " " << times.summary();
}

// Issue item 4: 1, 5, 10 and 30% random loss, both directions. Sizes shrink
// as loss grows so the whole set stays fast; medians are loose stall guards.
TEST(ReliableUnderLoss, OnePercent) {
  check_reliable("appendix-a", 0.01, 20, 4 << 20, 16 * 1024, 60s, 20);
  check_reliable("cubic", 0.01, 20, 4 << 20, 16 * 1024, 60s, 20);
}
TEST(ReliableUnderLoss, FivePercent) {
  check_reliable("appendix-a", 0.05, 20, 2 << 20, 16 * 1024, 60s, 20);
  check_reliable("cubic", 0.05, 20, 2 << 20, 16 * 1024, 60s, 20);
  check_reliable("veno", 0.05, 10, 2 << 20, 16 * 1024, 60s, 20);
}
TEST(ReliableUnderLoss, TenPercent) {
  check_reliable("appendix-a", 0.10, 20, 1 << 20, 16 * 1024, 120s, 20);
  check_reliable("cubic", 0.10, 20, 1 << 20, 16 * 1024, 120s, 20);
}
TEST(ReliableUnderLoss, ThirtyPercent) {
  check_reliable("appendix-a", 0.30, 20, 512 << 10, 4 * 1024, 600s, 60);
  check_reliable("cubic", 0.30, 20, 512 << 10, 4 * 1024, 600s, 60);
  check_reliable("veno", 0.30, 10, 512 << 10, 4 * 1024, 600s, 60);
}

// Issue item 8: one 1 MB message (about 900 fragments) over 5% and 10% loss.
TEST(ReliableUnderLoss, OneMegabyteMessage) {
  check_reliable("appendix-a", 0.05, 20, 1 << 20, 1 << 20, 120s, 20);
  check_reliable("appendix-a", 0.10, 20, 1 << 20, 1 << 20, 180s, 30);
  check_reliable("cubic", 0.10, 10, 1 << 20, 1 << 20, 180s, 30);
}

}  // namespace
}  // namespace rtmfp::testing
