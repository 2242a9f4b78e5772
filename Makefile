# The two commands a new user runs: `make demo` and `make test`.
# Each installs missing Debian packages (scripts/install-deps.sh), configures,
# builds and runs. `make bench` runs the benchmarks.
JOBS ?= $(shell nproc)
BUILD ?= build
SAN_BUILD ?= build-san
TSAN_BUILD ?= build-tsan
# make test's optimised stage: -O2 without debug information (a fifth less
# compile time than RelWithDebInfo), apart from the developers' build.
RELEASE_BUILD ?= build-release
FUZZ_SECONDS ?= 10
# The statistical flow scenarios (many seeds each, minutes when instrumented),
# the group simulator's 6 Mbit/s run with 1 MB keyframes (100 s under ASan, 8 s
# optimised; the other group scenarios run instrumented) and the installed-package test (sanitizer runtimes do not belong in a plain
# consumer) run in the optimised GCC build; everything else runs instrumented.
RELEASE_TESTS ?= ^((Fairness|LiveMode|TimeCriticalReverse|BulkThroughput)\.|GroupSmall\.Megabyte|install\.)
# The threaded media I/O that runs under ThreadSanitizer: the media_io unit
# tests and the relay integration tests (threads, mutexes, condition variables).
TSAN_RELAYS ?= ^(RtmfpRelay[A-Za-z]*|RtmpRelayErrors|RelayNginxRestart|RtmpInterop|Rtmps|RtmpListenSink|GatewayIt)\.
CMAKE_FLAGS ?=
# Each stage's wall time is appended here and printed at the end of make test.
export TIMES_FILE ?= $(CURDIR)/$(BUILD)/make-test-times
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LAUNCHER = $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

.PHONY: all deps build test unit-test san-test asan-test release-test tsan-test fuzz-test fuzz-run demo bench install clean

all: build

deps:
	@scripts/install-deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER) $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Everything CI checks, stage by stage (each prints UTC stamps and its wall time):
#   san      one instrumented build (clang-16: ASan + UBSan halting on the first
#            error, _GLIBCXX_ASSERTIONS, libFuzzer coverage; the libraries at
#            -O1, the tests at -O0) of every test and fuzzer; runs the unit,
#            simulator and integration suites in it, all but RELEASE_TESTS
#   fuzz     a bounded run of every fuzzer of that build, JOBS at a time
#   release  the optimised GCC 12 build (-O2, no debug information, in
#            RELEASE_BUILD) of the program, the libraries and the simulator
#            scenarios; runs RELEASE_TESTS
# `make tsan-test` (media I/O unit tests and the relay integration tests under
# ThreadSanitizer) is not in `make test`: a third build of the media code.
# Any stage fails on a test failure, on zero selected tests, on a sanitizer
# report or `runtime error:` line anywhere, and, with CI=true, on a skipped test.
test: deps
	@rm -f $(TIMES_FILE)
	@scripts/timed.sh san $(MAKE) --no-print-directory san-test || { cat $(TIMES_FILE); exit 1; }
	@scripts/timed.sh fuzz $(MAKE) --no-print-directory fuzz-run || { cat $(TIMES_FILE); exit 1; }
	@scripts/timed.sh release $(MAKE) --no-print-directory release-test || { cat $(TIMES_FILE); exit 1; }
	@echo "make test: all stages passed; wall time per stage (configure + build + run):"
	@cat $(TIMES_FILE)

# Developers: every test in the normal build.
unit-test: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target rtmfp_tests
	scripts/ctest-stage.sh unit $(BUILD) -j $(JOBS) --timeout 900

$(SAN_BUILD)/build.ninja:
	CC=clang-16 CXX=clang++-16 cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -DCMAKE_C_FLAGS_DEBUG=-gline-tables-only \
	  -DRTMFP_LIB_OPT=-O1 -DRTMFP_SANITIZE=ON -DRTMFP_FUZZ=ON -DRTMFP_BUILD_BENCH=OFF $(LAUNCHER) $(CMAKE_FLAGS)

san-test: $(SAN_BUILD)/build.ninja
	cmake --build $(SAN_BUILD) -j $(JOBS) --target rtmfp_tests rtmfp_fuzzers
	$(SAN_ENV) scripts/ctest-stage.sh san $(SAN_BUILD) -j $(JOBS) \
	  -L '^(unit|sim|integration)(:|$$)' -E '$(RELEASE_TESTS)' --timeout 900
asan-test: san-test

fuzz-run:
	JOBS=$(JOBS) scripts/run-fuzzers.sh $(SAN_BUILD) $(FUZZ_SECONDS)

fuzz-test: $(SAN_BUILD)/build.ninja
	cmake --build $(SAN_BUILD) -j $(JOBS) --target rtmfp_fuzzers
	$(MAKE) --no-print-directory fuzz-run

$(RELEASE_BUILD)/build.ninja:
	cmake -S . -B $(RELEASE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
	  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DRTMFP_BUILD_BENCH=OFF $(LAUNCHER) $(CMAKE_FLAGS)

release-test: $(RELEASE_BUILD)/build.ninja
	cmake --build $(RELEASE_BUILD) -j $(JOBS) --target rtmfp sim_scenarios
	scripts/ctest-stage.sh release $(RELEASE_BUILD) -j $(JOBS) -R '$(RELEASE_TESTS)' --timeout 900

tsan-test:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTMFP_TSAN=ON \
	  -DRTMFP_BUILD_BENCH=OFF $(LAUNCHER) $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target unit_media_io integration
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 scripts/ctest-stage.sh tsan-media-io \
	  $(TSAN_BUILD) -j $(JOBS) -L '^unit:unit_media_io$$' --timeout 900
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 scripts/ctest-stage.sh tsan-relays \
	  $(TSAN_BUILD) -j $(JOBS) -L '^integration(:|$$)' -R '$(TSAN_RELAYS)' --timeout 900

# The demo runs only the CLI: build that one target, not the tests and benches.
demo:
	@scripts/install-deps.sh demo
	$(MAKE) --no-print-directory $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target rtmfp
	scripts/demo.sh $(BUILD)/cli/rtmfp

bench: deps
	$(MAKE) build
	scripts/bench.sh $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(TSAN_BUILD) $(RELEASE_BUILD)
