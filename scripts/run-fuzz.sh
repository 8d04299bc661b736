#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Runs a libFuzzer target for a bounded time from a scratch copy of its committed seed
# corpus (so the fuzzer's new inputs never land in the tree), then replays the seeds once
# on their own. Fails when the fuzzer finds a crash, a leak or a broken promise.
#   run-fuzz.sh FUZZER SEED_DIR SECONDS
set -euo pipefail
fuzzer=$1
seeds=$2
secs=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/jaego-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
"$fuzzer" -runs=0 "$seeds"/*
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" 2>&1 | tail -n 15
if [ -n "$(ls "$work/artifacts")" ]; then
	echo "the fuzzer left crash inputs:"
	ls -l "$work/artifacts"
	exit 1
fi
