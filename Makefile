# The two commands a new user runs: `make demo` and `make test`.
# Each installs missing Debian packages (scripts/install-deps.sh), configures,
# builds and runs. `make bench` runs the benchmarks.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 15
# Long statistical flow scenarios (minutes each under ASan) run only in the
# normal build; their code paths run under ASan in unit_flow, unit_endpoint,
# and the ReliableUnderLoss, Mobility and handshake scenarios.
ASAN_SKIP ?= ^(Fairness|LiveMode|TimeCriticalReverse|BulkThroughput)\.
# Labels the ASan stage runs. The integration suite under ASan+UBSan
# (ASAN_LABELS='^(unit|sim|integration)$$') is not in `make test` until it has
# had a verified run on the 2-core machine.
ASAN_LABELS ?= ^(unit|sim)$$
# The threaded media I/O that runs under ThreadSanitizer: the media_io unit
# tests and the relay integration tests (threads, mutexes, condition variables).
TSAN_RELAYS ?= ^(RtmfpRelay|RtmpInterop|Rtmps|RtmpListenSink)\.
CMAKE_FLAGS ?=
# Each stage's wall time is appended here and printed at the end of make test.
export TIMES_FILE ?= $(CURDIR)/$(BUILD)/make-test-times
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LAUNCHER = $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

.PHONY: all deps build test unit-test asan-test tsan-test fuzz-test demo bench install clean

all: build

deps:
	@scripts/install-deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER) $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Everything CI checks, stage by stage (each prints UTC stamps and its wall time):
#   unit   unit + simulator + integration tests (normal build)
#   asan   unit + simulator tests under ASan+UBSan (ASAN_LABELS)
#   fuzz   a bounded run of every fuzzer (ASan+UBSan, halting on UB)
# `make tsan-test` (media I/O unit tests and the relay integration tests under
# ThreadSanitizer) is not in `make test` yet: it has not had a verified run on
# the 2-core machine (issue "Hardening").
# Any stage fails on a test failure, on zero selected tests, on a sanitizer
# report or `runtime error:` line anywhere, and, with CI=true, on a skipped test.
test: deps
	@rm -f $(TIMES_FILE)
	@scripts/timed.sh unit $(MAKE) --no-print-directory unit-test || { cat $(TIMES_FILE); exit 1; }
	@scripts/timed.sh asan $(MAKE) --no-print-directory asan-test || { cat $(TIMES_FILE); exit 1; }
	@scripts/timed.sh fuzz $(MAKE) --no-print-directory fuzz-test || { cat $(TIMES_FILE); exit 1; }
	@echo "make test: all stages passed; wall time per stage (configure + build + run):"
	@cat $(TIMES_FILE)

unit-test: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target rtmfp_tests
	scripts/ctest-stage.sh unit $(BUILD) -j $(JOBS) --timeout 900

asan-test:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRTMFP_SANITIZE=ON \
	  -DRTMFP_BUILD_BENCH=OFF $(LAUNCHER) $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target rtmfp_tests
	$(SAN_ENV) scripts/ctest-stage.sh asan $(ASAN_BUILD) -j $(JOBS) \
	  -L '$(ASAN_LABELS)' -E '$(ASAN_SKIP)' --timeout 900

tsan-test:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTMFP_TSAN=ON \
	  -DRTMFP_BUILD_BENCH=OFF $(LAUNCHER) $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target unit_media_io integration
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 scripts/ctest-stage.sh tsan-media-io \
	  $(TSAN_BUILD) -j $(JOBS) -L '^unit_media_io$$' --timeout 900
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 scripts/ctest-stage.sh tsan-relays \
	  $(TSAN_BUILD) -j $(JOBS) -L '^integration$$' -R '$(TSAN_RELAYS)' --timeout 900

fuzz-test:
	CC=clang-16 CXX=clang++-16 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRTMFP_FUZZ=ON -DRTMFP_BUILD_TESTS=OFF -DRTMFP_BUILD_BENCH=OFF $(LAUNCHER) $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target rtmfp_fuzzers
	scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

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
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
