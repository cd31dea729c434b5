#!/bin/sh
# The stand-in redis image's entrypoint: `redis-server [options]` runs as the
# redis user with protected mode off; any other command runs as given.
set -eu

if [ "${1:-}" = redis-server ]; then
    if [ "$(id -u)" = 0 ]; then
        exec setpriv --reuid=redis --regid=redis --init-groups "$@" --protected-mode no
    fi
    exec "$@" --protected-mode no
fi
exec "$@"
