// See sink_primer.hpp.
#include "media/io/sink_primer.hpp"

namespace rtmfp::media::io {

SinkPrimer::SinkPrimer() { (void)registry_.publish(kKey, this); }

void SinkPrimer::on_message(const Message& m) { registry_.on_media(kKey, m); }

void SinkPrimer::reset() {
  registry_.unpublish(kKey, this);
  (void)registry_.publish(kKey, this);
}

std::vector<Message> SinkPrimer::prime() {
  Collector c;
  if (!registry_.add_player(kKey, &c)) return {};
  registry_.remove_player(kKey, &c);
  return std::move(c.out);
}

}  // namespace rtmfp::media::io
