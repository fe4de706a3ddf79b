# The two commands: `make run` serves the example site, `make test` runs every test.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PYTHON ?= /usr/bin/python3
CMAKE_FLAGS ?=

.PHONY: all deps build run test unit integration e2e peer fuzz clean format

all: build

deps:
	@scripts/deps.sh

$(BUILD_DIR)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/Makefile
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	scripts/run-example.sh $(BUILD_DIR)/fpmd

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

integration e2e peer: build
	FPMD_BIN=$(abspath $(BUILD_DIR)/fpmd) $(PYTHON) -m pytest -q tests/$@

fuzz: deps
	scripts/fuzz.sh

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	FPMD_BIN=$(abspath $(BUILD_DIR)/fpmd) $(PYTHON) -m pytest -q tests/integration tests/e2e tests/peer
	scripts/fuzz.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR) build-fuzz
