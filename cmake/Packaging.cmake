# Install layout (`cmake --install`) and the Debian package (`make package`,
# CPack DEB). Included from the top-level CMakeLists.txt after the programs.
#
# Layout, for an install prefix P (GNUInstallDirs):
#   P/bin                       relais-broker, relais-agent, relais-admin, relais-audit
#   P/share/doc/relais          README.md, docs/*.md (the package adds copyright, changelog.Debian.gz)
#   P/share/relais/schemas      the JSON schemas and their examples
#   P/share/man/man{1,5,8}      the man pages, gzipped
#   P/lib/systemd/system        relais-broker.service, relais-agent@.service
#   SYSCONF/relais              broker.toml, agent.toml, policy.toml, locations.csv (templates)
#   LOCALSTATE/lib/relais       the state folder (broker.toml's data_dir points there)
# SYSCONF and LOCALSTATE follow GNUInstallDirs' absolute rule (a prefix of /usr
# or / gives /etc and /var, /opt/X gives /etc/opt/X and /var/opt/X, any other P
# gives P/etc and P/var), evaluated when installing: `cmake --install B --prefix
# /usr` and CPack (which installs with the prefix /usr) get /etc and /var
# whatever prefix the tree was configured with. The package creates the relais
# user and hands it the state folder (packaging/debian/postinst); a plain
# `cmake --install` leaves both to the administrator.
include(GNUInstallDirs)

set(RELAIS_PROGRAMS relais-broker relais-agent relais-admin relais-audit)
install(TARGETS ${RELAIS_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB RELAIS_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${RELAIS_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/ DESTINATION ${CMAKE_INSTALL_DATADIR}/relais/schemas)

# Man pages (docs/man, written in roff) and the Debian changelog, gzipped at
# build time with -9n (no name or time stamp: the same bytes every build).
set(RELAIS_MAN_PAGES relais-broker.8 relais-agent.1 relais-admin.1 relais-audit.1 relais-broker.toml.5
                     relais-agent.toml.5)
set(RELAIS_GZIPPED)
foreach(page IN LISTS RELAIS_MAN_PAGES)
  string(REGEX MATCH "[0-9]$" section ${page})
  set(out ${CMAKE_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND sh -c "gzip -9n -c '${CMAKE_SOURCE_DIR}/docs/man/${page}' > '${out}'"
    DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/${page}
    COMMENT "gzip ${page}" VERBATIM)
  list(APPEND RELAIS_GZIPPED ${out})
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
set(RELAIS_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz)
add_custom_command(OUTPUT ${RELAIS_CHANGELOG_GZ}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
  COMMAND sh -c "gzip -9n -c '${CMAKE_SOURCE_DIR}/packaging/debian/changelog' > '${RELAIS_CHANGELOG_GZ}'"
  DEPENDS ${CMAKE_SOURCE_DIR}/packaging/debian/changelog
  COMMENT "gzip changelog.Debian" VERBATIM)
add_custom_target(relais-package-files ALL DEPENDS ${RELAIS_GZIPPED} ${RELAIS_CHANGELOG_GZ})
install(FILES ${RELAIS_CHANGELOG_GZ} ${CMAKE_SOURCE_DIR}/packaging/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# systemd units: their paths (/usr/bin, /etc/relais) follow the install prefix.
# The configuration templates and the state folder go to the absolute
# SYSCONF/LOCALSTATE folders computed at install time (see above). The
# installed broker.toml keeps its data under LOCALSTATE/lib/relais.
install(CODE "set(RELAIS_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")")
install(CODE [[
  set(_p "${CMAKE_INSTALL_PREFIX}")
  string(REGEX REPLACE "/+$" "" _p "${_p}")
  if(_p STREQUAL "" OR _p STREQUAL "/usr")
    set(_etc "/etc")
    set(_var "/var")
  elseif(_p MATCHES "^/opt/")
    set(_etc "/etc${_p}")
    set(_var "/var${_p}")
  else()
    set(_etc "${_p}/etc")
    set(_var "${_p}/var")
  endif()
  if(_p STREQUAL "")
    set(_bin "/usr/bin")
    set(_units "/usr/lib/systemd/system")
  else()
    set(_bin "${_p}/bin")
    set(_units "${_p}/lib/systemd/system")
  endif()
  set(_conf "${_etc}/relais")
  set(_state "${_var}/lib/relais")

  file(INSTALL DESTINATION "${_conf}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${RELAIS_SOURCE_DIR}/config/agent.toml" "${RELAIS_SOURCE_DIR}/config/policy.toml"
             "${RELAIS_SOURCE_DIR}/config/locations.csv")
  file(READ "${RELAIS_SOURCE_DIR}/config/broker.toml" _broker)
  string(REPLACE "\ndata_dir = \"data\"\n" "\ndata_dir = \"${_state}\"\n" _broker "${_broker}")
  file(WRITE "$ENV{DESTDIR}${_conf}/broker.toml" "${_broker}")
  message(STATUS "Installing: $ENV{DESTDIR}${_conf}/broker.toml (data_dir = ${_state})")
  file(MAKE_DIRECTORY "$ENV{DESTDIR}${_state}")
  message(STATUS "Installing: $ENV{DESTDIR}${_state}")

  foreach(_unit relais-broker.service relais-agent@.service)
    file(READ "${RELAIS_SOURCE_DIR}/packaging/systemd/${_unit}" _text)
    string(REPLACE "/usr/bin/" "${_bin}/" _text "${_text}")
    string(REPLACE "/etc/relais/" "${_conf}/" _text "${_text}")
    if(NOT _state STREQUAL "/var/lib/relais")
      # StateDirectory= is always /var/lib/relais: let the unit write the other one.
      string(REPLACE "StateDirectoryMode=0750\n" "StateDirectoryMode=0750\nReadWritePaths=${_state}\n" _text "${_text}")
    endif()
    file(WRITE "$ENV{DESTDIR}${_units}/${_unit}" "${_text}")
    message(STATUS "Installing: $ENV{DESTDIR}${_units}/${_unit}")
  endforeach()
]])

# The Debian package: relais_<version>-1_amd64.deb, `make package` (cpack -G DEB
# in the build folder). Its maintainer scripts and conffiles are in
# packaging/debian; tests/packaging/check_package.sh checks it with dpkg-deb
# and lintian, packaging/package-check.sh installs it in a throwaway chroot.
set(RELAIS_PACKAGE_MAINTAINER "Relais maintainers <relais@example.org>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME relais)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${RELAIS_PACKAGE_MAINTAINER}")
# CPack installs with DESTDIR and the prefix /usr, so that the install-time
# rule above puts the templates in /etc and the state folder in /var.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_FILE_NAME relais)  # unused by DEB-DEFAULT, keeps other generators tidy
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "secure information-sharing broker for anti-trafficking agencies")
set(CPACK_DEBIAN_PACKAGE_NAME relais)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${RELAIS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# A Debian revision: the package is not native, its changelog is changelog.Debian.gz.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(RELAIS_DEBIAN_VERSION ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser runs in postinst; shlibdeps adds the libraries.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; CPack indents these lines
# and turns the empty one into " .".
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Relais lets police and gendarmerie units, child-protection services, NGO
shelters and the anti-trafficking committees exchange signed and encrypted
alerts and case referrals through one central broker over publish/subscribe
topics, and lets auditors replay and verify the broker's log offline.

This package holds the broker (relais-broker), the agent (relais-agent), the
authority's tool (relais-admin), the auditor's tool (relais-audit), their
systemd units, configuration templates in /etc/relais and man pages.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
# Maintainer scripts 0755, other control files 0644, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
