#!/usr/bin/env sh
# Builds the server (tests skipped) and starts one node on the embedded defaults, in development
# mode so that the token command and the dev login page work; dev mode listens on loopback only
# (the node refuses it elsewhere). Ctrl-C stops it.
set -e
cd "$(dirname "$0")"
mvn -q -B -DskipTests package
export LIVEDESK_DEV="${LIVEDESK_DEV:-true}"
export LIVEDESK_HOST="${LIVEDESK_HOST:-127.0.0.1}"
exec java -jar server/target/livedesk-server.jar "$@"
