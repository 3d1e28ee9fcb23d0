#!/usr/bin/env bash
# Benchmark gunicorn vs granian serving the article page (see bench/README.md).
#
#   bench/serve_article.sh                        # full run, 4-6 minutes
#   DURATION=3 WARMUP=1 QUIET_WAIT=0 bench/serve_article.sh   # smoke run
#
# Everything binds to and targets 127.0.0.1 only. Every server runs under
# `timeout`, every client call has a time limit, and the data directory and
# any server still running are removed/stopped on exit.
#
# Environment knobs:
#   DURATION      seconds per measured wrk run            (default 15)
#   WARMUP        seconds of unrecorded wrk before each   (default 3)
#   RUNS          wrk runs per server: connection counts, ":close" adds a
#                 "Connection: close" header (a new connection per request)
#                                                         (default "16 64 16:close")
#   WORKERS       worker processes for every server       (default 2)
#   COMMENTS      seeded comments on the article          (default 30)
#   ONLY          run only the configurations whose name matches this regex
#   QUIET_WAIT    max seconds to wait, before each wrk run, for the machine
#                 to be mostly idle (default 10; 0 = do not wait)
#   RESULTS       where raw wrk outputs go                (default bench/results)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv/bin

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
RUNS=${RUNS:-"16 64 16:close"}
WORKERS=${WORKERS:-2}
COMMENTS=${COMMENTS:-30}
ONLY=${ONLY:-}
QUIET_WAIT=${QUIET_WAIT:-10}
RESULTS=${RESULTS:-$ROOT/bench/results}

HOST=127.0.0.1
ARTICLE_PATH=/articles/fibromyalgia-and-magnesium/
APP=talkpage.config.wsgi:application

# name | command line (PORT is replaced by a free port at start-up)
CONFIGS=(
  "gunicorn-sync|$VENV/gunicorn -w $WORKERS -b $HOST:PORT $APP"
  "gunicorn-gthread|$VENV/gunicorn -w $WORKERS -k gthread --threads 4 -b $HOST:PORT $APP"
  "granian-default|$VENV/granian --interface wsgi --workers $WORKERS --host $HOST --port PORT $APP"
  "granian-bt4|$VENV/granian --interface wsgi --workers $WORKERS --blocking-threads 4 --host $HOST --port PORT $APP"
)

command -v wrk >/dev/null || {
  echo "wrk is not installed: apt-get install -y wrk" >&2
  exit 1
}
[[ -x $VENV/gunicorn && -x $VENV/granian ]] || {
  echo "gunicorn or granian missing from .venv: .venv/bin/pip install -e '.[bench]'" >&2
  exit 1
}

# --- Production settings, fresh data directory ----------------------------
DATA_DIR=$(mktemp -d -t talkpage-bench.XXXXXX)
export TALKPAGE_DATA_DIR=$DATA_DIR
export DJANGO_SETTINGS_MODULE=talkpage.config.settings
unset TALKPAGE_DEBUG TALKPAGE_DATABASE_URL TALKPAGE_REDIS_URL

SERVER_PID=
stop_server() {
  if [[ -n $SERVER_PID ]]; then
    # The server was started with setsid: its session id is SERVER_PID, so
    # this reaches the master and every worker, and nothing else.
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
cleanup() {
  stop_server
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

talkpage() { timeout 120 "$VENV/talkpage" "$@"; }

echo "Preparing $DATA_DIR"
talkpage manage migrate --verbosity 0
talkpage manage import_articles talkpage/articles/demo
talkpage manage collectstatic --noinput --verbosity 0
talkpage manage shell --no-imports -c "
from talkpage.articles.models import Article
from talkpage.discussion.services import post_comment

article = Article.objects.get(slug='fibromyalgia-and-magnesium')
for i in range($COMMENTS):
    post_comment(
        article=article,
        user=None,
        text=f'Seeded comment {i + 1}: magnesium *glycinate* helped my sleep, '
        'not the pain. Has anyone seen a trial on that?',
        author_name='Sam',
    )
print('comments on the article:', Article.objects.get(pk=article.pk).comment_count)
"

mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.txt "$RESULTS"/*.log "$RESULTS"/summary.*

free_port() {
  "$VENV/python" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
'
}

# ms from a wrk duration such as 812.33us, 41.20ms, 1.02s, 1.10m
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.1f", n
  }'
}

# --- CPU accounting --------------------------------------------------------
# The machine may be shared (other test suites, browsers). Each measured run
# records the CPU the server used, the CPU wrk used and the CPU everything
# else on the machine used meanwhile ("other"), so a disturbed row is visible.
# req per server CPU-second is the figure least affected by such noise.
HZ=$(getconf CLK_TCK)

# busy and total jiffies of the whole machine
machine_jiffies() {
  awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat
}

# CPU jiffies used so far by every process of the server's session
server_jiffies() {
  local pid
  for pid in $(ps -o pid= -s "$SERVER_PID"); do
    cat "/proc/$pid/stat" 2>/dev/null || true
  done | awk '{s += $14 + $15} END {print s + 0}'
}

# Machine busy percentage over one second.
machine_busy_pct() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(machine_jiffies)
  sleep 1
  read -r b1 t1 < <(machine_jiffies)
  echo $(((b1 - b0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
}

# Wait (at most QUIET_WAIT s) until the machine is below 20 % busy.
wait_for_quiet() {
  local waited=0 busy
  while :; do
    busy=$(machine_busy_pct)
    if ((busy < 20 || waited >= QUIET_WAIT)); then
      echo "machine busy before the run: ${busy}% (waited ${waited}s)"
      return
    fi
    waited=$((waited + 1))
  done
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "kernel: $(uname -r)"
  echo "python: $("$VENV/python" -c 'import sys; print(sys.version.split()[0])')"
  echo "django: $("$VENV/python" -c 'import django; print(django.get_version())')"
  echo "gunicorn: $("$VENV/python" -c 'import gunicorn; print(gunicorn.__version__)')"
  echo "granian: $("$VENV/python" -c 'import granian; print(granian.__version__)')"
  echo "whitenoise: $("$VENV/python" -c 'import importlib.metadata as m; print(m.version("whitenoise"))')"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "duration: ${DURATION}s (+${WARMUP}s warm-up), runs: $RUNS, workers: $WORKERS"
} >"$RESULTS/machine.txt"
cat "$RESULTS/machine.txt"

# --- Baseline: the same page rendered in-process, no HTTP server ------------
# Django's own CPU cost for the page, through the real WSGI application with
# a hand-made environ (what a server would pass) and no socket. A server's
# "req per server CPU-s" can be compared with this figure.
echo
echo "=== in-process baseline (WSGI application called directly, one thread)"
talkpage manage shell --no-imports -c "
import time
from wsgiref.util import setup_testing_defaults

from talkpage.config.wsgi import application

def get():
    environ = {'PATH_INFO': '$ARTICLE_PATH'}
    setup_testing_defaults(environ)  # host 127.0.0.1, empty body, no cookies
    status = []
    body = b''.join(application(environ, lambda s, h, e=None: status.append(s)))
    assert status[0].startswith('200') and body

for _ in range(30):
    get()
n = 300
cpu0 = time.process_time()
for _ in range(n):
    get()
cpu = time.process_time() - cpu0
print(f'{n / cpu:.0f} req per CPU-s ({cpu / n * 1000:.1f} ms CPU per page)')
" | tee "$RESULTS/baseline-inprocess.txt"

SUMMARY=$RESULTS/summary.tsv
printf 'config\trun\treq_per_s\tp50_ms\tp99_ms\tnon_2xx\tsocket_errors\tconns_per_worker\tserver_cores\treq_per_server_cpu_s\twrk_cores\tother_cores\tserver_rss_mib\n' >"$SUMMARY"
STATIC_FAILURES=0

for entry in "${CONFIGS[@]}"; do
  name=${entry%%|*}
  template=${entry#*|}
  [[ -n $ONLY && ! $name =~ $ONLY ]] && continue

  port=$(free_port)
  cmd=${template//PORT/$port}
  url="http://$HOST:$port$ARTICLE_PATH"
  log="$RESULTS/$name-server.log"
  echo
  echo "=== $name: $cmd"

  # Life limit: start-up, every run, and slack.
  n_runs=$(wc -w <<<"$RUNS")
  life=$((60 + n_runs * (DURATION + WARMUP + QUIET_WAIT + 15)))
  # shellcheck disable=SC2086  # the command line is meant to be split
  setsid timeout -k 5 "$life" $cmd >"$log" 2>&1 &
  SERVER_PID=$!

  ready=
  for _ in $(seq 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    if [[ $code == 200 ]]; then
      ready=1
      break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  if [[ -z $ready ]]; then
    echo "$name did not answer 200 on $url; server log:" >&2
    cat "$log" >&2
    exit 1
  fi

  # Static file check: the CSS the page links to must come back byte-exact.
  page=$(curl -s --max-time 5 "$url")
  seeded=$(grep -o 'Seeded comment' <<<"$page" | wc -l || true)
  css=$(grep -o 'href="/static/[^"]*\.css"' <<<"$page" | head -1 | cut -d'"' -f2 || true)
  {
    echo "page: $url"
    echo "seeded comments shown on the page: $seeded"
    echo "css: $css"
    if [[ -n $css ]]; then
      curl -s --max-time 5 -D - -o "$DATA_DIR/css.body" "http://$HOST:$port$css"
      echo "gzip:"
      curl -s --max-time 5 -D - -o /dev/null -H 'Accept-Encoding: gzip' \
        "http://$HOST:$port$css" | grep -iE '^(HTTP|content-encoding|content-length)'
    fi
  } >"$RESULTS/$name-static.txt" 2>&1
  if [[ -n $css ]] && grep -q '^HTTP/1.1 200' "$RESULTS/$name-static.txt" &&
    cmp -s "$DATA_DIR/css.body" "$DATA_DIR/static/${css#/static/}"; then
    echo "static: $css served byte-exact" | tee -a "$RESULTS/$name-static.txt"
  else
    echo "static: FAILED for '$css'" | tee -a "$RESULTS/$name-static.txt"
    STATIC_FAILURES=$((STATIC_FAILURES + 1))
  fi

  for run in $RUNS; do
    c=${run%%:*}
    # --timeout 10s: a slow response is measured, not dropped as an error
    # (wrk's default 2 s would silently cut off the tail at c=64).
    wrk_args=(-t2 -c"$c" --timeout 10s)
    if [[ $run == *:close ]]; then
      wrk_args+=(-H "Connection: close")
      out="$RESULTS/$name-c$c-close.txt"
    else
      out="$RESULTS/$name-c$c.txt"
    fi
    ((QUIET_WAIT > 0)) && wait_for_quiet
    timeout $((WARMUP + 20)) wrk "${wrk_args[@]}" -d"${WARMUP}s" "$url" >/dev/null
    # Half-way through: how many of wrk's connections each worker process
    # holds, and (+N) how many are still waiting in the listen backlog,
    # accepted by the kernel but by no worker yet.
    (
      sleep $((DURATION / 2))
      ss -tnpH state established "( sport = :$port )" | awk '
        { if (match($0, /pid=[0-9]+/)) n[substr($0, RSTART, RLENGTH)]++; else waiting++ }
        END {
          k = 0
          for (p in n) c[++k] = n[p]
          for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
            if (c[j] > c[i]) { t = c[i]; c[i] = c[j]; c[j] = t }
          s = ""
          for (i = 1; i <= k; i++) s = s (i > 1 ? "/" : "") c[i]
          printf "%s (+%d)\n", (k ? s : "0"), waiting
        }'
    ) >"$DATA_DIR/split" &
    sampler=$!
    read -r m_busy0 m_total0 < <(machine_jiffies)
    s0=$(server_jiffies)
    TIMEFORMAT='%U %S'
    wrk_cpu=$({ time timeout $((DURATION + 30)) wrk "${wrk_args[@]}" -d"${DURATION}s" \
      --latency "$url" >"$out"; } 2>&1)
    s1=$(server_jiffies)
    wait "$sampler" || true
    split=$(cat "$DATA_DIR/split")
    read -r m_busy1 m_total1 < <(machine_jiffies)
    read -r server_cores per_cpu_s wrk_cores other_cores < <(
      awk -v hz="$HZ" -v d="$DURATION" -v s="$((s1 - s0))" \
        -v m="$((m_busy1 - m_busy0))" -v w="$wrk_cpu" -v out="$out" '
        BEGIN {
          split(w, t, " "); wrk = t[1] + t[2]
          while ((getline line < out) > 0)
            if (line ~ /^Requests\/sec:/) { split(line, f, " "); rps = f[2] }
          server = s / hz
          printf "%.2f %.0f %.2f %.2f\n", server / d, (server > 0 ? rps * d / server : 0),
            wrk / d, (m / hz - server - wrk) / d
        }')
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
    sockerr=$(grep 'Socket errors' "$out" | grep -o '[0-9]\+' | awk '{s += $1} END {print s + 0}' || true)
    rss=$(ps -o rss= -s "$SERVER_PID" | awk '{s += $1} END {printf "%.0f", s / 1024}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$run" "$rps" \
      "$p50" "$p99" "${non2xx:-0}" "${sockerr:-0}" "${split:--}" "$server_cores" "$per_cpu_s" \
      "$wrk_cores" "$other_cores" "$rss" >>"$SUMMARY"
    echo "$run  req/s=$rps  p50=${p50}ms  p99=${p99}ms  non-2xx=${non2xx:-0}" \
      "socket-errors=${sockerr:-0}  conns/worker=${split:--}  server=${server_cores} cores (${per_cpu_s} req/CPU-s)" \
      "wrk=${wrk_cores}  other=${other_cores} cores  rss=${rss}MiB"
  done
  stop_server
done

# Markdown table of the same numbers, for the README.
awk -F'\t' '
  NR == 1 {
    print "| configuration | wrk -c | req/s | p50 ms | p99 ms | errors | conns per worker (+waiting) | server cores | req per server CPU-s | other load (cores) | server RSS MiB |"
    print "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|"
    next
  }
  {
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
      $1, $2, $3, $4, $5, $6 + $7, $8, $9, $10, $12, $13
  }
' "$SUMMARY" >"$RESULTS/summary.md"
echo
cat "$RESULTS/summary.md"
echo "total time: ${SECONDS}s" | tee -a "$RESULTS/machine.txt"

if ((STATIC_FAILURES > 0)); then
  echo "static file check failed for $STATIC_FAILURES configuration(s)" >&2
  exit 1
fi
