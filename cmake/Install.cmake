# Installation layout (GNUInstallDirs) and an `uninstall` target.
#
#   bin/pg_dump-safe, bin/pg_dump-safe-audit
#   share/man/man1/pg_dump-safe.1, pg_dump-safe-audit.1
#   share/doc/pg-dump-safe/README.md, design.md, install.md, audit.md, metrics.md
#   share/doc/pg-dump-safe/examples/example.conf, pg_dump-safe.conf,
#       prometheus/pg_dump-safe.rules.yml, grafana/pg_dump-safe.json,
#       container/Containerfile, cronjob.yaml, restore-test-cronjob.yaml, README.md
#   share/bash-completion/completions/pg_dump-safe, and pg_dump-safe-audit -> pg_dump-safe
#   lib/pg_dump-safe/bin/pg_dump -> ../../../bin/pg_dump-safe   (the masquerade directory)
#   lib/systemd/system/pg_dump-safe@.service, pg_dump-safe@.timer,
#       pg_dump-safe-restore-test@.service, pg_dump-safe-restore-test@.timer (PDS_INSTALL_SYSTEMD)
#   lib/tmpfiles.d/pg_dump-safe.conf                                 (PDS_INSTALL_SYSTEMD)
#   /etc/pg_dump-safe.d/ (empty: the units' settings; absolute)      (PDS_INSTALL_SYSTEMD)
#
# This file doubles as the uninstall script: `cmake -P cmake/Install.cmake` with
# PDS_MANIFEST (and PDS_CREATED_DIRS) removes what one install put there, including the
# directories that install created, and nothing else.
#
# install_manifest.txt and install_created_dirs.txt hold paths without DESTDIR (CMake writes
# its manifest that way); the uninstall prefixes $ENV{DESTDIR}, so a staged install is
# removed with the same DESTDIR:  DESTDIR=/tmp/stage cmake --build build --target uninstall

if(CMAKE_SCRIPT_MODE_FILE)
  # ---- uninstall mode -------------------------------------------------------------------
  if(NOT EXISTS "${PDS_MANIFEST}")
    message(FATAL_ERROR "uninstall: ${PDS_MANIFEST} not found: nothing was installed from this "
                        "build directory (run the install first, or remove the files by hand)")
  endif()
  file(STRINGS "${PDS_MANIFEST}" installed)
  set(failed "")
  foreach(rel IN LISTS installed)
    set(f "$ENV{DESTDIR}${rel}")
    # IS_SYMLINK first: EXISTS follows links, and a masquerade link whose target is already
    # gone must still be removed.
    if(IS_SYMLINK "${f}" OR EXISTS "${f}")
      message(STATUS "Removing: ${f}")
      file(REMOVE "${f}")
      if(IS_SYMLINK "${f}" OR EXISTS "${f}")
        list(APPEND failed "${f}")
      endif()
    else()
      message(STATUS "Already absent: ${f}")
    endif()
  endforeach()
  # Directories the install created, deepest first; one that is not empty (someone else's
  # files) is kept and named.
  if(EXISTS "${PDS_CREATED_DIRS}")
    file(STRINGS "${PDS_CREATED_DIRS}" dirs)
    list(REMOVE_DUPLICATES dirs)
    list(SORT dirs)
    list(REVERSE dirs)
    foreach(rel IN LISTS dirs)
      set(d "$ENV{DESTDIR}${rel}")
      if(IS_DIRECTORY "${d}")
        file(GLOB left LIST_DIRECTORIES true "${d}/*" "${d}/.*")
        if(left)
          message(STATUS "Keeping non-empty directory: ${d}")
        else()
          message(STATUS "Removing directory: ${d}")
          file(REMOVE_RECURSE "${d}")
        endif()
      endif()
    endforeach()
    file(REMOVE "${PDS_CREATED_DIRS}")
  endif()
  if(failed)
    message(FATAL_ERROR "uninstall: could not remove: ${failed}")
  endif()
  return()
endif()

# ---- configure mode ---------------------------------------------------------------------
# Not GNUInstallDirs' LIBDIR: Debian sets that to lib/<triplet>, and the masquerade
# directory must stay at one documented place (/usr/lib/pg_dump-safe/bin).
set(PDS_MASQUERADE_DIR "lib/pg_dump-safe/bin" CACHE STRING
    "Masquerade directory (relative to the prefix) holding the pg_dump -> pg_dump-safe link")
set(PDS_DOCDIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/pg-dump-safe" CACHE STRING
    "Documentation directory (relative to the prefix)")
set(PDS_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions" CACHE STRING
    "bash-completion's completions directory (relative to the prefix)")
option(PDS_INSTALL_SYSTEMD "Install the systemd service/timer templates and tmpfiles.d entry" ON)
set(PDS_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "systemd system unit directory (relative to the prefix, or absolute)")
set(PDS_TMPFILESDIR "lib/tmpfiles.d" CACHE STRING
    "tmpfiles.d directory (relative to the prefix, or absolute)")

# Every destination, so that the install can note which directories it creates.
set(PDS_UNIT_CONFDIR "/etc/pg_dump-safe.d" CACHE STRING
    "Directory of the units' settings (EnvironmentFile=/etc/pg_dump-safe.d/%i.conf in the units)")
set(_pds_dests "${CMAKE_INSTALL_BINDIR}" "${CMAKE_INSTALL_MANDIR}/man1" "${PDS_DOCDIR}"
               "${PDS_DOCDIR}/examples/prometheus" "${PDS_DOCDIR}/examples/grafana"
               "${PDS_DOCDIR}/examples/container" "${PDS_BASH_COMPLETION_DIR}"
               "${PDS_MASQUERADE_DIR}")
if(PDS_INSTALL_SYSTEMD)
  list(APPEND _pds_dests "${PDS_SYSTEMD_UNITDIR}" "${PDS_TMPFILESDIR}" "${PDS_UNIT_CONFDIR}")
endif()

# Runs before every other install rule (install rules run in declaration order): record the
# destination directories (and their parents) that do not exist yet, for uninstall.
set(PDS_CREATED_DIRS_FILE "${CMAKE_BINARY_DIR}/install_created_dirs.txt")
install(CODE "
  set(_created \"\")
  foreach(_d ${_pds_dests})
    if(IS_ABSOLUTE \"\${_d}\")
      set(_p \"\${_d}\")
    else()
      set(_p \"\${CMAKE_INSTALL_PREFIX}/\${_d}\")
    endif()
    get_filename_component(_p \"\${_p}\" ABSOLUTE)
    # Up to / under the DESTDIR, not only to the prefix: a prefix the install creates (a
    # staging tree's usr/, a fresh /opt/pg_dump-safe) is removed by the uninstall too.
    while(NOT EXISTS \"\$ENV{DESTDIR}\${_p}\" AND NOT \"\${_p}\" STREQUAL \"/\")
      list(APPEND _created \"\${_p}\")
      get_filename_component(_p \"\${_p}\" DIRECTORY)
    endwhile()
  endforeach()
  # Append: a re-install over an existing tree must not forget what the first one created.
  foreach(_d IN LISTS _created)
    file(APPEND \"${PDS_CREATED_DIRS_FILE}\" \"\${_d}\\n\")
  endforeach()
")

install(TARGETS pg_dump-safe pg_dump-safe-audit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES man/pg_dump-safe.1 man/pg_dump-safe-audit.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# README.md is written from docs/install.md and the other areas' texts by the lead; until it
# exists the install goes on without it.
install(FILES README.md DESTINATION ${PDS_DOCDIR} OPTIONAL)
# The README links these; the installed copy must not send the reader into the void.
install(FILES docs/design.md docs/install.md docs/audit.md docs/metrics.md
        DESTINATION ${PDS_DOCDIR})
install(FILES packaging/systemd/example.conf packaging/systemd/pg_dump-safe.conf
        DESTINATION ${PDS_DOCDIR}/examples)
install(FILES packaging/monitoring/pg_dump-safe.rules.yml
        DESTINATION ${PDS_DOCDIR}/examples/prometheus)
install(FILES packaging/monitoring/pg_dump-safe.json DESTINATION ${PDS_DOCDIR}/examples/grafana)
install(FILES packaging/container/Containerfile packaging/container/README.md
              packaging/container/cronjob.yaml packaging/container/restore-test-cronjob.yaml
        DESTINATION ${PDS_DOCDIR}/examples/container)

# One file completes both commands; bash-completion loads it by the command's name, so the
# second name is a link to it (relative, in the same directory).
install(FILES completion/pg_dump-safe DESTINATION ${PDS_BASH_COMPLETION_DIR})

if(PDS_INSTALL_SYSTEMD)
  install(FILES packaging/systemd/pg_dump-safe@.service packaging/systemd/pg_dump-safe@.timer
                packaging/systemd/pg_dump-safe-restore-test@.service
                packaging/systemd/pg_dump-safe-restore-test@.timer
          DESTINATION ${PDS_SYSTEMD_UNITDIR})
  install(FILES packaging/systemd/tmpfiles.conf DESTINATION ${PDS_TMPFILESDIR}
          RENAME pg_dump-safe.conf)
  # Empty; the administrator puts DB.conf files there (copies of examples/example.conf).
  install(DIRECTORY DESTINATION ${PDS_UNIT_CONFDIR}
          DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                WORLD_READ WORLD_EXECUTE)
endif()

# The masquerade link: relative, so the tree can be moved or staged under DESTDIR. It is made
# at install time (file(CREATE_LINK)) and added to install_manifest.txt by hand, because
# install(CODE) output is not recorded there otherwise.
install(CODE "
  set(_dir \"\${CMAKE_INSTALL_PREFIX}/${PDS_MASQUERADE_DIR}\")
  set(_bin \"${CMAKE_INSTALL_BINDIR}\")
  if(NOT IS_ABSOLUTE \"\${_bin}\")
    set(_bin \"\${CMAKE_INSTALL_PREFIX}/\${_bin}\")
  endif()
  file(RELATIVE_PATH _target \"\${_dir}\" \"\${_bin}/pg_dump-safe\")
  set(_link \"\$ENV{DESTDIR}\${_dir}/pg_dump\")
  message(STATUS \"Installing: \${_link} -> \${_target}\")
  file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${_dir}\")
  file(REMOVE \"\${_link}\")
  file(CREATE_LINK \"\${_target}\" \"\${_link}\" SYMBOLIC)
  # Without DESTDIR, like CMake's own manifest entries.
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${_dir}/pg_dump\")
  set(_comp \"${PDS_BASH_COMPLETION_DIR}\")
  if(NOT IS_ABSOLUTE \"\${_comp}\")
    set(_comp \"\${CMAKE_INSTALL_PREFIX}/\${_comp}\")
  endif()
  set(_link \"\$ENV{DESTDIR}\${_comp}/pg_dump-safe-audit\")
  message(STATUS \"Installing: \${_link} -> pg_dump-safe\")
  file(REMOVE \"\${_link}\")
  file(CREATE_LINK pg_dump-safe \"\${_link}\" SYMBOLIC)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${_comp}/pg_dump-safe-audit\")
")

if(NOT TARGET uninstall)
  add_custom_target(uninstall
    COMMAND ${CMAKE_COMMAND} -DPDS_MANIFEST=${CMAKE_BINARY_DIR}/install_manifest.txt
            -DPDS_CREATED_DIRS=${PDS_CREATED_DIRS_FILE} -P ${CMAKE_CURRENT_LIST_FILE}
    COMMENT "Removing the files listed in install_manifest.txt"
    VERBATIM)
endif()
