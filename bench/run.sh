#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs the benchmarks from the release build, each against its baseline in the same run;
# it builds nothing (`make bench` builds the release preset and the `bench` target, then
# runs this). docs/PERFORMANCE.md explains each figure.
#   ./bench/run.sh                  every benchmark
#   ./bench/run.sh stock xlsx       the ones named (stock, xlsx, import, sync, intake)
#   ./bench/run.sh --callgrind ...  also the stock engine's and the sync's instruction
#                                   counts on small runs under callgrind (stable numbers
#                                   for regressions)
# Stock-engine scratch files go to build/release/bench-data and are removed afterwards;
# the xlsx benchmark keeps its generated order files in bench/out, the import benchmark
# its ten channel files in bench/out/import_50000; the sync benchmark works in
# bench/out/sync and removes it afterwards; the intake benchmark works in
# build/release/bench-data/intake and removes it afterwards.
set -eu
cd "$(dirname "$0")/.."

bin=build/release/bench
data=build/release/bench-data
callgrind=0
which=""
for a in "$@"; do
	case "$a" in
	--callgrind) callgrind=1 ;;
	stock | xlsx | import | sync | intake) which="$which $a" ;;
	*) echo "usage: $0 [--callgrind] [stock] [xlsx] [import] [sync] [intake]" >&2; exit 2 ;;
	esac
done
[ -n "$which" ] || which="stock xlsx import sync intake"

need() {
	if [ ! -x "$bin/$1" ]; then
		echo "run.sh: $bin/$1 is missing: run 'make bench'" >&2
		exit 1
	fi
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "machine: $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(uname -sr)"

for b in $which; do
	case "$b" in
	stock)
		need bench_stock
		if ! command -v sqlite3 >/dev/null 2>&1; then
			echo "run.sh: the sqlite3 shell (the baseline) is missing: apt-get install sqlite3" >&2
			exit 1
		fi
		echo
		echo "== stock engine (baseline: sqlite3 shell $(sqlite3 -version | cut -d' ' -f1))"
		echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
		"$bin/bench_stock" --dir "$data"
		echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
		rmdir "$data" 2>/dev/null || true
		if [ "$callgrind" = 1 ]; then
			out="$data-callgrind.out"
			echo
			echo "instructions (callgrind; 1,000 SKUs, 10,000 listings, 10,000 order lines):"
			valgrind --tool=callgrind --callgrind-out-file="$out" \
				--toggle-collect=timed_batch --toggle-collect=timed_recompute \
				"$bin/bench_stock" --dir "$data" --no-baseline --skus 1000 \
				--listings 10000 --orders 10000 --singles 10 --recomputes 1 --repeats 1 \
				>/dev/null 2>&1
			callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
				awk '/:timed_batch / {printf "  batch of 10,000 order lines  %s Ir\n", $1}
				     /:timed_recompute / {printf "  full recompute               %s Ir\n", $1}'
			rm -f "$out"
			rmdir "$data" 2>/dev/null || true
		fi
		;;
	xlsx)
		need bench_xlsx
		echo
		echo "== xlsx reader (baseline: openpyxl, read-only)"
		"$bin/bench_xlsx" --dir bench/out
		;;
	import)
		need bench_import
		echo
		echo "== import of a day's order files (baseline: openpyxl + xlrd + csv + sqlite3)"
		echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
		"$bin/bench_import" --dir bench/out
		echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
		;;
	sync)
		need bench_sync
		if ! command -v sqlite3 >/dev/null 2>&1; then
			echo "run.sh: the sqlite3 shell (the baseline) is missing: apt-get install sqlite3" >&2
			exit 1
		fi
		echo
		echo "== sync plan and export (baseline: sqlite3 shell $(sqlite3 -version | cut -d' ' -f1))"
		echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
		"$bin/bench_sync" --dir bench/out/sync
		echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
		if [ "$callgrind" = 1 ]; then
			out="$data-sync-callgrind.out"
			echo
			echo "instructions (callgrind; 1,000 SKUs, 10,000 listings, 5,000 history lines):"
			valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=timed_sync \
				"$bin/bench_sync" --dir bench/out/sync-callgrind --no-baseline --skus 1000 \
				--listings 10000 --history 5000 --repeats 1 >/dev/null 2>&1
			callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
				awk '/:timed_sync / {printf "  plan + export                %s Ir\n", $1}
				     /:jg_sync_plan_make / {printf "    of which the plan          %s Ir\n", $1}'
			rm -f "$out"
		fi
		;;
	intake)
		need bench_intake
		echo
		echo "== order intake over HTTP (baseline: the same lines through the library, one durable transaction each)"
		echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
		"$bin/bench_intake" --dir "$data/intake"
		echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
		rmdir "$data" 2>/dev/null || true
		;;
	esac
done
