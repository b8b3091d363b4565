#!/usr/bin/env bash
# PostgreSQL archive_command: copy one finished WAL segment into the archive, durably.
#   archive_command = '/opt/votes/deploy/postgresql/archive-wal.sh %p %f'
# Exit 0 only once the segment is safely stored; PostgreSQL retries otherwise and keeps
# the segment. A segment already archived with the same content is fine (a retry after a
# crash); a different file under the same name is an error that needs a human.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: archive-wal.sh WAL_PATH WAL_NAME   (archive: \$VOTES_WAL_ARCHIVE)" >&2
    exit 2
fi
src=$1
name=$2
archive=${VOTES_WAL_ARCHIVE:-/var/backups/votes/wal}

case $name in
    */* | .* | "") echo "archive-wal: refusing WAL name '$name'" >&2; exit 1 ;;
esac
if [ -e "$archive/$name" ]; then
    if cmp -s "$src" "$archive/$name"; then
        exit 0
    fi
    echo "archive-wal: $archive/$name exists with different content" >&2
    exit 1
fi
tmp="$archive/.$name.partial"
cp "$src" "$tmp"
sync "$tmp"
mv "$tmp" "$archive/$name"
sync "$archive"
