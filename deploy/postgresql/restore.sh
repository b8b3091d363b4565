#!/usr/bin/env bash
# Restore the votes cluster from a base backup (base-backup.sh) plus the WAL archive
# (archive-wal.sh), up to the end of the archive or to --target-time.
#
#   restore.sh --backup DIR --wal-archive DIR --pgdata DIR [--target-time TIME] [--dry-run]
#
# It refuses a non-empty --pgdata: move the damaged cluster aside first (keep it until the
# restored one is verified). It refuses a backup folder without the backup_manifest
# pg_basebackup writes last (a backup still being written, or one whose run was stopped),
# naming the newest finished one beside it. With pg_verifybackup (on PATH, or in a
# /usr/lib/postgresql/*/bin) it checks the unpacked backup against its manifest, and on a
# mismatch empties --pgdata again and exits 1. It does not start PostgreSQL; it prints what
# to do next. --dry-run prints every step and changes nothing.
set -euo pipefail

usage() {
    echo "usage: restore.sh --backup DIR --wal-archive DIR --pgdata DIR" \
         "[--target-time 'YYYY-MM-DD HH:MM:SS+08'] [--dry-run]" >&2
    exit 2
}

backup="" archive="" pgdata="" target_time="" dry=0
while [ $# -gt 0 ]; do
    case $1 in
        --backup) backup=${2:-}; shift 2 || usage ;;
        --wal-archive) archive=${2:-}; shift 2 || usage ;;
        --pgdata) pgdata=${2:-}; shift 2 || usage ;;
        --target-time) target_time=${2:-}; shift 2 || usage ;;
        --dry-run) dry=1; shift ;;
        *) usage ;;
    esac
done
if [ -z "$backup" ] || [ -z "$archive" ] || [ -z "$pgdata" ]; then
    usage
fi

fail() { echo "restore: $*" >&2; exit 1; }
run() {
    printf '+'; printf ' %q' "$@"; printf '\n'
    if [ "$dry" = 0 ]; then "$@"; fi
}
write() {  # write FILE TEXT: append a line to a file (shown in a dry run)
    printf '+ echo %q >> %q\n' "$2" "$1"
    if [ "$dry" = 0 ]; then printf '%s\n' "$2" >> "$1"; fi
}

[ -f "$backup/base.tar.gz" ] || fail "$backup/base.tar.gz not found (a base-backup.sh folder?)"
# The newest folder beside the chosen one that base-backup.sh counts as a backup.
newest_finished() {
    local path name found=""
    for path in "$(dirname "$backup")"/*/; do
        name=$(basename "$path")
        if [[ $name =~ ^[0-9]{8}T[0-9]{6}Z$ ]] && [ -f "$path/base.tar.gz" ] \
           && [ -f "$path/backup_manifest" ] && [[ $name > $found ]]; then
            found=$name
        fi
    done
    [ -z "$found" ] || printf '%s\n' "$(dirname "$backup")/$found"
}
if [ ! -f "$backup/backup_manifest" ]; then
    finished=$(newest_finished)
    fail "$backup has no backup_manifest, which pg_basebackup writes last: it is a backup" \
         "still being written, or one whose run was stopped, and may be missing files." \
         "${finished:+The newest finished backup is $finished.}" \
         "${finished:-There is no finished backup beside it.}"
fi
[ -d "$archive" ] || fail "WAL archive $archive not found"
if [ -e "$pgdata" ] && [ -n "$(ls -A "$pgdata" 2>/dev/null)" ]; then
    fail "$pgdata is not empty: move the old cluster aside first (mv $pgdata $pgdata.broken)"
fi
if [ -n "$target_time" ] && ! date -d "$target_time" >/dev/null 2>&1; then
    fail "--target-time '$target_time' is not a time"
fi

# pg_verifybackup of PostgreSQL 15 reads plain backups only: the backup is checked once
# unpacked, before anything of the restore's own is written there.
verifier=$(command -v pg_verifybackup || true)
if [ -z "$verifier" ]; then
    verifier=$(find /usr/lib/postgresql -path '*/bin/pg_verifybackup' 2>/dev/null \
               | sort -V | tail -n 1)
fi

# Until the backup has been unpacked and verified, a failure leaves --pgdata as it was
# found (empty, or absent): the next try, from another backup, must not be refused for it.
made=0
[ -e "$pgdata" ] || made=1
unwind() {
    if [ "$dry" = 0 ] && [ -d "$pgdata" ]; then
        find "$pgdata" -mindepth 1 -delete
        if [ "$made" = 1 ]; then rmdir "$pgdata"; fi
        echo "restore: $pgdata emptied again" >&2
    fi
}
trap unwind EXIT
run mkdir -p -m 700 "$pgdata"
run chmod 700 "$pgdata"
run tar -xzf "$backup/base.tar.gz" -C "$pgdata"
if [ -f "$backup/pg_wal.tar.gz" ]; then
    run mkdir -p -m 700 "$pgdata/pg_wal"
    run tar -xzf "$backup/pg_wal.tar.gz" -C "$pgdata/pg_wal"
fi
if [ -n "$verifier" ]; then
    if ! run "$verifier" --manifest-path "$backup/backup_manifest" "$pgdata"; then
        fail "$backup does not match its backup_manifest (pg_verifybackup, above): it is" \
             "damaged; restore from the backup before it"
    fi
else
    echo "restore: pg_verifybackup not found (it is in the PostgreSQL server package's bin):" \
         "$backup is restored unverified" >&2
fi
trap - EXIT
# A backup taken from the replica (base-backup.sh's default) holds its standby.signal, which
# wins over recovery.signal: the restored cluster would follow the live primary (with the
# replica's primary_conninfo and name) as one more standby instead of ending its recovery.
run rm -f "$pgdata/standby.signal"
conf="$pgdata/postgresql.auto.conf"
write "$conf" "restore_command = 'cp \"$archive/%f\" \"%p\"'"
# Not into the archive it restores from: at the end of recovery the cluster takes a new
# timeline, and the next restore follows the newest timeline in the archive. A rehearsal
# (or a restore that is then abandoned) archiving there would make every later restore
# follow it and drop what the primary wrote since. Turned on again in step 3 below.
write "$conf" "archive_mode = off"
# The backup's postgresql.conf names the old cluster's synchronous standbys (docs/deploy.md):
# none follows the restored cluster, so every commit would wait for ever once it is out of
# recovery. Asynchronous until a replica follows it (step 3 below).
write "$conf" "synchronous_standby_names = ''"
if [ -n "$target_time" ]; then
    write "$conf" "recovery_target_time = '$target_time'"
    write "$conf" "recovery_target_action = 'promote'"
fi
run touch "$pgdata/recovery.signal"

cat <<NEXT
Next:
  1. chown -R postgres:postgres $pgdata, then start PostgreSQL on it and watch its log
     until "archive recovery complete" (or the target time) appears.
  2. Check the restored cluster, not the database the app hosts' VOTES_DATABASE_URL still
     names (the old one, until step 3). On an app host, as root, write the restored
     cluster's URL (the app's, with the restored cluster's host and port) into a file only
     root reads, so that its password is on no command line (ps, shell history):
       (umask 077; sed -n 's|^VOTES_DATABASE_URL=\([a-z+]*://\([^@/]*@\)\{0,1\}\)[^/]*|VOTES_DATABASE_URL=\1RESTORED-HOST:5432|p' \\
         /etc/votes/votes.env > /etc/votes/restored.env)
     and run the checks with the app's settings, that file after them (its URL wins):
       systemd-run --pipe --wait -p EnvironmentFile=/etc/votes/votes.env \\
         -p EnvironmentFile=/etc/votes/restored.env -p User=votes \\
         -p WorkingDirectory=/opt/votes /opt/votes/.venv/bin/votes doctor
     Its line "数据库可连接 …" must name RESTORED-HOST (the old host: restored.env is empty).
     Then, the same way, export each vote open or closed since the backup:
       systemd-run --pipe --wait -p EnvironmentFile=/etc/votes/votes.env \\
         -p EnvironmentFile=/etc/votes/restored.env -p User=votes \\
         -p WorkingDirectory=/opt/votes /opt/votes/.venv/bin/votes export ID -o /var/lib/votes/ID.zip
     verify it (anywhere): votes verify ID.zip --keys votes-keys.json
     and remove the file: rm /etc/votes/restored.env
  3. Only if it is to replace the primary (never after a rehearsal): turn WAL archiving
     on again, restart it, and take a new base backup (base-backup.sh):
       psql -c 'ALTER SYSTEM RESET archive_mode'   # restore.sh turned it off
     Then point VOTES_DATABASE_URL (or the primary's DNS name) at it and start the app.
     It commits without waiting for a standby (restore.sh set synchronous_standby_names
     to ''): make its replicas (pg_basebackup, docs/deploy.md) and, once one follows it,
       psql -c 'ALTER SYSTEM RESET synchronous_standby_names' -c 'SELECT pg_reload_conf()'
NEXT
