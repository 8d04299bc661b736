# SPDX-License-Identifier: MIT
# The two commands of the README. Both install what is missing first (scripts/setup.sh).
#   make run    build the release binary, load the demo shop into an embedded SQLite file
#               and serve it (jaego serve) with a demo admin whose password is printed
#   make test   build the sanitizer build and run the whole test suite through CTest

.PHONY: run test build setup bench clean

setup:
	./scripts/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release

# Where `make run` serves; e.g. make run LISTEN=0.0.0.0:8080 to open it to the network.
LISTEN ?= 127.0.0.1:8080

run: build
	rm -f demo.db demo.db-wal demo.db-shm
	./build/release/jaego --db demo.db demo
	@echo
	./build/release/jaego --db demo.db user add admin --role admin --generate-password
	@echo
	@echo "Open http://$(LISTEN)/ and log in as admin with the password above."
	@echo "Scripts: ./build/release/jaego --db demo.db token create NAME --role operator"
	./build/release/jaego --db demo.db serve --listen $(LISTEN)

test: setup
	cmake --preset debug >/dev/null
	cmake --build --preset debug
	ctest --preset debug

bench: build
	cmake --build build/release --target bench
	./bench/run.sh

clean:
	rm -rf build
