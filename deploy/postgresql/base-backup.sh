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
# and, if the WAL archive no longer reaches back to the oldest of those, the first backup
# it does reach. Then the WAL segments before the start of every kept backup are removed
# from the archive (none of them can be replayed); timeline history files stay. Without a
# readable WAL archive nothing is removed, and no WAL while any kept backup's start cannot
# be read. A backup folder without its backup_manifest (being written, or its run stopped)
# is neither counted nor removed, and a run holds the backup folder's flock while it writes
# and prunes. --prune-only prunes without taking a backup (and exits 1, removing nothing,
# while another run holds the lock); --dry-run prints the command and what would be
# removed, and changes nothing; --now (e.g. 2027-12-15T02:00:00Z) is the time pruning
# counts from.
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
# base.tar.gz and the backup_manifest pg_basebackup writes last, once the backup is whole
# (anything else there is left alone). A folder with no manifest yet is a backup still
# being written, or one whose run was stopped: counted, it would be the newest, and the
# backup newest until then could go.
backups() {
    local path name
    for path in "$dir"/*/; do
        path=${path%/}
        name=${path##*/}
        if [[ $name =~ ^[0-9]{8}T[0-9]{6}Z$ ]] && [ -f "$path/base.tar.gz" ]; then
            if [ -f "$path/backup_manifest" ]; then
                printf '%s\n' "$name"
            else
                echo "base-backup: $dir/$name is not counted: it has no backup_manifest" \
                     "(still being written, or its run was stopped); left alone" >&2
            fi
        fi
    done | LC_ALL=C sort
}

# A backup holds the backup folder's lock from before pg_basebackup starts until it has
# pruned, and a prune holds it while it removes: --prune-only (by hand, in a second
# shell) must not prune around a backup being written, nor two prunes interleave. A
# second backup waits its turn; --prune-only says so and removes nothing.
lock() {
    exec 9<"$dir"
    if flock -n 9; then
        return 0
    fi
    if [ "$backup" = 0 ]; then
        echo "base-backup: not pruning: a backup of $dir is being taken or pruned (its lock" \
             "is held); that run prunes when it ends" >&2
        exit 1
    fi
    echo "base-backup: another backup of $dir is being taken or pruned; waiting for it" >&2
    flock 9
}

# Where a backup's replay starts: the WAL segment its backup_label names. pg_basebackup
# writes that file first into base.tar.gz, so tar stops after a few blocks however large
# the backup. Empty when it cannot be read.
start_segment() {
    tar -xzOf "$dir/$1/base.tar.gz" --occurrence=1 backup_label 2>/dev/null |
        sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]\{24\}\))$/\1/p' || true
}

# Read once, and only for the backups pruning asks about: reading every label (a tar and a
# gzip each) made a prune of two years of nightly backups take half a minute.
load_start() {
    if [ -z "${starts[$1]+set}" ]; then
        starts[$1]=$(start_segment "$1")
    fi
}

# covered NAME: the archive holds the WAL from the backup's start on. Segments compare by
# position (the name after its 8 timeline digits): a restore follows the timelines from
# the backup's own. A backup whose label cannot be read is judged by when the archive's
# oldest segment was archived.
covered() {
    load_start "$1"
    local seg=${starts[$1]}
    if [ -n "$seg" ]; then
        [[ ! ${seg:8} < ${oldest:8} ]]
    else
        [[ ! $1 < $oldest_stamp ]]
    fi
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
    local -A keep=() month_seen=() starts=()
    keep[${names[-1]}]=1  # the newest
    local recent year month m cut anchor="" oldest="" oldest_at="" oldest_stamp="" first_kept=""
    recent=$(stamp $((now_epoch - keep_days * 86400)))
    year=$(date -u -d "@$now_epoch" +%Y)
    month=$(date -u -d "@$now_epoch" +%m)
    m=$((10#$year * 12 + 10#$month - 1 - 13))
    cut=$(printf '%04d%02d01T000000Z' $((m / 12)) $((m % 12 + 1)))
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
    done
    if [ -n "$anchor" ]; then
        keep[$anchor]=1
    fi
    # If the archive no longer reaches back to the oldest backup kept (pruned by hand, or
    # lost), that backup cannot be replayed: keep the first one the archive does reach.
    read -r oldest oldest_at < <(find "$wal" -maxdepth 1 -type f -regextype posix-extended \
        -regex '.*/[0-9A-F]{24}' -printf '%f %T@\n' | LC_ALL=C sort -k1.9,1 | awk 'NR == 1') \
        || true
    if [ -n "$oldest" ]; then
        oldest_stamp=$(stamp "${oldest_at%.*}")
    fi
    for name in "${names[@]}"; do
        if [ -n "${keep[$name]:-}" ]; then
            first_kept=$name
            break
        fi
    done
    if [ -n "$oldest" ] && ! covered "$first_kept"; then
        for name in "${names[@]}"; do
            if [[ $name > $first_kept ]] && covered "$name"; then
                keep[$name]=1
                break
            fi
        done
    fi
    local gone=()
    for name in "${names[@]}"; do
        if [ -z "${keep[$name]:-}" ]; then
            gone+=("$name")
        fi
    done
    if [ ${#gone[@]} -eq 0 ]; then
        :
    elif [ "$dry" = 1 ]; then
        for name in "${gone[@]}"; do
            echo "would remove $dir/$name"
        done
    else
        # One rm for them all: a first prune of a year of backups forked one rm each.
        (cd -- "${dir:?}" && rm -rf -- "${gone[@]}")
        for name in "${gone[@]}"; do
            echo "removed $dir/$name"
        done
    fi
    prune_wal
}

# The WAL before the start of every kept backup is replayed by none of them: remove it
# (what pg_archivecleanup does with a .backup file, but a backup of the replica leaves no
# .backup file in the archive, and pg_archivecleanup is not in the client package).
# Timeline history files stay: a restore reads them to follow the timelines.
prune_wal() {
    local name seg from="" file count=0
    for name in "${!keep[@]}"; do
        load_start "$name"
        seg=${starts[$name]}
        if [ -z "$seg" ]; then
            echo "base-backup: not pruning WAL: cannot read where $dir/$name starts" \
                 "(backup_label in its base.tar.gz)" >&2
            return 0
        fi
        if [ -z "$from" ] || [[ ${seg:8} < ${from:8} ]]; then
            from=$seg
        fi
    done
    while IFS= read -r file; do
        if [[ ${file:8:16} < ${from:8} ]]; then
            count=$((count + 1))
            if [ "$dry" = 0 ]; then
                rm -f -- "${wal:?}/$file"
            fi
        fi
    done < <(find "$wal" -maxdepth 1 -type f -regextype posix-extended \
                  -regex '.*/[0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?' -printf '%f\n')
    if [ "$count" -gt 0 ]; then
        if [ "$dry" = 1 ]; then
            echo "would remove $count WAL files from $wal (those before $from," \
                 "where the oldest kept backup starts)"
        else
            echo "removed $count WAL files from $wal (those before $from," \
                 "where the oldest kept backup starts)"
        fi
    fi
}

if [ "$dry" = 0 ]; then
    if [ "$backup" = 1 ]; then
        (umask 077 && mkdir -p "$dir")  # -m would apply to the last folder only
    fi
    if [ -d "$dir" ]; then
        lock
    fi
fi
if [ "$backup" = 1 ]; then
    # Named once the lock is held: a run that waited is named by when it starts writing.
    target="$dir/$(date -u +%Y%m%dT%H%M%SZ)"
    cmd=(pg_basebackup --host "$host" --username "$user" --pgdata "$target" --format tar
         --gzip --wal-method stream --checkpoint fast --progress --verbose)
    if [ "$dry" = 1 ]; then
        printf '+ %q' "${cmd[0]}"; printf ' %q' "${cmd[@]:1}"; printf '\n'
    else
        "${cmd[@]}"
        echo "base backup written to $target"
    fi
fi
prune
