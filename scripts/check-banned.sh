#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Fails when C sources call a banned function (STYLE.md): unsafe string calls, the ato*
# family, alloca, and raw malloc/calloc/realloc/free outside the allocator choke point.
# A line may opt out with a trailing "banned-ok" comment (the choke point itself does).
set -eu
cd "$(dirname "$0")/.."

dirs="src"
[ -n "${1:-}" ] && dirs="$*"

pattern='(^|[^A-Za-z0-9_.>])(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atof|strncpy|alloca|malloc|calloc|realloc|free)[[:space:]]*\('

found=$(grep -rnE "$pattern" --include='*.c' --include='*.h' $dirs | grep -v 'banned-ok' |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)' || true)

if [ -n "$found" ]; then
	echo "banned calls found (see STYLE.md):"
	echo "$found"
	exit 1
fi
echo "no banned calls in $dirs"
