#!/usr/bin/env bash
# Row counts of the tables that grow with traffic and are cleaned up by the Workers (docs/operations.md "Growing tables").
# Rerunnable, read-only. Usage: scripts/growing-tables.sh [postgres-connection-uri]
#   default: the run profile's database (scripts/run.sh); e.g. postgresql://souk:souk@127.0.0.1:55442/soukloop for another.
set -euo pipefail
uri="${1:-${SOUK_DATABASE_URL:-postgresql://souk:souk@127.0.0.1:${SOUK_RUN_PG_PORT:-55432}/soukloop}}"
psql "$uri" --no-psqlrc --quiet --pset=footer=off <<'SQL'
SELECT now() AS at,
       (SELECT count(*) FROM inbox_states)                                                   AS inbox_states,
       (SELECT count(*) FROM outbox_messages)                                                AS outbox_messages,
       (SELECT count(*) FROM scheduled_messages)                                             AS scheduled_messages,
       (SELECT count(*) FROM scheduled_messages WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL) AS scheduled_pending,
       (SELECT count(*) FROM scheduled_messages WHERE failed_at IS NOT NULL)                  AS scheduled_failed,
       (SELECT count(*) FROM stripe_events)                                                  AS stripe_events,
       (SELECT count(*) FROM push_deliveries)                                                AS push_deliveries;
SQL
