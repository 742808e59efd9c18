# Convenience entry points. Each target first installs the Debian packages
# it needs when any is missing: packaging/build-deps.txt to build and run
# (build, demo, run, package), and packaging/test-deps.txt as well for the
# tests (test, test-asan, test-valgrind, fuzz, bench, quality). Then it
# builds with CMake, always in one build directory with one configuration,
# so that going from make demo to make test compiles only what is new.
BUILD     ?= build
BUILD_TYPE ?= RelWithDebInfo
BUILD_DEPS := $(shell sed 's/\#.*//' packaging/build-deps.txt)
TEST_DEPS  := $(shell sed 's/\#.*//' packaging/test-deps.txt)
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS      := $(shell nproc 2>/dev/null || echo 2)

# What the demo and make run use, and nothing else.
DEMO_TARGETS := hrwatchd hrwatch hrwatch-gen
# make demo / make run: PORT_BASE moves every socket (ingest PORT_BASE,
# push ingest +1, alerts +2, control +3, metrics +4; empty: the daemon's
# defaults); STATE is the store's directory (empty: BUILD/demo/hrwatch-state
# for the demo, BUILD/hrwatch-state for make run); REPLAY=1 runs the daemon
# with --replay, as the demo does, to reopen the demo's store as it was.
PORT_BASE ?=
STATE     ?=
REPLAY    ?=
# $(call s_quote,TEXT): TEXT in single quotes for the shell, its own
# single quotes too (a STATE may hold spaces or quotes).
s_quote    = '$(subst ','\'',$(1))'
DEMO_ENV   = PORT_BASE=$(call s_quote,$(PORT_BASE)) STATE=$(call s_quote,$(STATE)) \
             REPLAY=$(call s_quote,$(REPLAY))

CONFIGURE = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null
COMPILE   = cmake --build $(BUILD) -j$(JOBS)

# Packages that come with services: installing them starts prometheus,
# prometheus-alertmanager and prometheus-node-exporter (which prometheus
# recommends) on a host booted with systemd. The tests run their own
# Alertmanager and only need promtool from prometheus.
SERVICE_PKGS := prometheus prometheus-alertmanager prometheus-node-exporter
# The service packages make installed, for services-check (kept in the
# default build directory, whatever BUILD is).
SERVICE_RECORD := build/deps-services.txt

.PHONY: all deps deps-test services-check build build-demo test test-asan test-valgrind \
        fuzz bench bench-backfill quality demo run package clean

all: build

# $(call s_missing,PACKAGES): the shell words that print those of PACKAGES
# not installed.
s_missing = for p in $(1); do \
    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
      || echo $$p; \
  done

# $(call s_install,PACKAGES): installs those not installed yet, and starts
# no service. While apt-get runs, /usr/sbin/policy-rc.d answers 101 (action
# forbidden) to every start a package's scripts ask for; it is written only
# when there is none, and removed afterwards, also when apt-get fails or is
# interrupted. The units of the service packages installed here are then
# disabled (systemctl does that without a running systemd too, in a
# container or a chroot), and stopped on a host booted with systemd:
# policy-rc.d stops the start, not the enabling, and an enabled unit starts
# at the next boot. Those packages are written to $(SERVICE_RECORD) for services-check.
define s_install
missing=$$($(call s_missing,$(1))); \
[ -n "$$missing" ] || exit 0; \
echo "installing:" $$missing; \
services=$$($(call s_missing,$(SERVICE_PKGS))); \
policy=/usr/sbin/policy-rc.d; \
if [ ! -e $$policy ]; then \
  trap '$(SUDO) rm -f /usr/sbin/policy-rc.d' EXIT; \
  trap 'exit 130' INT TERM HUP; \
  printf '#!/bin/sh\n# Written by hrwatch (make deps) while it installs packages: no\n# service starts. Removed when the install ends.\nexit 101\n' \
    | $(SUDO) tee $$policy >/dev/null && $(SUDO) chmod 0755 $$policy || exit 1; \
fi; \
$(SUDO) apt-get update -qq && \
DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; rc=$$?; \
mkdir -p $(dir $(SERVICE_RECORD)); \
for p in $$services; do \
  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || continue; \
  echo $$p >>$(SERVICE_RECORD); \
  units=$$(dpkg -L $$p | grep -E '^(/usr)?/lib/systemd/system/[^/]+\.(service|timer)$$' \
           | xargs -r -n1 basename); \
  now=; [ -d /run/systemd/system ] && now=--now; \
  if [ -n "$$units" ] && command -v systemctl >/dev/null; then \
    echo "disabling$${now:+ and stopping} what $$p installed:" $$units; \
    $(SUDO) systemctl disable $$now -q $$units || rc=1; \
  fi; \
  if [ -z "$$now" ] && [ -x /etc/init.d/$$p ] \
     && ps -o args= -u prometheus 2>/dev/null | grep -q "^[^ ]*/$$p\( \|$$\)"; then \
    $(SUDO) /etc/init.d/$$p stop || rc=1; \
  fi; \
done; \
exit $$rc
endef

deps:
	@$(call s_install,$(BUILD_DEPS))

deps-test:
	@$(call s_install,$(BUILD_DEPS) $(TEST_DEPS))

# Nothing the install of the test dependencies started is left: for each
# service package make installed, no process of it runs as its service user
# (prometheus), none of its units is enabled (systemctl reads that without
# a running systemd) and, when systemd is PID 1, none is active. Fails,
# naming what it found.
services-check:
	@pkgs=$$(sort -u $(SERVICE_RECORD) 2>/dev/null); \
	if [ -z "$$pkgs" ]; then \
	  echo "services-check: no service package was installed by make; nothing to check"; \
	  exit 0; \
	fi; \
	fail=0; \
	for p in $$pkgs; do \
	  pids=$$(ps -eo user:32=,pid=,args= | awk -v p=$$p \
	    '$$1 == "prometheus" { n = split ($$3, a, "/"); if (a[n] == p) print $$2 }'); \
	  if [ -n "$$pids" ]; then echo "services-check: $$p is running (pid" $$pids")"; fail=1; fi; \
	  if command -v systemctl >/dev/null; then \
	    for u in $$(dpkg -L $$p 2>/dev/null \
	        | grep -E '^(/usr)?/lib/systemd/system/[^/]+\.(service|timer)$$' | xargs -r -n1 basename); do \
	      if [ -d /run/systemd/system ] && systemctl is-active -q $$u; then \
	        echo "services-check: $$u is active"; fail=1; \
	      fi; \
	      if [ "$$(systemctl is-enabled $$u 2>/dev/null)" = enabled ]; then \
	        echo "services-check: $$u is enabled"; fail=1; \
	      fi; \
	    done; \
	  fi; \
	done; \
	[ $$fail = 0 ] && echo "services-check: nothing running or enabled from" $$pkgs; \
	exit $$fail

build: deps
	$(CONFIGURE)
	$(COMPILE) -- --no-print-directory

# Only the daemon, the CLI and the generator, with the same configuration.
build-demo: deps
	$(CONFIGURE)
	$(COMPILE) --target $(DEMO_TARGETS) -- --no-print-directory

# The entries run side by side, one per core.
test: deps-test
	@$(MAKE) --no-print-directory services-check
	$(CONFIGURE)
	$(COMPILE) -- --no-print-directory
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan:
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug CMAKE_ARGS=-DHRW_SANITIZE=ON

demo: build-demo
	exec env $(DEMO_ENV) tools/demo.sh $(BUILD)

# The tests through the real daemon, with the daemon under valgrind's
# memcheck: any error or definite leak fails them. HRW_VALGRIND also gives
# each entry 25 times its TIMEOUT (tests/valgrind/CMakeLists.txt). Then
# libhrwatch's, with the programs built on it under memcheck (any error or
# leak of any kind fails).
test-valgrind: deps-test
	$(CONFIGURE)
	$(COMPILE) -- --no-print-directory
	cd $(BUILD) && HRW_VALGRIND=1 ctest -L '^daemon$$' --output-on-failure
	cd $(BUILD) && HRW_VALGRIND=1 ctest -R '^libhrwatch$$' --output-on-failure

# libFuzzer on each edge for FUZZ_SECONDS apiece (default 60): ingest
# (decode -> validate -> apply), control requests, and the config parser;
# from their seed corpora and regression inputs. New crashes land in
# build-fuzz/ (artifact_prefix) to become regression inputs.
FUZZ_SECONDS ?= 60
FUZZ_RUN = -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build-fuzz/
fuzz: deps-test
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

# hrwatchd against the limit, and the other figures of docs/performance.md
# (valgrind counts instructions).
bench: deps-test
	$(CONFIGURE)
	$(COMPILE) -- --no-print-directory
	bench/run.sh $(BUILD)

# The whole backfill through the front door: hrwatch-gen's 10-year,
# 1M-employee history (34.9M events, 6.4 GB of JSON lines in
# BUILD/bench-work, ending 40 days ago) published by `hrwatch publish` into
# a fresh hrwatchd.
# Prints "events gen_seconds publish_seconds events_per_second". make bench
# times only a prefix of it; this takes tens of minutes.
BACKFILL_EMPLOYEES ?= 1000000
BACKFILL_YEARS ?= 10
bench-backfill: deps-test
	$(CONFIGURE)
	$(COMPILE) --target hrwatchd hrwatch hrwatch-gen -- --no-print-directory
	bench/backfill.sh $(BUILD) $(BUILD)/bench-work $(BACKFILL_EMPLOYEES) $(BACKFILL_YEARS)

# How well each detector does: recall, delay, false alerts and flaps on
# synthetic companies with known ground truth, through the real daemon
# (tools/quality.sh; docs/alerts.md, "How we measure"). Prints the tables
# and writes them to $(BUILD)/quality.md.
quality: deps-test
	$(CONFIGURE)
	$(COMPILE) -- --no-print-directory
	tools/quality.sh $(BUILD)

# The Debian package, in build/.
package: build
	cd $(BUILD) && cpack

# The daemon in the foreground, on the demo's settings: PORT_BASE, STATE,
# REPLAY (above); on the built-in defaults when none is given, with the
# store in BUILD/hrwatch-state. exec: the daemon takes the recipe shell's
# place (tools/demo.sh execs it too), so that the SIGTERM make passes on to
# its child when it is stopped reaches hrwatchd, which would otherwise be
# left running without make.
run: build-demo
	exec env $(DEMO_ENV) tools/demo.sh --run $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
