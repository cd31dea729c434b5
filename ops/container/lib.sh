# Shared by check-image and check-compose (sourced, not run).
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

# Record how long the step since the previous mark took.
_mark=$SECONDS
mark() { TIMINGS+=("$1 $((SECONDS - _mark))s"); _mark=$SECONDS; }
print_timings() { say "timings: ${TIMINGS[*]:-none}; total $((SECONDS - STARTED))s"; }

# The engine's variables: those the caller evaluated if that engine answers,
# else ops/container/engine's (which starts podman's service again if need be).
ensure_engine() {
  if [[ -z ${INVENTORY_CONTAINER_ENGINE:-} ]] || ! timeout 20 docker info >/dev/null 2>&1; then
    local exports
    exports=$("$HERE/engine") || fail "ops/container/engine could not prepare a container engine"
    eval "$exports"
  fi
  timeout 20 docker info >/dev/null 2>&1 || fail "docker info fails (DOCKER_HOST=${DOCKER_HOST:-unset})"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# podman only: run the health checks of the matching containers (see health-driver).
start_health_driver() {
  [[ $INVENTORY_CONTAINER_ENGINE == podman ]] || return 0
  "$HERE/health-driver" --seconds "${HEALTH_DRIVER_SECONDS:-600}" "$@" &
  HEALTH_DRIVER_PID=$!
}

stop_health_driver() {
  if [[ -n $HEALTH_DRIVER_PID ]]; then
    kill "$HEALTH_DRIVER_PID" 2>/dev/null || true
    wait "$HEALTH_DRIVER_PID" 2>/dev/null || true
    HEALTH_DRIVER_PID=
  fi
}

# wait_resolves CONTAINER HOST SECONDS: until HOST's name resolves in CONTAINER
# within 2 s. Podman's DNS (aardvark-dns) can leave a lookup hanging for up to
# 30 s just after the last container of a project joined its network: a
# process started then cannot even look up its database.
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
  local container=$1 seconds=$2 deadline status state
  deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    state=$(docker inspect --format '{{.State.Status}}' "$container" 2>/dev/null) || state=gone
    status=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' \
      "$container" 2>/dev/null) || status=unknown
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
