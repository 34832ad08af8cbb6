#!/bin/sh
# Profiles synth at N tenants (issue 28 item 5): a CPU profile summarized by bench/profile-summary.ts,
# and the peak memory as the OS accounts it. Heap snapshots near the peak with HEAP=1.
#
#   bench/profile.sh [TENANTS] [OUT_DIR]        (defaults: 100, a new temporary directory)
#   HEAP=1 bench/profile.sh 500                 (also writes a heap snapshot when the heap nears its limit,
#                                                and a sampling heap profile, --heap-prof)
# The SDK alone at the same resource count, for comparison: node --cpu-prof --import tsx bench/sdk-floor.ts COUNT
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tenants=${1:-100}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
cd "$root"
config="$out/tenants-$tenants.yaml"
node --import tsx -e "
  const { generateStackConfig } = require('./bench/generate.ts');
  const fs = require('node:fs');
  fs.writeFileSync('$config', generateStackConfig(fs.readFileSync('Pulumi.prod.yaml', 'utf8'), $tenants));"
node --cpu-prof --cpu-prof-dir="$out/cpu" --import tsx synth/cli.ts prod --config "$config" >"$out/synth.txt" 2>&1
node --import tsx bench/profile-summary.ts "$out"/cpu/*.cpuprofile --top 30 >"$out/cpu-summary.txt"
/usr/bin/time -v node --import tsx synth/cli.ts prod --config "$config" >/dev/null 2>"$out/time.txt" || true
if [ "${HEAP:-}" = 1 ]; then
  (cd "$out" && node --heapsnapshot-near-heap-limit=1 --heap-prof --heap-prof-dir="$out/heap" --import tsx "$root/synth/cli.ts" prod --config "$config" >/dev/null 2>&1) || true
fi
grep -E "Maximum resident|Elapsed|User time|System time" "$out/time.txt" || true
echo "profiles and summaries in $out"
