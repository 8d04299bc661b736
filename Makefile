# SPDX-License-Identifier: MIT
# The two commands of the README. Both install what is missing first (scripts/setup.sh).
#   make run    build the release binary and run the demo shop on an embedded SQLite file
#   make test   build the sanitizer build and run the whole test suite through CTest

.PHONY: run test build setup bench clean

setup:
	./scripts/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release

run: build
	rm -f demo.db demo.db-wal demo.db-shm
	./build/release/jaego --db demo.db demo
	@echo
	@echo "Try: ./build/release/jaego --db demo.db listing list --channel coupang"

test: setup
	cmake --preset debug >/dev/null
	cmake --build --preset debug
	ctest --preset debug

bench: build
	cmake --build build/release --target bench
	./bench/run.sh

clean:
	rm -rf build
