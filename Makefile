# The two commands a new user runs: `make demo` and `make test`.
# Each installs missing Debian packages (scripts/install-deps.sh), configures,
# builds and runs. `make bench` runs the benchmarks.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 15
# Long statistical flow scenarios (minutes each under ASan) run only in the
# normal build; their code paths run under ASan in unit_flow, unit_endpoint,
# and the ReliableUnderLoss, Mobility and handshake scenarios.
ASAN_SKIP ?= ^(Fairness|LiveMode|TimeCriticalReverse|BulkThroughput)\.
CMAKE_FLAGS ?=

.PHONY: all deps build test unit-test asan-test fuzz-test demo bench install clean

all: build

deps:
	@scripts/install-deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Everything CI checks: unit + simulator + integration tests, then the unit
# and simulator tests under ASan+UBSan, then a bounded run of every fuzzer.
test: deps
	$(MAKE) build
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure --timeout 900
	$(MAKE) asan-test
	$(MAKE) fuzz-test
	@echo "make test: all stages passed"

asan-test:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRTMFP_SANITIZE=ON \
	  -DRTMFP_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) -j $(JOBS) -L 'unit|sim' -E '$(ASAN_SKIP)' --output-on-failure --timeout 900

fuzz-test:
	CC=clang-16 CXX=clang++-16 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRTMFP_FUZZ=ON -DRTMFP_BUILD_TESTS=OFF -DRTMFP_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

demo:
	@scripts/install-deps.sh demo
	$(MAKE) build
	scripts/demo.sh $(BUILD)/cli/rtmfp

bench: deps
	$(MAKE) build
	scripts/bench.sh $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
