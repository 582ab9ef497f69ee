# Device tests (included from tests/native/CMakeLists.txt): the shim's GPU paths, against the
# CUDA runtime test double built here (default), or against a real libcudart
# (scripts/test-real-cuda.sh configures with -DMLXMPI_TEST_CUDART=system or =/path/to/libcudart.so).
# All carry the label "device" (`ctest -L device`).
set(MLXMPI_TEST_CUDART "double" CACHE STRING
    "CUDA runtime of the device tests: double (the test double), system (the shim's search), or a path")

# The double lands next to libmlxmpi.so, where the managed tests can find it too.
add_library(cudart_double SHARED cudart_double.c cudart_double_probe.c cudart_double_state.c)
target_include_directories(cudart_double PRIVATE ${PROJECT_SOURCE_DIR}/native/src)
target_link_libraries(cudart_double PRIVATE mlxmpi_build_options Threads::Threads)
set_target_properties(cudart_double PROPERTIES
  C_VISIBILITY_PRESET hidden
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

add_library(mlxmpi_device_test_support STATIC device_test_support.c)
target_include_directories(mlxmpi_device_test_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(mlxmpi_device_test_support
  PUBLIC mlxmpi_test_support mlxmpi_internal ${CMAKE_DL_LIBS}
  PRIVATE mlxmpi_build_options)

mlxmpi_add_test_program(test_device_gather mlxmpi_device_test_support)
mlxmpi_add_test_program(test_device_errors mlxmpi_device_test_support)
mlxmpi_add_test_program(test_cudart_double ${CMAKE_DL_LIBS})
add_dependencies(test_device_gather cudart_double)
add_dependencies(test_device_errors cudart_double)
add_dependencies(test_cudart_double cudart_double)

if(MLXMPI_TEST_CUDART STREQUAL "double")
  # Two "devices", so that rank 1 gathers on device 1 while another device is current.
  set(mlxmpi_cudart_environment
      "MLXMPI_CUDART_PATH=$<TARGET_FILE:cudart_double>" "CUDART_DOUBLE_DEVICE_COUNT=2")
elseif(MLXMPI_TEST_CUDART STREQUAL "system")
  set(mlxmpi_cudart_environment "")
else()
  set(mlxmpi_cudart_environment "MLXMPI_CUDART_PATH=${MLXMPI_TEST_CUDART}")
endif()

# native.<name>.np<ranks> (and its valgrind twin, when registered) with MLXMPI_GPU_PATH=<path>
# and the runtime above; exit code 77 (every rank skipped: no GPU, or direct on an MPI that is
# not CUDA-aware) reads as skipped.
function(mlxmpi_add_device_test name program ranks path)
  mlxmpi_add_mpi_test(${name} ${program} ${ranks} ${ARGN})
  foreach(test native.${name}.np${ranks} valgrind.${name}.np${ranks})
    if(TEST ${test})
      set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
                   ${mlxmpi_cudart_environment} "MLXMPI_GPU_PATH=${path}")
      set_property(TEST ${test} APPEND PROPERTY LABELS device)
      set_property(TEST ${test} PROPERTY SKIP_RETURN_CODE 77)
    endif()
  endforeach()
endfunction()

foreach(ranks 2 3)
  mlxmpi_add_device_test(device_gather_staging test_device_gather ${ranks} staging staging)
  mlxmpi_add_device_test(device_gather_direct test_device_gather ${ranks} direct direct)
  mlxmpi_add_device_test(device_errors test_device_errors ${ranks} staging)
endforeach()
mlxmpi_add_device_test(device_gather_auto test_device_gather 2 auto auto)

if(MLXMPI_TEST_CUDART STREQUAL "double")
  add_test(NAME native.cudart_double COMMAND test_cudart_double $<TARGET_FILE:cudart_double>)
  set_tests_properties(native.cudart_double PROPERTIES
    TIMEOUT 30 ENVIRONMENT "${mlxmpi_test_environment}" LABELS "native;device")
endif()
