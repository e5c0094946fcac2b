#!/usr/bin/env bash
# Throughput under gunicorn (gthread 2×4) with wrk, as ratios to a bare endpoint doing one query.
#
#   bench/throughput.sh [DATABASE_URL]     (default: a demo SQLite database in /tmp/lms-throughput)
#   bench/throughput.sh postgres           (a throwaway PostgreSQL cluster, as scripts/with-postgres)
#
# Measures, in one run on this machine: /healthz (one SELECT 1: the bare baseline, before and
# after each page) and the key pages rendered: anonymous `/`, `/courses` and a course page; a
# learner's `/`, `/my/learning` and `/my/schedule`; the demo trainer's roll call of a session.
# Logged-in pages are requested with the cookie a browser keeps after its first page.
# The page cache is off (LMS_PAGE_CACHE_SECONDS=0: every request rendered); PAGE_CACHE=15 turns it
# on as in production. wrk shares the cores with the server: compare the ratios, not the numbers.
# The database URL is used as given (it must hold the demo data: init-db, content import,
# seed-demo); `postgres` and the default make the demo data first.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
PORT=${PORT:-5077}
DURATION=${DURATION:-5s}
export LMS_MODE=production LMS_SCHEDULER=off LMS_RATELIMIT_ENABLED=false LMS_SESSION_COOKIE_SECURE=false
export LMS_PAGE_CACHE_SECONDS=${PAGE_CACHE:-0}
export SECRET_KEY=${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
export LMS_INSTANCE_PATH=/tmp/lms-throughput-$PORT
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
CLEANUP=()
cleanup() { for step in "${CLEANUP[@]}"; do eval "$step" || true; done; }
trap cleanup EXIT

demo_data() {
  LMS_MODE=demo $BIN/lms init-db >/dev/null
  LMS_MODE=demo $BIN/lms content import >/dev/null
  LMS_MODE=demo $BIN/lms seed-demo >/dev/null
}

throwaway_postgres() {  # as scripts/with-postgres: a cluster in /tmp, stopped on exit
  local pgbin dir pgport
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  dir=$(mktemp -d /tmp/lms-pg-bench.XXXXXX)
  pgport=$(( 20000 + RANDOM % 20000 ))
  as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_owner "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-h 127.0.0.1 -p $pgport -k $dir -c fsync=off -c synchronous_commit=off" start >/dev/null
  CLEANUP+=("as_owner $pgbin/pg_ctl -D $dir/data -m immediate stop >/dev/null 2>&1; rm -rf $dir")
  "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres lms_bench
  export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$pgport/lms_bench"
}

rm -rf "$LMS_INSTANCE_PATH"
case "${1:-}" in
  "") demo_data ;;
  postgres) throwaway_postgres; demo_data ;;
  *) export DATABASE_URL=$1 ;;
esac
DATABASE=$($BIN/python -c 'from lms import create_app; from lms.extensions import db
app = create_app()
with app.app_context(): print(db.engine.dialect.name)')

# A course page and the demo trainer's fullest session: what the pages show.
read -r COURSE SESSION_ID < <($BIN/python - <<'EOF'
from sqlalchemy import select
from lms import create_app
from lms.auth.models import User
from lms.catalog.models import Course
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleTrainer
app = create_app()
with app.app_context():
    course = db.session.execute(select(Course.slug).order_by(Course.id)).scalars().first()
    session = db.session.execute(
        select(ClassSession.id).join(Cycle, Cycle.id == ClassSession.cycle_id)
        .join(CycleTrainer, CycleTrainer.cycle_id == Cycle.id).join(User, User.id == CycleTrainer.user_id)
        .where(User.email == "utbildare@kompetenscentret.example")
        .order_by(Cycle.seats_taken.desc(), ClassSession.starts_at, ClassSession.id)).scalars().first()
    print(course, session)
EOF
)

$BIN/gunicorn --workers 2 --threads 4 --worker-class gthread --bind 127.0.0.1:$PORT \
  --log-level warning wsgi:app &
SERVER=$!
CLEANUP=("kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null" "${CLEANUP[@]}")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

log_in() {  # email first-page -> the session cookie as a browser holds it after its first page
  local jar token
  jar=$(mktemp)
  token=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/login" \
    | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null -X POST "http://127.0.0.1:$PORT/login" \
    --data-urlencode "email=$1" --data-urlencode "password=kompetens-demo-2026" \
    --data-urlencode "csrf_token=$token"
  # wrk sends one fixed cookie and ignores Set-Cookie: without the cookie of the first page (which
  # adds the form token to the session) every request would mint a new token and a new cookie.
  curl -s -b "$jar" -c "$jar" -o /dev/null "http://127.0.0.1:$PORT$2"
  awk '$6 == "lms_session" {print $7}' "$jar"
  rm -f "$jar"
}
LEARNER=$(log_in anna.andersson1@mollankultur.example /my/learning)
TRAINER=$(log_in utbildare@kompetenscentret.example "/attendance/sessions/$SESSION_ID")

rate() {  # path [cookie]
  local header=() status report
  [ -n "${2:-}" ] && header=(-H "Cookie: lms_session=$2")
  status=$(curl -s -o /dev/null -w '%{http_code}' "${header[@]}" "http://127.0.0.1:$PORT$1")
  [ "$status" = 200 ] || { echo "$1 answers $status" >&2; exit 1; }
  report=$(wrk -t2 -c8 -d"$DURATION" "${header[@]}" "http://127.0.0.1:$PORT$1")
  if grep -q "Non-2xx" <<<"$report"; then echo "$1: $(grep Non-2xx <<<"$report")" >&2; fi
  awk '/Requests\/sec/ {print $2}' <<<"$report"
}
PAGES=(
  "/ (anonymous)|/|"
  "/courses (anonymous)|/courses|"
  "course page (anonymous)|/courses/$COURSE|"
  "/ (learner)|/|$LEARNER"
  "/my/learning (learner)|/my/learning|$LEARNER"
  "/my/schedule (learner)|/my/schedule|$LEARNER"
  "roll call (trainer)|/attendance/sessions/$SESSION_ID|$TRAINER"
)
DURATION=2s rate /healthz >/dev/null  # warm up every page once
for page in "${PAGES[@]}"; do IFS='|' read -r _ path cookie <<<"$page"; DURATION=1s rate "$path" "$cookie" >/dev/null; done

# Each page is measured between two runs of /healthz and compared with their mean: on a shared
# machine the speed drifts by a factor 2 within a minute, so a page is set against its neighbours.
ROUNDS=${ROUNDS:-1}
ratio() { echo "$1 / $2" | bc -l; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
BEFORE=$(rate /healthz)
BASES=() RESULTS=() RATIOS=()
for i in "${!PAGES[@]}"; do
  IFS='|' read -r _ path cookie <<<"${PAGES[$i]}"
  rates="" ratios=""
  for _ in $(seq "$ROUNDS"); do
    page_rate=$(rate "$path" "$cookie")
    AFTER=$(rate /healthz)
    base=$(echo "($BEFORE + $AFTER) / 2" | bc -l)
    rates+="$page_rate"$'\n' ratios+="$(ratio "$page_rate" "$base")"$'\n'
    BASES+=("$base")
    BEFORE=$AFTER
  done
  RESULTS+=("$(median <<<"${rates%$'\n'}")")
  RATIOS+=("$(median <<<"${ratios%$'\n'}")")
done
BASE=$(printf '%s\n' "${BASES[@]}" | median)
echo "$DATABASE, page cache ${LMS_PAGE_CACHE_SECONDS}s, wrk -t2 -c8 -d$DURATION, $ROUNDS round(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %8s\n' "endpoint" "req/s" "ratio"
printf '%-28s %10.1f %8s   (median; %.0f to %.0f)\n' "/healthz (one query)" "$BASE" "1.00" \
  "$(printf '%s\n' "${BASES[@]}" | sort -g | head -1)" "$(printf '%s\n' "${BASES[@]}" | sort -g | tail -1)"
for i in "${!PAGES[@]}"; do
  IFS='|' read -r name _ _ <<<"${PAGES[$i]}"
  printf '%-28s %10.1f %8.2f\n' "$name" "${RESULTS[$i]}" "${RATIOS[$i]}"
done
