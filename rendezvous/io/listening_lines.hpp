// The lines `rtmfp rendezvous` and `rtmfp node` print for every listening
// socket after the first (NodeHost listen order): "also listening
// rtmfp://ADDR:PORT", one per line. The first socket is named in each
// command's own first stdout line.
#pragma once

#include <cstdio>
#include <vector>

#include "rtmfp/core/address.hpp"

namespace rtmfp::rendezvous {

void print_also_listening(std::FILE* out, const std::vector<SocketAddress>& locals);

}  // namespace rtmfp::rendezvous
