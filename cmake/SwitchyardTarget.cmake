# Shared settings for every Switchyard target, so each folder's CMakeLists.txt
# states only what is its own: its sources and the layers it may link.

# Beast and Asio are header-only and slow to compile; one definition set for
# every target keeps precompiled headers reusable.
set(SWITCHYARD_DEFINITIONS
    BOOST_ASIO_NO_DEPRECATED
    BOOST_ASIO_DISABLE_BOOST_COROUTINE)

set(SWITCHYARD_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wno-missing-field-initializers)
if(SWITCHYARD_WERROR)
  list(APPEND SWITCHYARD_WARNINGS -Werror)
endif()

function(switchyard_target_defaults target)
  target_compile_options(${target} PRIVATE ${SWITCHYARD_WARNINGS})
endfunction()

# A static library of every .cpp below the current folder. A folder is a layer:
# it links only the layers below it, so an upward dependency fails to link
# (and .ci/check_layers names the include that caused it).
function(switchyard_layer_library target)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(REMOVE_ITEM sources ${ARGN})
  add_library(${target} STATIC ${sources})
  target_compile_definitions(${target} PUBLIC ${SWITCHYARD_DEFINITIONS})
  switchyard_target_defaults(${target})
endfunction()

# Precompiles gateway/pch.hpp for the sources below the given subfolders only:
# the Beast-heavy ones. Pure-logic sources of the same target skip it, so they
# stay as fast to compile as before.
function(switchyard_precompile_network target)
  get_target_property(sources ${target} SOURCES)
  foreach(source ${sources})
    set(network FALSE)
    foreach(folder ${ARGN})
      if(source MATCHES "/${folder}/[^/]+\\.cpp$")
        set(network TRUE)
      endif()
    endforeach()
    if(NOT network)
      set_source_files_properties(${source} TARGET_DIRECTORY ${target}
                                  PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  target_precompile_headers(${target} PRIVATE ${PROJECT_SOURCE_DIR}/gateway/pch.hpp)
endfunction()
