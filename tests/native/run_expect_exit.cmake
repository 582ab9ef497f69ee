# Runs COMMAND (arguments separated by "|") REPEAT times (default 1) and fails unless every run
# exits with EXPECTED_EXIT (or ALSO_ACCEPTED_EXIT, when set, as long as at least one run exits
# with EXPECTED_EXIT) and, when EXPECTED_OUTPUT is set, prints it (stdout or stderr).
# For tests whose success is a specific non-zero exit, such as MPI_Abort's error code.
string(REPLACE "|" ";" command_list "${COMMAND}")
if(NOT DEFINED REPEAT)
  set(REPEAT 1)
endif()
set(expected_exits 0)
foreach(run RANGE 1 ${REPEAT})
  execute_process(COMMAND ${command_list} RESULT_VARIABLE exit_code
                  OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  message("run ${run} of ${REPEAT}: exit code ${exit_code}\n${output}${errors}")
  if(exit_code STREQUAL "${EXPECTED_EXIT}")
    math(EXPR expected_exits "${expected_exits} + 1")
  elseif(NOT (DEFINED ALSO_ACCEPTED_EXIT AND exit_code STREQUAL "${ALSO_ACCEPTED_EXIT}"))
    message(FATAL_ERROR "run ${run}: exit code ${exit_code}, expected ${EXPECTED_EXIT}")
  endif()
  if(DEFINED EXPECTED_OUTPUT)
    string(FIND "${output}${errors}" "${EXPECTED_OUTPUT}" found)
    if(found EQUAL -1)
      message(FATAL_ERROR "run ${run}: the output lacks \"${EXPECTED_OUTPUT}\"")
    endif()
  endif()
endforeach()
if(expected_exits EQUAL 0)
  message(FATAL_ERROR "no run exited with ${EXPECTED_EXIT}")
endif()
