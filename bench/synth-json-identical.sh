#!/bin/sh
# Whether synth writes byte-identical JSON on this tree and on BASE (a commit, default HEAD~1):
# performance work must not change what synth records.
#
#   bench/synth-json-identical.sh [BASE] [STACK ...]      (stacks default: dev prod)
#
# BASE is exported with `git archive` into a temporary directory (no worktree, nothing checked
# out), given this tree's node_modules, and both trees synthesize each stack with --json. A stack
# config of the generated form (bench/generate.ts) can be named by its tenant count: tenants-100.
# Exit 0 when every graph is identical, 1 when one differs (the first differing lines are shown).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-HEAD~1}
[ $# -gt 0 ] && shift
stacks=${*:-dev prod}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/base"
git -C "$root" archive "$base" | tar -x -C "$work/base"
ln -s "$(readlink -f "$root/node_modules")" "$work/base/node_modules"

synth() { # tree stack out
  case $2 in
    tenants-*)
      n=${2#tenants-}
      config="$work/$2.yaml"
      [ -f "$config" ] || (cd "$root" && node --import tsx -e "
        const { generateStackConfig } = require('./bench/generate.ts');
        const fs = require('node:fs');
        fs.writeFileSync('$config', generateStackConfig(fs.readFileSync('Pulumi.prod.yaml', 'utf8'), $n));")
      (cd "$1" && node --import tsx synth/cli.ts prod --config "$config" --json "$3" >/dev/null 2>&1) || return 1
      ;;
    *) (cd "$1" && node --import tsx synth/cli.ts "$2" --json "$3" >/dev/null 2>&1) || return 1 ;;
  esac
}

status=0
for stack in $stacks; do
  synth "$work/base" "$stack" "$work/$stack.base.json" || { echo "$stack: synth failed on $base"; exit 1; }
  synth "$root" "$stack" "$work/$stack.json" || { echo "$stack: synth failed on this tree"; exit 1; }
  if cmp -s "$work/$stack.base.json" "$work/$stack.json"; then
    echo "$stack: synth JSON byte-identical to $base ($(wc -c <"$work/$stack.json") bytes)"
  else
    echo "$stack: synth JSON differs from $base:"
    diff "$work/$stack.base.json" "$work/$stack.json" | head -20
    status=1
  fi
done
exit $status
