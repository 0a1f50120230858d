# libFuzzer harnesses. Configure a separate clang build folder:
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -DRELAIS_FUZZ=ON -DRELAIS_TESTS=OFF
# Every library is built with -fsanitize=fuzzer-no-link,address,undefined;
# each harness tests/fuzz/<name>.cpp becomes an executable fuzz_<name>
# linked with -fsanitize=fuzzer. tests/fuzz/run.sh drives it (`make fuzz`).
# The same harness bodies run under gcc in test_fuzz_regression (make test).
option(RELAIS_FUZZ "Build the libFuzzer harnesses (clang only)" OFF)

if(RELAIS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "RELAIS_FUZZ needs clang: configure with CXX=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)

  set(RELAIS_FUZZ_HARNESSES envelope protocol schema_instance schema_compile topic policy bundle card config log body)
  add_library(relais_fuzz_support OBJECT ${CMAKE_SOURCE_DIR}/tests/fuzz/support.cpp)
  target_include_directories(relais_fuzz_support PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  set(RELAIS_FUZZ_LIBS relais_net relais_config relais_policy relais_schema relais_log)  # what the harnesses cover
  target_link_libraries(relais_fuzz_support PRIVATE ${RELAIS_FUZZ_LIBS})
  add_custom_target(fuzz_all)
  foreach(h IN LISTS RELAIS_FUZZ_HARNESSES)
    add_executable(fuzz_${h} ${CMAKE_SOURCE_DIR}/tests/fuzz/${h}.cpp ${CMAKE_SOURCE_DIR}/tests/fuzz/libfuzzer_main.cpp
                   $<TARGET_OBJECTS:relais_fuzz_support>)
    target_include_directories(fuzz_${h} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
    target_compile_definitions(fuzz_${h} PRIVATE RELAIS_FUZZ_HARNESS=fuzz_${h})
    target_link_libraries(fuzz_${h} PRIVATE ${RELAIS_FUZZ_LIBS})
    target_link_options(fuzz_${h} PRIVATE -fsanitize=fuzzer)
    add_dependencies(fuzz_all fuzz_${h})
  endforeach()
endif()
