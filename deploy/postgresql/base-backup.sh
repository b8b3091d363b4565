#!/usr/bin/env bash
# A base backup of the votes cluster (run nightly by deploy/systemd/votes-base-backup.timer
# on the backup host, against the replica so the primary is spared). With WAL archiving it
# allows point-in-time recovery to any moment after the backup's end.
#   base-backup.sh [--host HOST] [--user USER] [--dir DIR] [--wal-archive DIR]
#                  [--keep-days N] [--prune-only] [--now TIME] [--dry-run]
# Defaults: PGHOST, PGUSER, VOTES_BASE_BACKUPS and VOTES_WAL_ARCHIVE, else
# db-replica.internal, replicator, /var/backups/votes/base and /var/backups/votes/wal.
# pg_basebackup reads the rest from libpq's variables: PGPORT (a replica not on 5432),
# PGPASSFILE (else ~/.pgpass), PGSSLMODE.
#
# After a backup succeeds, older ones are pruned (docs/deploy.md, "Backups"): kept are every
# backup of the last N days (--keep-days, VOTES_BASE_BACKUP_KEEP_DAYS, default 35), the
# first backup of each month from the month 13 months ago on, the last backup before that
# month (so every moment of the last 13 months has a backup before it), the newest backup,
# and the oldest backup taken after the WAL archive's oldest segment (the one the archive
# replays from). Without a readable WAL archive nothing is removed. --prune-only prunes
# without taking a backup; --dry-run prints the command and what would be removed, and
# changes nothing; --now (e.g. 2027-12-15T02:00:00Z) is the time pruning counts from.
set -euo pipefail

host=${PGHOST:-db-replica.internal}
user=${PGUSER:-replicator}
dir=${VOTES_BASE_BACKUPS:-/var/backups/votes/base}
wal=${VOTES_WAL_ARCHIVE:-/var/backups/votes/wal}
keep_days=${VOTES_BASE_BACKUP_KEEP_DAYS:-35}
dry=0
backup=1
now=
usage="usage: base-backup.sh [--host HOST] [--user USER] [--dir DIR] [--wal-archive DIR]
                      [--keep-days N] [--prune-only] [--now TIME] [--dry-run]"
while [ $# -gt 0 ]; do
    case $1 in
        --host) host=$2; shift 2 ;;
        --user) user=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --wal-archive) wal=$2; shift 2 ;;
        --keep-days) keep_days=$2; shift 2 ;;
        --prune-only) backup=0; shift ;;
        --now) now=$2; shift 2 ;;
        --dry-run) dry=1; shift ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done
if ! [[ $keep_days =~ ^[0-9]+$ ]] || [ "$keep_days" -lt 1 ]; then
    echo "base-backup: --keep-days must be a whole number of days, at least 1" >&2
    exit 2
fi
if [ -n "$now" ]; then
    now_epoch=$(date -u -d "$now" +%s) || { echo "base-backup: cannot read --now '$now'" >&2; exit 2; }
else
    now_epoch=$(date -u +%s)
fi

stamp() { date -u -d "@$1" +%Y%m%dT%H%M%SZ; }

# The backups in $dir, oldest first: folders named by the time they were taken that hold a
# base.tar.gz (anything else there is left alone).
backups() {
    local path name
    for path in "$dir"/*/; do
        name=$(basename "$path")
        if [[ $name =~ ^[0-9]{8}T[0-9]{6}Z$ ]] && [ -f "$path/base.tar.gz" ]; then
            printf '%s\n' "$name"
        fi
    done | LC_ALL=C sort
}

prune() {
    [ -d "$dir" ] || return 0
    if [ ! -d "$wal" ] || [ ! -r "$wal" ]; then
        echo "base-backup: not pruning: WAL archive $wal not found (set VOTES_WAL_ARCHIVE" \
             "or --wal-archive)" >&2
        return 0
    fi
    local names=() name
    mapfile -t names < <(backups)
    [ ${#names[@]} -gt 0 ] || return 0
    local -A keep=() month_seen=()
    keep[${names[-1]}]=1  # the newest
    local recent year month m cut anchor="" wal_from="" oldest
    recent=$(stamp $((now_epoch - keep_days * 86400)))
    year=$(date -u -d "@$now_epoch" +%Y)
    month=$(date -u -d "@$now_epoch" +%m)
    m=$((10#$year * 12 + 10#$month - 1 - 13))
    cut=$(printf '%04d%02d01T000000Z' $((m / 12)) $((m % 12 + 1)))
    # The archive's oldest segment (names sort by timeline, then position) and when it was
    # archived: the first backup taken after it is where the archive's replay starts.
    oldest=$(find "$wal" -maxdepth 1 -type f -regextype posix-extended \
                  -regex '.*/[0-9A-F]{24}' -printf '%f %T@\n' | LC_ALL=C sort | awk 'NR == 1')
    if [ -n "$oldest" ]; then
        wal_from=$(stamp "${oldest#* }")
    fi
    for name in "${names[@]}"; do
        if [[ ! $name < $recent ]]; then
            keep[$name]=1
        fi
        if [[ $name < $cut ]]; then
            anchor=$name
        elif [ -z "${month_seen[${name:0:6}]:-}" ]; then
            month_seen[${name:0:6}]=1
            keep[$name]=1
        fi
        if [ -n "$wal_from" ] && [[ ! $name < $wal_from ]]; then
            keep[$name]=1
            wal_from=""
        fi
    done
    if [ -n "$anchor" ]; then
        keep[$anchor]=1
    fi
    for name in "${names[@]}"; do
        if [ -n "${keep[$name]:-}" ]; then
            continue
        elif [ "$dry" = 1 ]; then
            echo "would remove $dir/$name"
        else
            rm -rf -- "${dir:?}/$name"
            echo "removed $dir/$name"
        fi
    done
}

if [ "$backup" = 1 ]; then
    target="$dir/$(date -u +%Y%m%dT%H%M%SZ)"
    cmd=(pg_basebackup --host "$host" --username "$user" --pgdata "$target" --format tar
         --gzip --wal-method stream --checkpoint fast --progress --verbose)
    if [ "$dry" = 1 ]; then
        printf '+ %q' "${cmd[0]}"; printf ' %q' "${cmd[@]:1}"; printf '\n'
    else
        mkdir -p -m 700 "$dir"
        "${cmd[@]}"
        echo "base backup written to $target"
    fi
fi
prune
