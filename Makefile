# Relais: the two quick-start commands and the developer targets.
#   make demo      build everything and play the demo story
#   make test      build everything and run every test (ctest)
#   make sanitize  the whole suite under ASan+UBSan
#   make fuzz      each libFuzzer harness for a bounded time (clang)
#   make bench     benchmarks, writes bench/RESULTS.md
#   make package   the Debian package relais_<version>_amd64.deb in $(BUILD)
#   make package-check  install, upgrade and purge it in a throwaway chroot
BUILD      ?= build
JOBS       ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo
# WERROR=ON: compiler warnings are errors (RELAIS_WERROR; .ci/run sets it).
WERROR     ?= OFF
# UNITY=ON: each target compiled in batches (RELAIS_UNITY_BUILD): a clean
# build in a fraction of the time; UNITY=OFF rebuilds one file per edit.
UNITY      ?= ON

.PHONY: all deps build test demo sanitize fuzz bench clean

all: build

deps:
	@bash cmake/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DRELAIS_WERROR=$(WERROR) -DRELAIS_UNITY_BUILD=$(UNITY) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

demo: build
	@bash demo/demo.sh $(BUILD)/bin

sanitize: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRELAIS_SANITIZE=ON -DRELAIS_BENCH=OFF -DRELAIS_WERROR=$(WERROR) -DRELAIS_UNITY_BUILD=$(UNITY) >/dev/null
	@cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) --timeout 900

fuzz: deps
	@bash tests/fuzz/run.sh $${FUZZ_SECONDS:-20}

bench: build
	@bash bench/run.sh $(BUILD)/bin

package: build
	cd $(BUILD) && cpack -G DEB

.PHONY: package package-check
package-check: package
	@bash packaging/package-check.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
