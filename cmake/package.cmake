# Install rules and the CMake package `vigil`, so that another project can write
#   find_package(vigil REQUIRED)
#   target_link_libraries(app PRIVATE vigil::service)
# The libraries are static: their private dependencies (simdjson, RE2 and ICU through pkg-config,
# PEGTL, Threads) are link dependencies of the consumer too, and vigilConfig.cmake finds them again.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(VIGIL_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/vigil)

set_target_properties(vigil_engine PROPERTIES EXPORT_NAME engine)
set_target_properties(vigil_grammar PROPERTIES EXPORT_NAME grammar)
set_target_properties(vigil_service PROPERTIES EXPORT_NAME service)

install(TARGETS vigil_engine vigil_grammar vigil_service
  EXPORT vigilTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET vigil)
  install(TARGETS vigil RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# Public headers: everything under each module's include/ (all of them land in include/vigil/).
foreach(module engine grammar service)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${module}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    FILES_MATCHING PATTERN "*.hpp")
endforeach()

install(EXPORT vigilTargets NAMESPACE vigil:: DESTINATION ${VIGIL_INSTALL_CMAKEDIR})

# Where PEGTL's package file was found here (Debian keeps it outside the default search path).
get_filename_component(VIGIL_PEGTL_DIR "${pegtl_DIR}" ABSOLUTE)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/vigilConfig.cmake.in
  ${PROJECT_BINARY_DIR}/vigilConfig.cmake
  INSTALL_DESTINATION ${VIGIL_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vigilConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/vigilConfig.cmake ${PROJECT_BINARY_DIR}/vigilConfigVersion.cmake
  DESTINATION ${VIGIL_INSTALL_CMAKEDIR})
