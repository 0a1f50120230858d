// The thin libFuzzer entry point, compiled only in the fuzz build (clang,
// cmake/Fuzz.cmake) once per harness with -DRELAIS_FUZZ_HARNESS=fuzz_<name>.
#include "fuzz/harnesses.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return relais::fuzz::RELAIS_FUZZ_HARNESS(data, size);
}
