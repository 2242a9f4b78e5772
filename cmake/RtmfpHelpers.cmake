# rtmfp_library(NAME DIRS... [LINK libs...] [PRIVATE_LINK libs...]): a static
# library from every .cpp under the given directories (recursively), with the
# project root as the include root, exported for find_package(rtmfp).
# LINK: what the library's headers expose or its consumers must link (PUBLIC).
# PRIVATE_LINK: header-only dependencies used only by its .cpp files; they are
# not exported, so a consumer of the installed package needs none of them.
function(rtmfp_library name)
  cmake_parse_arguments(ARG "" "" "DIRS;LINK;PRIVATE_LINK;EXCLUDE" ${ARGN})
  set(srcs)
  foreach(d IN LISTS ARG_DIRS)
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${d}/*.cpp ${PROJECT_SOURCE_DIR}/${d}/*.cc)
    list(APPEND srcs ${found})
  endforeach()
  foreach(ex IN LISTS ARG_EXCLUDE)
    list(FILTER srcs EXCLUDE REGEX "${ex}")
  endforeach()
  if(NOT srcs)
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${name} INTERFACE ${ARG_LINK})
  else()
    add_library(${name} STATIC ${srcs})
    target_include_directories(${name} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${name} PUBLIC ${ARG_LINK})
    foreach(lib IN LISTS ARG_PRIVATE_LINK)
      target_link_libraries(${name} PRIVATE $<BUILD_INTERFACE:${lib}>)
    endforeach()
    # RTMFP_LIB_OPT (e.g. -O1): the libraries' own optimisation in an
    # instrumented Debug build, so the simulator's long runs stay fast while
    # the tests themselves compile quickly at -O0.
    if(RTMFP_LIB_OPT)
      target_compile_options(${name} PRIVATE ${RTMFP_LIB_OPT})
    endif()
    if(RTMFP_COVERAGE_FLAGS)
      target_compile_options(${name} PRIVATE ${RTMFP_COVERAGE_FLAGS})
    endif()
  endif()
  add_library(rtmfp::${name} ALIAS ${name})
  install(TARGETS ${name} EXPORT rtmfpTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()
