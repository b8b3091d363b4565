#!/usr/bin/env bash
# A base backup of the votes cluster (run nightly by deploy/systemd/votes-base-backup.timer
# on the backup host, against the replica so the primary is spared). With WAL archiving it
# allows point-in-time recovery to any moment after the backup's end.
#   base-backup.sh [--host HOST] [--user USER] [--dir DIR] [--dry-run]
# Defaults: PGHOST, PGUSER and VOTES_BASE_BACKUPS, else db-replica.internal, replicator and
# /var/backups/votes/base. pg_basebackup reads the rest from libpq's variables: PGPORT (a
# replica not on 5432), PGPASSFILE (else ~/.pgpass), PGSSLMODE.
set -euo pipefail

host=${PGHOST:-db-replica.internal}
user=${PGUSER:-replicator}
dir=${VOTES_BASE_BACKUPS:-/var/backups/votes/base}
dry=0
while [ $# -gt 0 ]; do
    case $1 in
        --host) host=$2; shift 2 ;;
        --user) user=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --dry-run) dry=1; shift ;;
        *) echo "usage: base-backup.sh [--host HOST] [--user USER] [--dir DIR] [--dry-run]" >&2
           exit 2 ;;
    esac
done

target="$dir/$(date -u +%Y%m%dT%H%M%SZ)"
cmd=(pg_basebackup --host "$host" --username "$user" --pgdata "$target" --format tar --gzip
     --wal-method stream --checkpoint fast --progress --verbose)
if [ "$dry" = 1 ]; then
    printf '+ %q' "${cmd[0]}"; printf ' %q' "${cmd[@]:1}"; printf '\n'
    exit 0
fi
mkdir -p -m 700 "$dir"
"${cmd[@]}"
echo "base backup written to $target"
