# Shared by check-image and check-release (sourced, not run).
# shellcheck shell=bash

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # used by the scripts that source this
ROOT=$(cd "$HERE/../.." && pwd)
CHECK=$(basename "$0")
STARTED=$SECONDS
TIMINGS=()
HEALTH_DRIVER_PID=

say() { echo "$CHECK: $*"; }
fail() { echo "$CHECK: FAILED: $*" >&2; exit 1; }

_mark=$SECONDS # mark STEP: how long since the previous mark
mark() { TIMINGS+=("$1 $((SECONDS - _mark))s"); _mark=$SECONDS; }
print_timings() { say "timings: ${TIMINGS[*]:-none}; total $((SECONDS - STARTED))s"; }

# The caller's engine variables if that engine answers, else ops/container/engine's.
ensure_engine() {
  local exports
  if [[ -z ${INVENTORY_CONTAINER_ENGINE:-} ]] || ! timeout 20 docker info >/dev/null 2>&1; then
    exports=$("$HERE/engine") || fail "ops/container/engine could not prepare a container engine"
    eval "$exports"
  fi
  timeout 20 docker info >/dev/null 2>&1 || fail "docker info fails (DOCKER_HOST=${DOCKER_HOST:-unset})"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_health_driver FILTER (podman only): every 2 s for at most 10 minutes,
# run the health checks of the `podman ps --filter FILTER` containers. Podman
# runs them from systemd timers; with no systemd, health stays "starting".
start_health_driver() {
  [[ $INVENTORY_CONTAINER_ENGINE == podman ]] || return 0
  local deadline=$((SECONDS + 600)) id
  while ((SECONDS < deadline)) && kill -0 $$ 2>/dev/null; do
    for id in $(podman ps -q --filter health=starting --filter "$1" 2>/dev/null); do
      podman healthcheck run "$id" >/dev/null 2>&1 || true
    done
    sleep 2
  done &
  HEALTH_DRIVER_PID=$!
}

stop_health_driver() {
  [[ -z $HEALTH_DRIVER_PID ]] || { kill "$HEALTH_DRIVER_PID" && wait "$HEALTH_DRIVER_PID"; } 2>/dev/null || true
  HEALTH_DRIVER_PID=
}

# logged SECONDS WHAT COMMAND...: run it, its output in $LOG; on failure show
# the end of that output and fail with "WHAT failed".
logged() {
  local seconds=$1 what=$2
  shift 2
  timeout "$seconds" "$@" >"$LOG" 2>&1 || { tail -40 "$LOG" >&2; fail "$what failed"; }
}

# wait_resolves CONTAINER HOST SECONDS: until HOST resolves in CONTAINER within
# 3 s. Podman's DNS (aardvark-dns) can leave a lookup hanging for up to 30 s just
# after the last container of a project joined its network.
wait_resolves() {
  local container=$1 host=$2 deadline=$((SECONDS + $3))
  until timeout 3 docker exec "$container" python3 -c \
    "import socket; socket.getaddrinfo('$host', None)" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$host did not resolve in $container within $3s"
    sleep 1
  done
}

# wait_healthy CONTAINER SECONDS: until its health is "healthy"; fails on
# "unhealthy", on the container stopping, or after SECONDS.
wait_healthy() {
  local container=$1 seconds=$2 deadline=$((SECONDS + $2)) state status=unknown
  while ((SECONDS < deadline)); do
    read -r state status < <(docker inspect --format \
      '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$container" \
      2>/dev/null || echo gone unknown)
    case $status in
      healthy) return 0 ;;
      unhealthy) fail "$container is unhealthy" ;;
      none) fail "$container has no health check (an image built without --format docker on podman?)" ;;
    esac
    [[ $state == running || $state == created ]] || fail "$container is $state, not running"
    sleep 1
  done
  fail "$container was not healthy within ${seconds}s (health: $status)"
}
