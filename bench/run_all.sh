#!/usr/bin/env bash
# Runs every benchmark whose figures bench/README.md publishes. Run it on an otherwise idle machine
# (it warns when the load average says otherwise): two cores are shared by everything here.
#   bench/run_all.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
fixtures="${TRADINGD_FIXTURES:-../shared/fixtures}"
load=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$load" 'BEGIN { exit !(l > 0.5) }' && echo "warning: load average $load; figures will be low" >&2

echo "== machine"
grep -m1 "model name" /proc/cpuinfo; nproc; uname -r
echo "== micro benchmarks"
"$build/bench/micro_bench" --benchmark_min_time=0.5
echo "== replay of the real captures (parse + sequence + apply, one thread)"
"$build/bench/replay_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
echo "== tradingd replay --repeat 30 (whole spot capture: depth, bookTicker and trade)"
"$build/app/tradingd" replay --venue binance --repeat 30 "$fixtures/binance/hftbacktest_spot/btcusdt_20240808.gz"
echo "== the sandbox venue alone (a client that only counts frames)"
"$build/bench/e2e_flood" --seconds 10 --null-client
echo "== end to end over loopback: venue → daemon, 1 and 2 symbols"
"$build/bench/e2e_flood" --seconds 10 --symbols 1
"$build/bench/e2e_flood" --seconds 10 --symbols 2
echo "== orders: risk, order manager, encode + sign per venue"
"$build/bench/order_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
"$build/bench/signing_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
echo "== orders: REST round trip through the Binance sandbox venue"
"$build/bench/e2e_orders" --orders 500
