#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume (the image runs
# every script in /docker-entrypoint-initdb.d as $POSTGRES_USER, a superuser).
#
# Berth connects as its own role: not a superuser, owning only its database. A connector
# that reached this server could then do no more than Berth's role may (and Berth refuses
# connectors to its own database). The superuser keeps no password: it works only from inside
# the container (docker compose exec postgres psql -U postgres), never over the network.
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v berth_user="$BERTH_DB_USER" -v berth_password="$BERTH_DB_PASSWORD" -v berth_db="$BERTH_DB_NAME" -v admin="$POSTGRES_USER" <<'SQL'
CREATE ROLE :"berth_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'berth_password';
CREATE DATABASE :"berth_db" OWNER :"berth_user";
-- Only Berth's role connects to Berth's database; no other database is open to it.
REVOKE ALL ON DATABASE :"berth_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"berth_db" TO :"berth_user";
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
ALTER ROLE :"admin" PASSWORD NULL;
SQL
