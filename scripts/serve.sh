#!/bin/sh
# Starts the built service (`node dist/main.js`, or the entry given) with its memory sized for the
# container or machine it runs in, replacing this shell (same process id, signals go straight to
# Node):
# - V8's old generation is capped at half the cgroup's memory limit (64 MiB to 4 GiB), or at
#   SERVE_DEFAULT_HEAP_MB (default 160) without a limit; V8 otherwise grows it lazily towards a
#   quarter of the host's memory. A --max-old-space-size in NODE_OPTIONS wins.
# - glibc hands allocations of 4 MiB and more (an argon2 hash's 19 MiB) back to the system when
#   they are freed, and keeps at most two malloc arenas, instead of parking each hash's memory in
#   the arena of whichever thread-pool thread ran it.
# Extra Node flags (say --cpu-prof) go in NODE_ARGS.
set -eu
entry=${1:-dist/main.js}

cgroup_limit_mb() {
  root=${SERVE_CGROUP_DIR:-/sys/fs/cgroup}
  for file in "$root/memory.max" "$root/memory/memory.limit_in_bytes"; do
    [ -r "$file" ] || continue
    value=$(cat "$file")
    case "$value" in '' | max | *[!0-9]*) continue ;; esac
    # cgroup v1 writes "no limit" as a number near 2^63: anything above 1 TiB is no limit.
    [ "$value" -lt 1099511627776 ] && echo $((value / 1048576)) && return 0
  done
  return 1
}

heap=""
case " ${NODE_OPTIONS:-} " in
  *max-old-space-size*) ;;
  *)
    if limit=$(cgroup_limit_mb); then
      heap=$((limit / 2))
      [ "$heap" -lt 64 ] && heap=64
      [ "$heap" -gt 4096 ] && heap=4096
    else
      heap=${SERVE_DEFAULT_HEAP_MB:-160}
    fi
    ;;
esac

export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-4194304}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
# shellcheck disable=SC2086 # NODE_ARGS is a list of flags
exec node ${heap:+--max-old-space-size=$heap} ${NODE_ARGS:-} "$entry"
