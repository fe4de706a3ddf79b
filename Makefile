# The two commands: `make run` serves the example site, `make test` runs every test.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PYTHON ?= /usr/bin/python3
CMAKE_FLAGS ?=
PYTEST = FPMD_BIN=$(abspath $(BUILD_DIR)/fpmd) $(PYTHON) -m pytest -q -p no:cacheprovider

.PHONY: all deps build run test unit integration e2e peer fuzz fuzz-long sanitize bench \
        bench-quick bench-guard bench-memory format format-check lint clean

all: build

deps:
	@scripts/deps.sh

$(BUILD_DIR)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/Makefile
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	scripts/run-example.sh $(BUILD_DIR)/fpmd

# Unit and engine tests (GoogleTest, no processes).
unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Process tests: fpmd started for real, spoken to over FastCGI, through nginx, and side
# by side with php-fpm8.2.
integration e2e peer: build
	$(PYTEST) tests/$@

# libFuzzer targets (docs/fuzzing.md): `fuzz` runs each for FUZZ_SECONDS (default 20, as in
# `make test`); `fuzz-long` for an hour each.
fuzz: deps
	JOBS=$(JOBS) scripts/fuzz.sh

fuzz-long: deps
	JOBS=$(JOBS) FUZZ_SECONDS=3600 scripts/fuzz.sh

# ASan + UBSan build of the GoogleTest suites.
sanitize: deps
	scripts/sanitize.sh

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	$(PYTEST) tests/integration tests/e2e tests/peer
	JOBS=$(JOBS) scripts/fuzz.sh

bench: build
	@scripts/deps.sh bench
	bench/run.sh full $(BUILD_DIR)

bench-quick: build
	@scripts/deps.sh bench
	bench/run.sh quick $(BUILD_DIR)

# The seeds' 1 GB server with php8.2-fpm and with fpmd, and the guard's cost, measured
# again into docs/benchmarks.md (the other sections are kept from the last full run).
bench-memory: build
	@scripts/deps.sh bench
	bench/run.sh full $(BUILD_DIR) --only seed_story guard_cost --update

# The memory guard's cost on a normal workload alone: guard on vs memory_reserve = 0.
bench-guard: build
	@scripts/deps.sh bench
	/usr/bin/python3 bench/guard_cost.py $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

format-check: deps
	scripts/check-format.sh

# ESLint (Debian's eslint, src/status/dashboard/.eslintrc.json) on the dashboard's script.
# Debian's eslint finds its modules in /usr/share/nodejs, which a Node.js not built by Debian
# (NodeSource's) does not search; its default formatter needs chalk, which the package does
# not pull in, hence NODE_PATH and the unix format.
lint:
	@scripts/deps.sh lint
	NODE_PATH=/usr/share/nodejs$${NODE_PATH:+:$$NODE_PATH} eslint --format unix \
	  --max-warnings 0 src/status/dashboard/
	@echo "lint: src/status/dashboard/*.js as eslint has them"

clean:
	rm -rf $(BUILD_DIR) build-fuzz build-asan
