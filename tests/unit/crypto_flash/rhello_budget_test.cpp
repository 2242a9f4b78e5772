// L8: a flash responder with a Hostname in its certificate (RFC 7425
// §4.3.3.1) still answers the FIRST IHello of a Flash Player (52 bytes for a
// short URI) within the endpoint's 3x anti-amplification budget.
#include <gtest/gtest.h>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"

using namespace rtmfp;

namespace {

TEST(FlashRHelloBudget, HostnameCertificateAnswersTheFirstFlashPlayerIHello) {
  for (std::string hostname : {"", "media.example.com", "a-rather-long-media-hostname.example.org"}) {
    SeededRandom rng(7);
    crypto::FlashConfig cfg;
    cfg.hostname = hostname;
    auto p = crypto::FlashProfile::create(cfg, rng);
    ASSERT_TRUE(p);
    Endpoint server(EndpointConfig{}, rng);
    server.add_profile(**p);
    // A Flash Player IHello: EPD = Ancillary Data with a short URI, 16-byte tag, no padding.
    auto epd = (*p)->make_epd(EpdRequest{"rtmfp://h/a", {}, {}});
    ASSERT_TRUE(epd);
    Bytes tag(16, 0x42);
    wire::IHelloChunk ih{*epd, tag};
    Bytes payload;
    ByteWriter w(payload);
    ih.encode(w);
    wire::PacketHeader hdr;
    hdr.timestamp = 1;
    wire::PacketBuilder b(hdr, 1100);
    ASSERT_TRUE(b.add_chunk(0x30, payload));
    Bytes dg = wire::scramble_datagram(0, (*p)->default_cipher().seal(std::move(b).finish()));
    ASSERT_LE(dg.size(), 52u) << "no bigger than Flash Player's";
    const SocketAddress from = SocketAddress::ipv4(10, 0, 0, 2, 5000);
    server.on_datagram(TimePoint{} + seconds(10), from, dg);
    std::size_t out = 0;
    while (auto t = server.poll_transmit(TimePoint{} + seconds(10))) out += t->data.size();
    EXPECT_EQ(server.stats().rhellos_sent, 1u) << "hostname '" << hostname << "'";
    EXPECT_LE(out, 3 * dg.size());
    EXPECT_TRUE((*p)->local_certificate().size() <= 77u) << (*p)->local_certificate().size();
  }
}

}  // namespace
