# Fails unless libmlxmpi.so exports exactly the functions that mlxmpi.h declares MLXMPI_EXPORT:
# the managed bindings are generated from the header, so an export missing from the library
# breaks them at run time, and an extra one is ABI nobody promised.
# Inputs: NM, LIBRARY, HEADER.
file(READ "${HEADER}" header)
string(REGEX MATCHALL "MLXMPI_EXPORT[^;(]*[ *](mlxmpi_[A-Za-z0-9_]+)[ ]*\\(" declarations "${header}")
set(declared "")
foreach(declaration IN LISTS declarations)
  string(REGEX REPLACE ".*[ *](mlxmpi_[A-Za-z0-9_]+)[ ]*\\($" "\\1" name "${declaration}")
  list(APPEND declared "${name}")
endforeach()
list(SORT declared)

execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}"
                OUTPUT_VARIABLE nm_output RESULT_VARIABLE nm_result)
if(NOT nm_result EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}")
endif()
string(REPLACE "\n" ";" nm_lines "${nm_output}")
set(exported "")
foreach(line IN LISTS nm_lines)
  # "<address> <type> <name>": upper-case types are global; weak and absolute ones (V, W, A)
  # come from the toolchain, not from us.
  if(line MATCHES "^[0-9a-fA-F]+ ([BDGRSTi]) ([^ @]+)")
    list(APPEND exported "${CMAKE_MATCH_2}")
  endif()
endforeach()
list(REMOVE_ITEM exported _init _fini)
list(SORT exported)

list(LENGTH declared declared_count)
if(declared_count EQUAL 0)
  message(FATAL_ERROR "found no MLXMPI_EXPORT declarations in ${HEADER}")
endif()
if(NOT exported STREQUAL declared)
  set(missing ${declared})
  list(REMOVE_ITEM missing ${exported})
  set(extra ${exported})
  list(REMOVE_ITEM extra ${declared})
  message(FATAL_ERROR "exports differ from ${HEADER}\n  missing: ${missing}\n  extra: ${extra}")
endif()
message("libmlxmpi.so exports exactly the ${declared_count} functions of mlxmpi.h")
