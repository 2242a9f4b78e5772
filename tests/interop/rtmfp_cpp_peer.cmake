# Test-only interop peer: the RFC 7016/7425 author's implementation
# (github zenomt/rtmfp-cpp, MIT), kept read-only in ../shared/peers/rtmfp-cpp.
# It is NEVER linked into the product or copied into our sources: a fresh copy
# is built with its own Makefile in the build tree, and the integration tests
# (tests/integration/interop_*_test.cpp) talk to its programs over loopback.
# Without ../shared/peers (a clone without it) those tests skip with a message;
# with it, a failing peer build or test fails.
set(RTMFP_PEERS_DIR "${PROJECT_SOURCE_DIR}/../shared/peers" CACHE PATH
    "Directory holding third-party interop peers (rtmfp-cpp); test-only")
set(_peer_src "${RTMFP_PEERS_DIR}/rtmfp-cpp")
set(_peer_bin "")
if(TARGET integration AND EXISTS "${_peer_src}/Makefile" AND EXISTS "${_peer_src}/test/Makefile")
  find_program(RTMFP_MAKE_PROGRAM NAMES make gmake)
  if(NOT RTMFP_MAKE_PROGRAM)
    message(FATAL_ERROR "${_peer_src} is present but make is not installed: cannot build the interop peer")
  endif()
  set(_peer_dir "${CMAKE_BINARY_DIR}/rtmfp-cpp")
  set(_peer_tools echoserver tcconn tcserver tcpublish tcrelay)
  set(_peer_outputs)
  foreach(t IN LISTS _peer_tools)
    list(APPEND _peer_outputs "${_peer_dir}/test/${t}")
  endforeach()
  file(GLOB_RECURSE _peer_sources CONFIGURE_DEPENDS "${_peer_src}/src/*" "${_peer_src}/include/*"
       "${_peer_src}/test/*.cpp" "${_peer_src}/test/*.hpp" "${_peer_src}/Makefile" "${_peer_src}/test/Makefile")
  # The peer's Makefiles do not track headers, so every change rebuilds a
  # fresh copy (about 25 s on 2 cores).
  add_custom_command(
    OUTPUT "${_peer_dir}.stamp"
    BYPRODUCTS ${_peer_outputs}
    COMMAND ${CMAKE_COMMAND} -E rm -rf "${_peer_dir}"
    COMMAND ${CMAKE_COMMAND} -E copy_directory "${_peer_src}" "${_peer_dir}"
    COMMAND ${RTMFP_MAKE_PROGRAM} -s -C "${_peer_dir}" -j2 librtmfp.a
    COMMAND ${RTMFP_MAKE_PROGRAM} -s -C "${_peer_dir}/test" -j2 ${_peer_tools}
    COMMAND ${CMAKE_COMMAND} -E touch "${_peer_dir}.stamp"
    DEPENDS ${_peer_sources}
    COMMENT "Building the rtmfp-cpp interop peer (test-only) in ${_peer_dir}"
    VERBATIM)
  add_custom_target(rtmfp_cpp_peer DEPENDS "${_peer_dir}.stamp")
  add_dependencies(integration rtmfp_cpp_peer)
  set(_peer_bin "${_peer_dir}/test")
elseif(TARGET integration)
  message(STATUS "rtmfp-cpp interop peer not found at ${_peer_src}: interop tests will skip")
endif()
# Only the interop tests see the peer's location (changing it recompiles them alone).
set_property(SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/integration/interop_rtmfp_cpp_test.cpp APPEND PROPERTY
             COMPILE_DEFINITIONS RTMFP_CPP_PEER_BIN="${_peer_bin}" RTMFP_CPP_PEER_SRC="${_peer_src}")
