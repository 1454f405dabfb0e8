#!/usr/bin/env bash
# Sluice on the reference job of ../shared/bench, side by side with the
# hand-written Go baseline (-full-scan) and Benthos.
#
#   stateless  bench/stateless.hcl: csv -> criteria -> one transform -> jsonl
#              sink keyed by id, quota 250,000; `sluice apply -auto-approve`
#              with a fresh state every run. Its output (less the id) must
#              equal the baseline's, checked with the harness's checker.
#   stateful   bench/stateful.hcl: the same job into a `lists` list keyed
#              by email: the first sync (plan + apply with state), a rerun
#              with nothing changed, and a rerun with 1% of the records
#              changed (every 100th row's city).
#
# usage: bench/run.sh [all|setup|data|check|stateless|stateful|versions]  (default: all)
# env:   WORK=bench/.work      bin/, data/, out/, state/, results/ (needs ~2 GiB)
#        HARNESS=../shared/bench (relative to the repository's root)
#        SIZES="1m 5m"          data sets; the first is the one every figure uses,
#                               the others are timed for the stateless job and
#                               measured once for peak RSS
#        RUNS=5 WARMUP=1 BIG_RUNS=3 SEED=42 BENTHOS_VERSION=v4.60.0
#
# Timing uses hyperfine (median, min, max wall; mean user and system) and
# one run of each command under GNU time -v for peak RSS. Results land in
# $WORK/results; bench/RESULTS.md is written from them by hand.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS=${HARNESS:-$REPO/../shared/bench}
HARNESS=$(cd "$HARNESS" && pwd)
WORK=${WORK:-$REPO/bench/.work}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
SIZES=${SIZES:-"1m 5m"}
RUNS=${RUNS:-5} WARMUP=${WARMUP:-1} BIG_RUNS=${BIG_RUNS:-3} SEED=${SEED:-42}
BENTHOS_VERSION=${BENTHOS_VERSION:-v4.60.0}
BIN=$WORK/bin DATA=$WORK/data OUT=$WORK/out ST=$WORK/state RES=$WORK/results
Q=250000
mkdir -p "$BIN" "$DATA" "$OUT" "$ST" "$RES"
read -r BENCH_SIZE _ <<<"$SIZES"

rows_of() { case $1 in 100k) echo 100000 ;; 1m) echo 1000000 ;; 5m) echo 5000000 ;; *) echo "$1" ;; esac; }

setup() {
  if ! command -v hyperfine >/dev/null || ! command -v jq >/dev/null || [ ! -x /usr/bin/time ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine jq time >/dev/null
  fi
  (cd "$REPO" && go build -o "$BIN/sluice" ./cmd/sluice)
  (cd "$HARNESS" && go build -o "$BIN/" ./gen ./baseline ./check)
  # Benthos as the harness builds it: the cmd package inside a scratch
  # module (the proxy refuses `go install ...@version` its version list).
  if [ ! -x "$BIN/benthos" ] || ! go version -m "$BIN/benthos" | grep -q "benthos/v4[[:space:]]*$BENTHOS_VERSION"; then
    local b=$WORK/build/benthos
    rm -rf "$b" && mkdir -p "$b"
    (cd "$b" && go mod init benthosbuild >/dev/null 2>&1 &&
      go get "github.com/redpanda-data/benthos/v4/cmd/benthos@$BENTHOS_VERSION" &&
      go build -o "$BIN/benthos" github.com/redpanda-data/benthos/v4/cmd/benthos)
  fi
  versions | tee "$RES/versions.txt"
}

versions() {
  echo "sluice:    $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$REPO" && [ -n "$(git status --porcelain 2>/dev/null)" ] && echo ' (with uncommitted changes)'), built with $(go version "$BIN/sluice" | awk '{print $2}')"
  echo "go:        $(go version)"
  echo "benthos:   $(go version -m "$BIN/benthos" | awk '$1=="mod"{print $2, $3}') (built with $(go version "$BIN/benthos" | awk '{print $2}'))"
  echo "hyperfine: $(hyperfine --version)"
  echo "jq:        $(jq --version)"
  echo "cpu:       $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cores"
  echo "memory:    $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "kernel:    $(uname -sr)"
  echo "disk:      $(df -h "$WORK" | awk 'NR==2{print $1, $2}')"
}

data() {
  for s in $SIZES; do
    [ -s "$DATA/cand_$s.csv" ] || "$BIN/gen" -n "$(rows_of "$s")" -seed "$SEED" -csv "$DATA/cand_$s.csv"
  done
  # 1% of the records changed: every 100th row moves to another city.
  local s=$BENCH_SIZE
  [ -s "$DATA/cand_${s}_changed.csv" ] ||
    awk 'BEGIN { FS = OFS = "," } NR > 1 && NR % 100 == 0 { $6 = $6 " Nishi" } { print }' \
      "$DATA/cand_$s.csv" > "$DATA/cand_${s}_changed.csv"
  ls -l "$DATA"
  (cd "$DATA" && sha256sum cand_*.csv) | tee "$RES/data_sha256.txt"
}

# cmd IMPL SIZE -> one command line for hyperfine -N (sh -c where needed).
cmd() {
  local impl=$1 s=$2 d=$DATA/cand_$2.csv o=$OUT/$2_$1.jsonl
  case $impl in
    go-std-fullscan) echo "$BIN/baseline -in $d -out $o -q $Q -enc std -full-scan" ;;
    # Benthos' file output appends: the old output goes first.
    benthos) echo "sh -c 'rm -f $o && exec env QUOTA=$Q BATCH=1000 IN_FILE=$d OUT_FILE=$o $BIN/benthos -c $HARNESS/benthos/job.yaml'" ;;
    # A fresh state every run: the job as a first run does it.
    sluice) echo "sh -c 'rm -rf $ST/stateless_$s && exec $BIN/sluice apply -auto-approve -no-color -state sqlite:$ST/stateless_$s/state.db -var input=$d -var output=$o $REPO/bench/stateless.hcl'" ;;
    *) echo "unknown impl $impl" >&2; return 1 ;;
  esac
}

# sync SIZE INPUT -> the stateful job's apply against $ST/stateful_SIZE.
sync_cmd() {
  local dir=$ST/stateful_$1
  echo "$BIN/sluice apply -auto-approve -no-color -state sqlite:$dir/state.db -var input=$2 -var lists=$dir/lists.db $REPO/bench/stateful.hcl"
}

check() {
  local s
  for s in $SIZES; do
    for i in go-std-fullscan sluice; do
      eval "$(cmd "$i" "$s")" >/dev/null 2>&1
    done
    # The sluice export carries the key, id, besides the six fields.
    jq -c 'del(.id)' "$OUT/${s}_sluice.jsonl" > "$OUT/${s}_sluice-fields.jsonl"
    echo "== check $s (reference: go-std-fullscan)"
    "$BIN/check" "$OUT/${s}_go-std-fullscan.jsonl" "$OUT/${s}_sluice-fields.jsonl" 2>&1 | tee "$RES/check_$s.txt"
  done
  s=$BENCH_SIZE
  [ -s "$OUT/${s}_benthos.jsonl" ] || eval "$(cmd benthos "$s")" >/dev/null 2>&1
  "$BIN/check" "$OUT/${s}_go-std-fullscan.jsonl" "$OUT/${s}_benthos.jsonl" 2>&1 | tee -a "$RES/check_$s.txt"
}

# peak NAME CMD... -> one run under GNU time; prints and records peak RSS.
peak() {
  local name=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2> "$RES/time_$name.txt" || { tail -5 "$RES/time_$name.txt"; return 1; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" \
    "$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$RES/time_$name.txt")" \
    "$(awk -F': ' '/User time/{print $2}' "$RES/time_$name.txt")" \
    "$(awk -F': ' '/System time/{print $2}' "$RES/time_$name.txt")" \
    "$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$RES/time_$name.txt")" | tee -a "$RES/rss.tsv"
}

summary() { # hyperfine JSON -> name, median, min, max, user, system
  jq -r '.results[] | [.command, (.median*1000|round/1000), (.min*1000|round/1000), (.max*1000|round/1000),
    (.user*100|round/100), (.system*100|round/100)] | @tsv' "$1"
}

stateless() {
  local s runs impls args
  for s in $SIZES; do
    runs=$RUNS; [ "$s" != "$BENCH_SIZE" ] && runs=$BIG_RUNS
    impls="sluice go-std-fullscan benthos"
    args=()
    for i in $impls; do args+=(-n "$i" "$(cmd "$i" "$s")"); done
    hyperfine -N --runs "$runs" --warmup "$WARMUP" --export-json "$RES/stateless_$s.json" \
      --export-markdown "$RES/stateless_$s.md" "${args[@]}"
    for i in $impls; do peak "stateless_${s}_$i" sh -c "$(cmd "$i" "$s")"; done
    summary "$RES/stateless_$s.json" | tee "$RES/stateless_$s.tsv"
  done
}

stateful() {
  local s=$BENCH_SIZE dir=$ST/stateful_$BENCH_SIZE seed=$ST/stateful_${BENCH_SIZE}_seed
  local first nochange changed
  first=$(sync_cmd "$s" "$DATA/cand_$s.csv")
  nochange=$first
  changed=$(sync_cmd "$s" "$DATA/cand_${s}_changed.csv")
  # The first sync, from nothing every run.
  hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --prepare "rm -rf $dir" -n first-sync "$first" \
    --export-json "$RES/stateful_first.json"
  # A synced state to start the reruns from.
  rm -rf "$dir" "$seed" && $first > "$RES/stateful_first_plan.txt" && cp -a "$dir" "$seed"
  hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --prepare "sh -c 'rm -rf $dir && cp -a $seed $dir'" \
    -n no-change "$nochange" --export-json "$RES/stateful_nochange.json"
  hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --prepare "sh -c 'rm -rf $dir && cp -a $seed $dir'" \
    -n changed-1pct "$changed" --export-json "$RES/stateful_changed.json"
  # What each run did, and peak RSS.
  rm -rf "$dir" && peak "stateful_${s}_first" $first
  peak "stateful_${s}_nochange" $nochange
  rm -rf "$dir" && cp -a "$seed" "$dir" && $changed | tail -3 > "$RES/stateful_changed_plan.txt"
  rm -rf "$dir" && cp -a "$seed" "$dir" && peak "stateful_${s}_changed" $changed
  tail -3 "$RES/stateful_first_plan.txt"; cat "$RES/stateful_changed_plan.txt"
  for f in first nochange changed; do summary "$RES/stateful_$f.json"; done | tee "$RES/stateful_$s.tsv"
  # The larger sizes once each, for peak RSS.
  for big in $SIZES; do
    [ "$big" = "$s" ] && continue
    rm -rf "$ST/stateful_$big" && peak "stateful_${big}_first" $(sync_cmd "$big" "$DATA/cand_$big.csv")
  done
}

case ${1:-all} in
  setup) setup ;;
  data) data ;;
  check) check ;;
  stateless) stateless ;;
  stateful) stateful ;;
  versions) versions ;;
  all) : > "$RES/rss.tsv"; setup; data; check; stateless; stateful ;;
  *) echo "usage: $0 [all|setup|data|check|stateless|stateful|versions]" >&2; exit 2 ;;
esac
