#include "media/io/group_endpoints.hpp"

#include <charconv>
#include <cstdio>
#include <deque>
#include <thread>

#include "media/io/group_frames.hpp"
#include "media/io/group_node.hpp"

namespace rtmfp::media::io {

namespace {

constexpr std::string_view kScheme = "rtmfp-group://";

struct GroupUrl {
  std::string host;
  std::uint16_t port = 1935;
  group::GroupSpecifier spec;
};

Result<GroupUrl> parse_group_url(const std::string& url) {
  if (url.rfind(kScheme, 0) != 0) return fail(Errc::invalid_argument, "not an rtmfp-group:// URL: '" + url + "'");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 >= rest.size())
    return fail(Errc::invalid_argument, "URL '" + url + "' has no group (rtmfp-group://HOST:PORT/NAME[:KEY])");
  std::string_view hostport = rest.substr(0, slash);
  GroupUrl g;
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return fail(Errc::invalid_argument, "URL '" + url + "': unclosed '['");
    g.host = std::string(hostport.substr(1, close - 1));
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') port = hostport.substr(close + 2);
  } else {
    const auto colon = hostport.rfind(':');
    g.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (g.host.empty()) return fail(Errc::invalid_argument, "URL '" + url + "' has no rendezvous host");
  if (!port.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535)
      return fail(Errc::invalid_argument, "URL '" + url + "': bad port");
    g.port = static_cast<std::uint16_t>(v);
  }
  auto spec = group::parse_group_specifier(rest.substr(slash + 1));
  if (!spec) return fail(Errc::invalid_argument, "URL '" + url + "': " + spec.error().detail);
  g.spec = std::move(*spec);
  return g;
}

// What the member plays, as relay Messages, starting decodable: at a video
// keyframe preceded by the stream's configuration (metadata, sequence
// headers), or for a stream without video at an audio frame after its
// sequence header. The group core starts playout at a join point, which
// carries exactly that; when it had to skip a hole there (a join point it
// could not complete in time), this gate waits for the next one instead of
// handing the destination undecodable media. It waits again at the first
// frame of a new publisher run (PlayedFrame::run_start): a run can start at
// an audio join point, before its first video keyframe.
class GroupSource : public Source {
 public:
  GroupSource(std::shared_ptr<GroupMembership> m, const RelayOptions& o) : m_(std::move(m)), o_(o) {}
  Result<std::optional<Message>> next() override {
    for (;;) {
      if (!ready_.empty()) {
        Message msg = std::move(ready_.front());
        ready_.pop_front();
        return std::optional<Message>(std::move(msg));
      }
      auto f = m_->next(o_.io_timeout, o_.group_idle_end);
      if (!f) return std::unexpected(f.error());
      if (!*f) return std::optional<Message>{};
      auto& pf = **f;
      const bool config = pf.frame.config, keyframe = pf.frame.keyframe;
      Message msg = message_of(std::move(pf.frame));
      if (pf.run_start) started_ = false;  // a new publisher run: decodable again from a keyframe
      if (started_) return std::optional<Message>(std::move(msg));
      gate(std::move(msg), config, keyframe);
    }
  }
  void interrupt() override { m_->interrupt(); }

 private:
  void gate(Message msg, bool config, bool keyframe) {
    const bool video = msg.type == static_cast<std::uint8_t>(group::MediaType::video);
    const bool audio = msg.type == static_cast<std::uint8_t>(group::MediaType::audio);
    if (config) {
      have_video_config_ |= video;
      have_audio_config_ |= audio;
      (video ? video_config_ : audio ? audio_config_ : metadata_) = std::move(msg);
      return;
    }
    if (video) seen_video_ = true;
    // After a new publisher run the configuration the destination already
    // has is not played again (group playout suppresses unchanged repeats):
    // what was ever received counts.
    const bool start = video ? keyframe && have_video_config_
                             : audio && !seen_video_ && !have_video_config_ && have_audio_config_;
    if (!start) return;  // not decodable yet
    started_ = true;
    for (auto* c : {&metadata_, &video_config_, &audio_config_})
      if (*c) {
        ready_.push_back(std::move(**c));
        c->reset();
      }
    ready_.push_back(std::move(msg));
  }

  std::shared_ptr<GroupMembership> m_;
  RelayOptions o_;
  bool started_ = false, seen_video_ = false, have_video_config_ = false, have_audio_config_ = false;
  std::optional<Message> metadata_, video_config_, audio_config_;
  std::deque<Message> ready_;
};

class GroupSink : public Sink {
 public:
  explicit GroupSink(std::shared_ptr<GroupMembership> m) : m_(std::move(m)) {}
  Result<void> write(const Message& m) override {
    if (!group::is_media_type(m.type)) return {};
    m_->publish(group_frame_of(m));
    return {};
  }
  Result<void> finish() override {
    // The tail reaches the members before the publisher leaves (its
    // neighbours pull what they miss from it meanwhile).
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return {};
  }

 private:
  std::shared_ptr<GroupMembership> m_;
};

Result<std::shared_ptr<GroupMembership>> join(const GroupUrl& g, std::optional<group::PublisherKeys> keys,
                                              const RelayOptions& o) {
  auto node = GroupNode::acquire(g.host, g.port, o);
  if (!node) return std::unexpected(node.error());
  return (*node)->join(g.spec, std::move(keys), o.connect_timeout);
}

}  // namespace

bool is_group_url(const std::string& url) { return url.rfind(kScheme, 0) == 0; }

Result<std::unique_ptr<Source>> open_group_source(const std::string& url, const RelayOptions& o) {
  auto g = parse_group_url(url);
  if (!g) return std::unexpected(g.error());
  auto m = join(*g, std::nullopt, o);
  if (!m) return std::unexpected(m.error());
  std::fprintf(stderr, "group: joined %s\n", (*m)->specifier().to_string().c_str());
  if (o.on_group) o.on_group((*m)->specifier().to_string());
  return std::unique_ptr<Source>(new GroupSource(std::move(*m), o));
}

Result<std::unique_ptr<Sink>> open_group_sink(const std::string& url, const RelayOptions& o) {
  auto g = parse_group_url(url);
  if (!g) return std::unexpected(g.error());
  group::PublisherKeys keys;
  if (!o.group_key_file.empty()) {
    auto k = group::load_or_create_publisher_keys(o.group_key_file);
    if (!k) return std::unexpected(k.error());
    keys = *k;
  } else {
    keys = group::generate_publisher_keys();
  }
  if (g->spec.key && *g->spec.key != keys.public_key)
    return fail(Errc::invalid_argument, "the URL's group key is not this publisher's key");
  auto m = join(*g, keys, o);
  if (!m) return std::unexpected(m.error());
  // First stdout-independent line a script can read: the full specifier.
  std::fprintf(stderr, "group: publishing %s\n", (*m)->specifier().to_string().c_str());
  std::fflush(stderr);
  if (o.on_group) o.on_group((*m)->specifier().to_string());
  return std::unique_ptr<Sink>(new GroupSink(std::move(*m)));
}

}  // namespace rtmfp::media::io
