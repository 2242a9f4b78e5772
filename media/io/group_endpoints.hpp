// The relay's P2P broadcast group endpoints:
//   rtmfp-group://HOST:PORT/NAME[:KEYHEX]   HOST:PORT is the rendezvous
//   (its group directory), NAME[:KEYHEX] the group specifier
//   (rtmfp/group/crypto/group_specifier.hpp).
// As a destination it publishes into the group (relay Messages become
// group MediaFrames: keyframes and configurations - AVC/AAC sequence
// headers, onMetaData - marked, so late members start at a keyframe with
// them); the key comes from RelayOptions::group_key_file. As a source it
// joins the group and hands over what the member plays, from its first
// join point (a keyframe preceded by the configurations). Every
// rtmfp-group endpoint of a process naming one rendezvous shares one node
// (media/io/group_node.hpp).
#pragma once

#include <memory>
#include <string>

#include "media/io/relay.hpp"

namespace rtmfp::media::io {

bool is_group_url(const std::string& url);
Result<std::unique_ptr<Source>> open_group_source(const std::string& url, const RelayOptions& o);
Result<std::unique_ptr<Sink>> open_group_sink(const std::string& url, const RelayOptions& o);

}  // namespace rtmfp::media::io
