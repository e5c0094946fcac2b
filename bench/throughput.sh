#!/usr/bin/env bash
# Throughput under gunicorn (gthread) with wrk, as ratios to a bare endpoint doing one query.
#
#   bench/throughput.sh [DATABASE_URL]     (default: a demo SQLite database in /tmp/lms-throughput)
#
# Measures, in one run on this machine: /healthz (one SELECT 1: the bare baseline, before and
# after the pages), the public catalogue, and a learner's dashboard (/my/learning, logged in).
# wrk shares the cores with the server, so compare the ratios, not the absolute numbers.
# The page cache is on as in production; LMS_PAGE_CACHE_SECONDS=0 measures every request rendered.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-5077}
DURATION=${DURATION:-10s}
export LMS_MODE=production LMS_SCHEDULER=off LMS_RATELIMIT_ENABLED=false LMS_SESSION_COOKIE_SECURE=false
export SECRET_KEY=${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
export LMS_INSTANCE_PATH=/tmp/lms-throughput
if [ -n "${1:-}" ]; then
  export DATABASE_URL=$1
else
  rm -rf "$LMS_INSTANCE_PATH"
  LMS_MODE=demo $BIN/lms init-db >/dev/null
  LMS_MODE=demo $BIN/lms content import >/dev/null
  LMS_MODE=demo $BIN/lms seed-demo >/dev/null
fi
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

$BIN/gunicorn --workers 2 --threads 4 --worker-class gthread --bind 127.0.0.1:$PORT \
  --log-level warning wsgi:app &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

COOKIES=$(mktemp)
curl -s -c "$COOKIES" -o /dev/null "http://127.0.0.1:$PORT/login"
curl -s -b "$COOKIES" -c "$COOKIES" -o /dev/null -X POST "http://127.0.0.1:$PORT/login" \
  --data-urlencode "email=anna.andersson1@mollankultur.example" --data-urlencode "password=kompetens-demo-2026" \
  --data-urlencode "csrf_token=$(curl -s -b "$COOKIES" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)"
# wrk sends one fixed cookie and ignores Set-Cookie: take the cookie as a browser holds it after its
# first page (with the form token the first page adds), or every request would mint a new token.
curl -s -b "$COOKIES" -c "$COOKIES" -o /dev/null "http://127.0.0.1:$PORT/my/learning"
SESSION=$(awk '$6 == "lms_session" {print $7}' "$COOKIES")

rate() {  # path [cookie]
  local header=()
  [ -n "${2:-}" ] && header=(-H "Cookie: lms_session=$2")
  wrk -t2 -c8 -d"$DURATION" "${header[@]}" "http://127.0.0.1:$PORT$1" | awk '/Requests\/sec/ {print $2}'
}
DURATION=2s rate /healthz >/dev/null; DURATION=2s rate /courses >/dev/null  # warm up
DURATION=2s rate /my/learning "$SESSION" >/dev/null
FIRST=$(rate /healthz)
CATALOGUE=$(rate /courses)
DASHBOARD=$(rate /my/learning "$SESSION")
LAST=$(rate /healthz)
BASE=$(echo "($FIRST + $LAST) / 2" | bc -l)  # the baseline before and after, against drift on a shared machine
printf '%-28s %10s %8s\n' "endpoint" "req/s" "ratio"
printf '%-28s %10.1f %8s   (%s before, %s after)\n' "/healthz (one query)" "$BASE" "1.00" "$FIRST" "$LAST"
printf '%-28s %10s %8.2f\n' "/courses" "$CATALOGUE" "$(echo "$CATALOGUE / $BASE" | bc -l)"
printf '%-28s %10s %8.2f\n' "/my/learning (logged in)" "$DASHBOARD" "$(echo "$DASHBOARD / $BASE" | bc -l)"
