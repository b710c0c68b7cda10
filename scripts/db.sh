#!/usr/bin/env bash
# gridgov's private PostgreSQL 15 + PostGIS 3 + pgRouting cluster, for `make run` and `make test`.
#
#   scripts/db.sh up      install packages if missing (as root), create the cluster under .data/, start it on
#                         127.0.0.1:55432, create the databases with their extensions, print the DSN
#   scripts/db.sh down    stop it (by its pid file)
#   scripts/db.sh reset   stop it, delete it, bring it up empty
#   scripts/db.sh status  say whether it runs
#
# Idempotent: `up` on a running, current cluster only prints the DSN. A cluster whose server binaries or extension
# libraries were upgraded under it (apt) is restarted so that it runs the installed code.
# Environment: GRIDGOV_DB_PORT (55432), GRIDGOV_DB_DIR (.data/pg), GRIDGOV_DB_NAMES ("gridgov gridgov_test").
set -euo pipefail

PGVER=15
BIN=/usr/lib/postgresql/$PGVER/bin
EXT=/usr/share/postgresql/$PGVER/extension
LIB=/usr/lib/postgresql/$PGVER/lib
PACKAGES="postgresql-$PGVER postgresql-$PGVER-postgis-3 postgresql-$PGVER-pgrouting"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
port=${GRIDGOV_DB_PORT:-55432}
datadir=${GRIDGOV_DB_DIR:-$root/.data/pg}
dbnames=${GRIDGOV_DB_NAMES:-gridgov gridgov_test}
superuser=gridgov
logfile=$(dirname "$datadir")/pg.log
stamp=$(dirname "$datadir")/pg.started

say() { echo "db: $*" >&2; }
die() { say "$*"; exit 1; }

# As root, the server runs as the unprivileged 'postgres' account (PostgreSQL refuses to run as root).
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

installed() {
	[ -x "$BIN/initdb" ] && [ -x "$BIN/pg_ctl" ] && [ -f "$EXT/postgis.control" ] && [ -f "$EXT/pgrouting.control" ]
}

install_packages() {
	installed && return 0
	if [ "$(id -u)" != 0 ]; then
		die "PostgreSQL $PGVER with PostGIS 3 and pgRouting is not installed. Run as root:
    apt-get update && apt-get install -y $PACKAGES
then run this again."
	fi
	say "installing $PACKAGES (apt)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	# Keep Debian from creating and starting its own cluster on 5432: gridgov only needs the binaries.
	mkdir -p /etc/postgresql-common/createcluster.d
	[ -f /etc/postgresql-common/createcluster.d/gridgov.conf ] ||
		echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/gridgov.conf
	apt-get install -y -qq $PACKAGES >&2
	installed || die "packages installed but $BIN/initdb or the postgis/pgrouting extensions are still missing"
}

pid() {
	[ -f "$datadir/postmaster.pid" ] || return 1
	local p
	p=$(head -n 1 "$datadir/postmaster.pid")
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}

# The running server is stale when its binary or an extension library is newer than its start.
stale() {
	[ -f "$stamp" ] || return 0
	local f
	for f in "$BIN/postgres" "$LIB"/postgis-3.so "$LIB"/libpgrouting-*.so; do
		[ -e "$f" ] && [ "$f" -nt "$stamp" ] && return 0
	done
	local p
	p=$(pid) || return 1
	[[ "$(readlink "/proc/$p/exe" 2>/dev/null)" == *"(deleted)"* ]] && return 0
	return 1
}

init_cluster() {
	[ -f "$datadir/PG_VERSION" ] && return 0
	mkdir -p "$datadir"
	if [ "$(id -u)" = 0 ]; then
		# The postgres account must reach the data directory; a checkout under a private home may not let it.
		if ! runuser -u postgres -- test -x "$(dirname "$datadir")"; then
			local elsewhere
			elsewhere=/var/lib/gridgov/$(echo "$datadir" | md5sum | cut -c1-12)
			say "postgres cannot enter $(dirname "$datadir"); keeping the cluster in $elsewhere"
			rmdir "$datadir"
			mkdir -p "$elsewhere"
			ln -s "$elsewhere" "$datadir"
		fi
		chown -R postgres:postgres "$datadir/"
		touch "$logfile" && chown postgres:postgres "$logfile"
	fi
	chmod 700 "$datadir/"
	say "creating cluster in $datadir"
	as_owner "$BIN/initdb" -D "$datadir/" -U "$superuser" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	cat >>"$datadir/postgresql.conf" <<EOF
# gridgov: a private cluster on loopback only
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
shared_buffers = 256MB
max_connections = 200
synchronous_commit = on
fsync = on
EOF
}

start() {
	if pid >/dev/null; then
		if stale; then
			say "server packages changed under the running cluster; restarting"
			as_owner "$BIN/pg_ctl" -D "$datadir/" -m fast -w stop >/dev/null
		else
			return 0
		fi
	fi
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		# Another gridgov cluster (say, of a second checkout) already serves this port: share it.
		if psql_ -d postgres -Atc "SELECT 1" >/dev/null 2>&1; then
			say "another gridgov cluster already serves 127.0.0.1:$port; using it"
			return 0
		fi
		die "port $port on 127.0.0.1 is taken by another program; set GRIDGOV_DB_PORT to a free port"
	fi
	[ "$(id -u)" = 0 ] && { touch "$logfile"; chown postgres:postgres "$logfile"; }
	as_owner "$BIN/pg_ctl" -D "$datadir/" -l "$logfile" -w -t 60 start >/dev/null ||
		die "the server did not start; see $logfile"
	touch "$stamp"
}

psql_() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$superuser" "$@"; }

create_databases() {
	local db
	for db in $dbnames; do
		if [ -z "$(psql_ -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
			psql_ -d postgres -c "CREATE DATABASE $db"
		fi
		psql_ -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pgrouting;" 2>/dev/null ||
			psql_ -d "$db" -c "ALTER EXTENSION postgis UPDATE; ALTER EXTENSION pgrouting UPDATE;"
	done
}

stop() {
	if pid >/dev/null; then
		as_owner "$BIN/pg_ctl" -D "$datadir/" -m fast -w stop >/dev/null
		say "stopped"
	else
		say "not running"
	fi
}

case "${1:-up}" in
up)
	install_packages
	init_cluster
	start
	create_databases
	echo "postgres://$superuser@127.0.0.1:$port/gridgov?sslmode=disable"
	;;
down) stop ;;
reset)
	stop
	rm -rf "$(readlink -f "$datadir")" "$datadir" "$stamp"
	"$0" up
	;;
status)
	if p=$(pid); then say "running (pid $p) on 127.0.0.1:$port"; else say "not running"; exit 1; fi
	;;
*) die "usage: $0 up|down|reset|status" ;;
esac
