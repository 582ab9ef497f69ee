# Runs COMMAND (arguments separated by "|") and fails unless it exits with EXPECTED_EXIT.
# For tests whose success is a specific non-zero exit, such as MPI_Abort's error code.
string(REPLACE "|" ";" command_list "${COMMAND}")
execute_process(COMMAND ${command_list} RESULT_VARIABLE exit_code
                OUTPUT_VARIABLE output ERROR_VARIABLE errors)
message("${output}${errors}")
if(NOT exit_code STREQUAL "${EXPECTED_EXIT}")
  message(FATAL_ERROR "exit code ${exit_code}, expected ${EXPECTED_EXIT}")
endif()
