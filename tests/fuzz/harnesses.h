// libFuzzer harness bodies, shared by the fuzz build (one executable per
// harness, see libfuzzer_main.cpp) and the gcc regression test
// (tests/fuzz_regression/) that replays corpus/ and regressions/ through the
// same entry points in `make test`.
//
// Every harness takes arbitrary bytes, must never crash, hang or leak, and
// returns 0. Invariants are checked with FUZZ_CHECK, which aborts (a crash
// libFuzzer reports) when a core API contradicts itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"

#define FUZZ_CHECK(cond)                                                        \
  do {                                                                          \
    if (!(cond)) ::relais::fuzz::check_failed(#cond, __FILE__, __LINE__);       \
  } while (0)

namespace relais::fuzz {

[[noreturn]] void check_failed(const char* what, const char* file, int line);

// Fixed, deterministic identities (from constant seeds) so that seeds built
// by the generator verify, open and parse in every run.
//   0: the sender "police.golfe", 1: the reader "commission",
//   2: the authority, 3: the broker "broker".
const Identity& fixed_identity(int which);

// Writes data to a per-process temporary file and returns its path (reused
// across calls; the folder is removed at exit).
std::string temp_file(std::string_view name, const uint8_t* data, size_t size);

using Harness = int (*)(const uint8_t*, size_t);
struct HarnessEntry {
  const char* name;  // corpus/<name>/, regressions/<name>/
  Harness fn;
};
// Every harness, by name (tests/fuzz/registry.cpp; regression build only).
const std::vector<HarnessEntry>& all_harnesses();

int fuzz_envelope(const uint8_t* data, size_t size);
int fuzz_protocol(const uint8_t* data, size_t size);
int fuzz_schema_instance(const uint8_t* data, size_t size);
int fuzz_schema_compile(const uint8_t* data, size_t size);
int fuzz_topic(const uint8_t* data, size_t size);
int fuzz_policy(const uint8_t* data, size_t size);
int fuzz_bundle(const uint8_t* data, size_t size);
int fuzz_card(const uint8_t* data, size_t size);
int fuzz_config(const uint8_t* data, size_t size);
int fuzz_log(const uint8_t* data, size_t size);
int fuzz_body(const uint8_t* data, size_t size);

}  // namespace relais::fuzz
