# The CMake package seen from outside (ctest: embed_example). Installs the build to a scratch
# prefix, configures and builds examples/embed against that prefix with find_package(vigil), runs
# it on a fixed policy set (tests/embed/policies: the shipped conversation duties, standalone, so
# that the golden follows the API rather than every edit of policies/), and compares its standard output with
# tests/golden/embed/embed.golden (UPDATE_GOLDEN=1 in the environment rewrites the golden file).
#
# cmake -DVIGIL_SOURCE_DIR=... -DVIGIL_BUILD_DIR=... -DWORK_DIR=... [-DCMAKE_BUILD_TYPE=...] -P embed_test.cmake

foreach(var VIGIL_SOURCE_DIR VIGIL_BUILD_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "embed_test.cmake needs -D${var}=...")
  endif()
endforeach()

function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
step("cmake --install" ${CMAKE_COMMAND} --install ${VIGIL_BUILD_DIR} --prefix ${prefix})
step("configuring examples/embed" ${CMAKE_COMMAND} -S ${VIGIL_SOURCE_DIR}/examples/embed -B ${WORK_DIR}/build
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)

# The package must come from the prefix, not from the source or build tree.
file(STRINGS ${WORK_DIR}/build/CMakeCache.txt vigil_dir REGEX "^vigil_DIR:")
if(NOT vigil_dir MATCHES "${prefix}/")
  message(FATAL_ERROR "find_package(vigil) did not use the installed package: ${vigil_dir}")
endif()

step("building examples/embed" ${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2)

# Relative paths, so that the output does not depend on where the repository is.
execute_process(COMMAND ${WORK_DIR}/build/embed tests/embed/policies examples/embed/conversation.jsonl
  WORKING_DIRECTORY ${VIGIL_SOURCE_DIR}
  RESULT_VARIABLE rc OUTPUT_VARIABLE actual ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embed exited with ${rc}:\n${actual}\n${err}")
endif()
if(NOT err STREQUAL "")
  message(FATAL_ERROR "embed wrote to standard error:\n${err}")
endif()

set(golden ${VIGIL_SOURCE_DIR}/tests/golden/embed/embed.golden)
if("$ENV{UPDATE_GOLDEN}" STREQUAL "1")
  file(WRITE ${golden} "${actual}")
  message(STATUS "updated ${golden}")
  return()
endif()
if(NOT EXISTS ${golden})
  message(FATAL_ERROR "no golden file ${golden}; the output was:\n${actual}")
endif()
file(READ ${golden} expected)
if(NOT actual STREQUAL expected)
  file(WRITE ${WORK_DIR}/actual.txt "${actual}")
  message(FATAL_ERROR "the output of examples/embed differs from ${golden} "
    "(actual in ${WORK_DIR}/actual.txt; UPDATE_GOLDEN=1 rewrites it):\n${actual}")
endif()
