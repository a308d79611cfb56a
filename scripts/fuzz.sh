#!/usr/bin/env bash
# Runs every property test that reads outside input with a large case count, each bounded in
# time: the validator and body builder, the engine against the simulator's own rules, Atlas's
# answers, the config file, the simulator's Digest header parser. cargo-fuzz needs a nightly toolchain, which this project's machines
# cannot fetch, so proptest does the work. Usage: scripts/fuzz.sh [CASES] [SECONDS_EACH]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-100000}
seconds=${2:-300}
cargo test --release --no-run --quiet --test restore_props --test parse_props --test sim_rules_props
for target in restore_props parse_props sim_rules_props; do
  echo "== $target: $cases cases a property, at most $seconds s"
  start=$(date +%s)
  PROPTEST_CASES=$cases timeout "$seconds" cargo test --release --quiet --test "$target" -- --test-threads 2 \
    && echo "   passed in $(( $(date +%s) - start )) s" \
    || { code=$?; [ $code = 124 ] && echo "   stopped at the time bound ($seconds s)" || exit $code; }
done
