#!/bin/sh
# Runs once, when the primary's data directory is created: a role for the replica's streaming
# connection, and the serving role's per-session defaults. These used to be sent when each
# connection opened; through PgBouncer in transaction mode they are the role's settings instead.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$REPLICATION_PASSWORD';
ALTER ROLE $POSTGRES_USER SET statement_timeout = '15s';
ALTER ROLE $POSTGRES_USER SET max_parallel_workers_per_gather = 0;
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
