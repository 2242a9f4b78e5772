// libFuzzer target: the group service's flow metadata (any member that
// opens a flow to us reaches it). Invariants: no crash; whatever parses
// formats back to the same bytes.
#include <cstdlib>

#include "rtmfp/group/service/group_service.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtmfp::group;
  const rtmfp::ByteView in(data, size);
  auto t = parse_group_flow_metadata(in);
  (void)group_receive_order(in);
  if (!t) return 0;
  const auto again = group_flow_metadata(t->group, t->kind);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  return 0;
}
