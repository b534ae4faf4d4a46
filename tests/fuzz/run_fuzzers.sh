#!/usr/bin/env bash
# Fuzzes every target for a bounded time, starting from its seed corpus.
# usage: tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS_PER_TARGET]
# New inputs go to BUILD_DIR/fuzz-work/<target> (the repo's seeds stay as they are);
# a crash leaves its input in BUILD_DIR/fuzz-crashes/ and fails the script.
set -euo pipefail
build=$1
seconds=${2:-30}
seeds="$(cd "$(dirname "$0")" && pwd)/corpus"
mkdir -p "$build/fuzz-crashes"
status=0
for target in fuzz_frame fuzz_broker_requests fuzz_zygote_messages fuzz_client_frames; do
  work="$build/fuzz-work/$target"
  mkdir -p "$work"
  log="$build/fuzz-work/$target.log"
  if "$build/bin/$target" -max_total_time="$seconds" -timeout=10 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$build/fuzz-crashes/$target-" \
       "$work" "$seeds/$target" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "$target: ${seconds}s, $runs runs, $cov edges, no crash"
  else
    echo "$target: FAILED (log: $log)"
    grep -A30 -m1 'ERROR\|==ERROR\|runtime error\|deadly signal\|timeout' "$log" || tail -30 "$log"
    status=1
  fi
done
exit $status
