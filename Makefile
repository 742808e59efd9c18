# Convenience entry points. Each target installs the Debian packages listed
# in packaging/build-deps.txt when any is missing, then builds with CMake.
BUILD     ?= build
BUILD_TYPE ?= RelWithDebInfo
DEPS      := $(shell grep -v '^[[:space:]]*\#' packaging/build-deps.txt | grep -v '^[[:space:]]*$$')
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS      := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build test test-asan test-valgrind fuzz bench quality demo run package clean

all: build

deps:
	@missing=$$(for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing build dependencies:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

# The entries run side by side, one per core.
test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan:
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug CMAKE_ARGS=-DHRW_SANITIZE=ON

demo: build
	tools/demo.sh $(BUILD)

# The tests through the real daemon, with the daemon under valgrind's
# memcheck: any error or definite leak fails them. HRW_VALGRIND also gives
# each entry 25 times its TIMEOUT (tests/valgrind/CMakeLists.txt).
test-valgrind: build
	cd $(BUILD) && HRW_VALGRIND=1 ctest -L '^daemon$$' --output-on-failure

# libFuzzer on each edge for FUZZ_SECONDS apiece (default 60): ingest
# (decode -> validate -> apply), control requests, and the config parser;
# from their seed corpora and regression inputs. New crashes land in
# build-fuzz/ (artifact_prefix) to become regression inputs.
FUZZ_SECONDS ?= 60
FUZZ_RUN = -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build-fuzz/
fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DHRW_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target fuzz_ingest fuzz_corpus fuzz_control \
	  fuzz_control_corpus fuzz_config -- --no-print-directory
	mkdir -p build-fuzz/corpus-work build-fuzz/control-work build-fuzz/config-work
	build-fuzz/tests/fuzz_ingest $(FUZZ_RUN) build-fuzz/corpus-work build-fuzz/fuzz-corpus \
	  tests/fuzz/regressions
	build-fuzz/tests/fuzz_control $(FUZZ_RUN) build-fuzz/control-work \
	  build-fuzz/fuzz-control-corpus tests/fuzz/control-regressions
	build-fuzz/tests/fuzz_config $(FUZZ_RUN) -dict=tests/fuzz/config.dict build-fuzz/config-work \
	  tests/fuzz/config-seeds tests/fuzz/config-regressions

# hrwatchd against the limit, and the other figures of docs/performance.md.
bench: build
	bench/run.sh $(BUILD)

# How well each detector does: recall, delay, false alerts and flaps on
# synthetic companies with known ground truth, through the real daemon
# (tools/quality.sh; docs/alerts.md, "How we measure"). Prints the tables
# and writes them to $(BUILD)/quality.md.
quality: build
	tools/quality.sh $(BUILD)

# The Debian package, in build/.
package: build
	cd $(BUILD) && cpack

# The daemon in the foreground on the built-in defaults; state in build/.
run: build
	cd $(BUILD) && ./hrwatchd --foreground

clean:
	rm -rf $(BUILD) build-asan build-fuzz
