// The fuzz harness bodies (tests/fuzz/*.cpp), compiled into the gcc
// regression test so that `make test` replays corpus/ and regressions/
// through exactly the entry points libFuzzer runs.
#include "fuzz/bundle.cpp"
#include "fuzz/card.cpp"
#include "fuzz/config.cpp"
#include "fuzz/envelope.cpp"
#include "fuzz/log.cpp"
#include "fuzz/policy.cpp"
#include "fuzz/protocol.cpp"
#include "fuzz/registry.cpp"
#include "fuzz/schema_compile.cpp"
#include "fuzz/schema_instance.cpp"
#include "fuzz/support.cpp"
#include "fuzz/topic.cpp"
