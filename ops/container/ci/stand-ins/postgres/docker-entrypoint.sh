#!/bin/sh
# The stand-in postgres entrypoint: on the first start (an empty $PGDATA) make the
# cluster (superuser POSTGRES_USER, POSTGRES_PASSWORD) and database POSTGRES_DB;
# then run the server as the postgres user, listening on every address.
set -eu

if [ "${1:-}" != postgres ]; then
    exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set for the first start}"
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" --encoding=UTF8 \
        --auth-local=trust --auth-host=scram-sha-256 > /dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    # On the Unix socket only, so that pg_isready over TCP does not count it ready.
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start > /dev/null
    if [ "$db" != postgres ]; then
        quoted=$(printf '%s' "$db" | sed 's/"/""/g')
        psql -v ON_ERROR_STOP=1 -q --username="$user" --dbname=postgres \
            -c "CREATE DATABASE \"$quoted\""
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
    echo "postgres stand-in: cluster made (user $user, database $db)"
fi

exec "$@"
