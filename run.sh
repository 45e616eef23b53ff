#!/usr/bin/env sh
# Builds the server (tests skipped) and starts one node on the embedded defaults, in development
# mode so that the token command and the dev login page work. Ctrl-C stops it.
set -e
cd "$(dirname "$0")"
mvn -q -B -DskipTests package
export LIVEDESK_DEV="${LIVEDESK_DEV:-true}"
exec java -jar server/target/livedesk-server.jar "$@"
