// See listening_lines.hpp.
#include "rendezvous/io/listening_lines.hpp"

namespace rtmfp::rendezvous {

void print_also_listening(std::FILE* out, const std::vector<SocketAddress>& locals) {
  for (std::size_t i = 1; i < locals.size(); ++i) std::fprintf(out, "also listening rtmfp://%s\n", locals[i].to_string().c_str());
}

}  // namespace rtmfp::rendezvous
