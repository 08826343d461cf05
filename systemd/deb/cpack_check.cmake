# Read by cpack (CPACK_PROJECT_CONFIG_FILE): refuses to package a build configured for another
# prefix. deadlined and deadlinectl find the calendars at the directory compiled in from
# CMAKE_INSTALL_PREFIX; a /usr/local build packaged into /usr would look in the wrong place.
if(CPACK_GENERATOR STREQUAL "DEB"
   AND NOT CPACK_DEADLINED_CONFIGURED_PREFIX STREQUAL CPACK_PACKAGING_INSTALL_PREFIX)
  message(FATAL_ERROR
    "deadlined: this build is configured with CMAKE_INSTALL_PREFIX=${CPACK_DEADLINED_CONFIGURED_PREFIX}; "
    "the package installs into ${CPACK_PACKAGING_INSTALL_PREFIX}. "
    "Configure with -DCMAKE_INSTALL_PREFIX=${CPACK_PACKAGING_INSTALL_PREFIX}, rebuild, then run cpack.")
endif()
