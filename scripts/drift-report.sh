#!/usr/bin/env bash
# Drift report for one stack (.github/workflows/drift.yml): `pulumi preview --refresh
# --expect-no-changes` with the read-only identity, then one GitHub issue per stack, found by its
# labels (`drift` and `stack:<stack>`): opened when Azure differs from the code, updated (body
# edited, one comment per run) while it still does, closed with a comment once it does not.
# A preview that fails for another reason (credentials, a provider error) fails the job and
# touches no issue: "could not look" is not "no drift".
#
# Usage: drift-report.sh <stack>
# Environment: PULUMI_STACK (the fully qualified stack, default <stack>), GH_TOKEN and GH_REPO
# (for gh), RUN_URL (a link to the workflow run, optional).
set -euo pipefail

stack="${1:?usage: drift-report.sh <stack>}"
pulumi_stack="${PULUMI_STACK:-$stack}"
run_url="${RUN_URL:-}"
drift_label="drift"
stack_label="stack:$stack"
# GitHub refuses an issue body over 65536 characters; the header and footer take the rest.
body_limit=65536
output_budget=60000

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# What the read-only identity cannot refresh is left out of the refresh and the comparison:
# - Kubernetes objects: "Azure Kubernetes Service RBAC Reader" cannot read Secrets, Roles or
#   RoleBindings (nor Helm's release records, which are Secrets), so refreshing them fails with
#   403; Flux reports drift inside the cluster, and every deploy's `up --refresh` corrects the
#   platform's own objects.
# - GitHub resources (deploy keys on tenant repositories, this repository's Actions variables):
#   reading them needs admin rights the job's token does not have, and an unreadable deploy key
#   would look deleted.
# URN globs: `*` stays within a `:`-separated part, `**` matches anything (pulumi/pulumi
# pkg/resource/deploy/target.go, getMatcher); every such resource sits under a component, so its
# qualified type contains `$kubernetes:` / `$github:`. --exclude (pulumi/pulumi#18828, CLI 3.157)
# also limits the refresh that --refresh runs first.
excludes=(
  --exclude '**$kubernetes:**'
  --exclude '**$github:**'
)

# `preview --refresh` compares the code with what the cloud holds now and writes no state (the
# drift check pulumi/pulumi#12740 and #10967 describe; `refresh --expect-no-changes` would write
# it), and the preview identity may only read the state anyway.
preview_code=0
pulumi preview --stack "$pulumi_stack" --refresh --expect-no-changes --diff \
  --non-interactive --color never --suppress-progress "${excludes[@]}" \
  >"$work/preview.txt" 2>&1 || preview_code=$?
cat "$work/preview.txt"

# The verdict. The CLI's exit code taxonomy (pulumi/pulumi pkg/cmd/pulumi/cmd/exit_codes.go) gives 7
# (ExitNoChanges) for --expect-no-changes; older CLIs exit 255 with "no changes were expected but
# changes were proposed" (the engine stops before that check on any other error).
verdict=failed
case "$preview_code" in
  0) verdict=clean ;;
  7) verdict=drift ;;
  1 | 255) grep -q 'no changes were expected' "$work/preview.txt" && verdict=drift ;;
esac
echo "drift-report: stack $stack: pulumi preview exited $preview_code: $verdict"
if [ "$verdict" = failed ]; then
  echo "::error::pulumi preview failed for stack $stack (exit $preview_code); no issue was opened or closed"
  exit 1
fi

existing="$(gh issue list --state open --label "$drift_label" --label "$stack_label" --limit 1 --json number --jq '.[0].number // empty')"
today="$(date -u +%Y-%m-%d)"
seen_in="${run_url:+ ($run_url)}"

if [ "$verdict" = clean ]; then
  if [ -n "$existing" ]; then
    gh issue close "$existing" --comment "No drift on $today$seen_in: Azure matches the code again for stack \`$stack\`."
    echo "drift-report: closed #$existing"
  fi
  exit 0
fi

# The body: the preview's output (Pulumi prints secret values as [secret]), cut to fit.
{
  echo "Stack \`$stack\` has drifted: \`pulumi preview --refresh --expect-no-changes\` on $today$seen_in proposes changes."
  echo "Azure was changed outside Pulumi, or main holds code that was never deployed."
  echo "Kubernetes objects and GitHub resources are not compared here (docs/operating.md, \"Drift\")."
  echo
  echo '```text'
  if [ "$(wc -c <"$work/preview.txt")" -gt "$output_budget" ]; then
    # A byte cut can split a multi-byte character (Pulumi's tree lines): iconv -c drops the
    # pieces, and exits 1 when it did, which is expected here.
    head -c $((output_budget - 4000)) "$work/preview.txt" | { iconv -f UTF-8 -t UTF-8 -c 2>/dev/null || true; }
    echo
    echo "... (cut: the whole output is in the workflow run's log)"
    tail -c 3500 "$work/preview.txt" | { iconv -f UTF-8 -t UTF-8 -c 2>/dev/null || true; }
  else
    cat "$work/preview.txt"
  fi
  echo '```'
  echo
  echo "What to do: docs/operating.md, \"Drift\": put Azure back with \`pulumi up --refresh\`, or make the change in code."
} >"$work/body.md"
if [ "$(wc -c <"$work/body.md")" -gt "$body_limit" ]; then
  echo "::error::drift-report: the issue body is over $body_limit bytes" >&2
  exit 1
fi

if [ -n "$existing" ]; then
  gh issue edit "$existing" --body-file "$work/body.md"
  gh issue comment "$existing" --body "Still drifted on $today$seen_in; the description shows the latest preview."
  echo "drift-report: updated #$existing"
else
  gh label create "$drift_label" --force --color d93f0b --description "Azure differs from the code (drift workflow)"
  gh label create "$stack_label" --force --color 0e8a16 --description "Stack $stack"
  gh issue create --title "Drift in stack $stack" --label "$drift_label" --label "$stack_label" --body-file "$work/body.md"
fi
