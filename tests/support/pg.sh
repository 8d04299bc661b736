#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A throwaway PostgreSQL cluster for the test run, from Debian's postgresql package:
#   pg.sh start STATE   initdb a new cluster in a fresh directory, start it listening on
#                       127.0.0.1 only (a free port, the Unix socket inside the cluster
#                       directory, fsync on), create the ordinary role `jaego` (no superuser,
#                       no BYPASSRLS) owning database `jaego`, and the role `jaego_bypass`
#                       (BYPASSRLS, which jaego must refuse). Writes the URLs to STATE/url
#                       and STATE/bypass_url and the cluster's path to STATE/dir.
#   pg.sh stop STATE    stops the cluster and removes its directory.
# Run as root, the server runs as the `postgres` system user (PostgreSQL refuses root).
# Any failure exits non-zero: the PostgreSQL tests then fail, they are never skipped.
set -eu

cmd=${1:?usage: pg.sh start|stop STATE}
state=${2:?usage: pg.sh start|stop STATE}
bindir=${JG_PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for v in 17 16 15 14 13; do
		if [ -x /usr/lib/postgresql/$v/bin/initdb ]; then
			bindir=/usr/lib/postgresql/$v/bin
			break
		fi
	done
fi
if [ -z "$bindir" ] && command -v pg_config >/dev/null 2>&1; then
	bindir=$(pg_config --bindir)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "pg.sh: no PostgreSQL server found (apt-get install postgresql)" >&2
	exit 1
fi

# Runs a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=postgres --regid=postgres --clear-groups -- "$@"
	else
		"$@"
	fi
}

stop() {
	[ -f "$state/dir" ] || return 0
	dir=$(cat "$state/dir")
	if [ -d "$dir/data" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	rm -f "$state/dir" "$state/url" "$state/bypass_url"
}

case $cmd in
stop)
	stop
	exit 0
	;;
start) ;;
*)
	echo "usage: pg.sh start|stop STATE" >&2
	exit 2
	;;
esac

mkdir -p "$state"
stop # a cluster a killed run left behind
dir=$(mktemp -d /tmp/jaego-pg.XXXXXX)
echo "$dir" >"$state/dir"
chmod 700 "$dir"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
owner=$(as_owner id -un)
pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')

as_owner "$bindir/initdb" -D "$dir/data" -U "$owner" --auth-local=peer \
	--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
	cat "$dir/initdb.log" >&2
	exit 1
}

started=
for try in 1 2 3 4 5 6 7 8; do
	port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
	if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" \
		start >/dev/null 2>&1; then
		started=1
		break
	fi
done
if [ -z "$started" ]; then
	echo "pg.sh: the PostgreSQL server did not start:" >&2
	cat "$dir/server.log" >&2 || true
	exit 1
fi

as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$owner" -d postgres <<SQL
CREATE ROLE jaego LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '$pw';
CREATE DATABASE jaego OWNER jaego;
CREATE ROLE jaego_bypass LOGIN NOSUPERUSER BYPASSRLS PASSWORD '$pw';
SQL

echo "postgres://jaego:$pw@127.0.0.1:$port/jaego" >"$state/url"
echo "postgres://jaego_bypass:$pw@127.0.0.1:$port/jaego" >"$state/bypass_url"
echo "pg.sh: PostgreSQL on 127.0.0.1:$port, cluster in $dir"
