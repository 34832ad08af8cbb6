/**
 * scripts/drift-report.sh, run for real against a fake `pulumi` (no drift, drift, drift on an
 * older CLI, a failure) and a fake `gh` that keeps one repository's issues and records every call:
 * an issue opened, updated, closed, and nothing touched when the preview itself fails.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

const SCRIPT = join(PROJECT_ROOT, "scripts", "drift-report.sh");
const SEP = "\x1f";

/** FAKE_PULUMI: clean | drift | legacy-drift | error | huge-drift. Records its argv. */
const FAKE_PULUMI = `#!/bin/bash
printf '%s${SEP}' "$@" >>"$FAKE_STATE/pulumi.calls"; echo >>"$FAKE_STATE/pulumi.calls"
summary() { echo "Previewing update (dev)"; echo "    ~ azure-native:keyvault:Vault platform-kv update [diff: ~properties]"; echo "      ~ networkAcls: { defaultAction: \\"Deny\\" => \\"Allow\\" }"; echo "      secretValue: [secret]"; }
case "$FAKE_PULUMI" in
  clean) echo "Previewing update (dev)"; echo "Resources:"; echo "    120 unchanged"; exit 0 ;;
  drift) summary; echo "Resources:"; echo "    ~ 1 to update"; echo "error: no changes were expected but changes were proposed" >&2; exit 7 ;;
  legacy-drift) summary; echo "error: error: no changes were expected but changes were proposed" >&2; exit 255 ;;
  huge-drift) summary; for i in $(seq 1 4000); do echo "      ~ tags.line$i: \\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\" => \\"b\\""; done; echo "Resources:"; echo "    ~ 4000 to update"; exit 7 ;;
  unicode-drift) printf x; for i in $(seq 1 25000); do printf '\xe2\x94\x80'; done; echo; exit 7 ;;
  error) echo "error: failed to refresh: AuthorizationFailed: the client does not have authorization (403)" >&2; exit 255 ;;
  auth) echo "error: this command requires logging in" >&2; exit 3 ;;
esac
exit 99
`;

/**
 * Open issues are files $FAKE_STATE/issues/<n> holding their labels. Calls are recorded with
 * their arguments; a --body-file is copied to $FAKE_STATE/body-<call number>.md.
 */
const FAKE_GH = `#!/bin/bash
set -euo pipefail
state="$FAKE_STATE"
printf '%s${SEP}' "$@" >>"$state/gh.calls"; echo >>"$state/gh.calls"
n=$(wc -l <"$state/gh.calls")
args=("$@")
for i in "\${!args[@]}"; do
  [ "\${args[$i]}" = --body-file ] && cp "\${args[$((i + 1))]}" "$state/body-$n.md"
done
case "$1 $2" in
  "issue list")
    labels=(); while [ $# -gt 0 ]; do [ "$1" = --label ] && labels+=("$2"); shift; done
    for f in $(ls "$state/issues" | sort -n); do
      ok=1; for l in "\${labels[@]}"; do grep -qxF "$l" "$state/issues/$f" || ok=0; done
      [ $ok = 1 ] && { echo "$f"; exit 0; }
    done
    exit 0 ;;
  "issue create")
    next=$(( $(ls "$state/issues" | wc -l) + 40 ))
    : >"$state/issues/$next"; while [ $# -gt 0 ]; do [ "$1" = --label ] && echo "$2" >>"$state/issues/$next"; shift; done
    echo "https://github.com/acme/infra/issues/$next" ;;
  "issue close") rm "$state/issues/$3" ;;
  "issue edit" | "issue comment" | "label create") ;;
  *) echo "fake gh: unexpected $*" >&2; exit 64 ;;
esac
`;

function world(issues: Record<number, string[]> = {}) {
  const root = mkdtempSync(join(tmpdir(), "drift-report-"));
  const bin = join(root, "bin");
  const state = join(root, "state");
  mkdirSync(bin);
  mkdirSync(join(state, "issues"), { recursive: true });
  writeFileSync(join(bin, "pulumi"), FAKE_PULUMI);
  writeFileSync(join(bin, "gh"), FAKE_GH);
  chmodSync(join(bin, "pulumi"), 0o755);
  chmodSync(join(bin, "gh"), 0o755);
  for (const [n, labels] of Object.entries(issues)) writeFileSync(join(state, "issues", n), labels.map((l) => `${l}\n`).join(""));
  const calls = (tool: "gh" | "pulumi") => {
    const file = join(state, `${tool}.calls`);
    return existsSync(file) ? readFileSync(file, "utf8").trimEnd().split("\n").filter(Boolean).map((line) => line.split(SEP).slice(0, -1)) : [];
  };
  return {
    state,
    run(stack: string, mode: string) {
      return spawnSync("bash", [SCRIPT, stack], {
        encoding: "utf8",
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          FAKE_STATE: state,
          FAKE_PULUMI: mode,
          PULUMI_STACK: `organization/gitops-platform/${stack}`,
          GH_REPO: "acme/infra",
          GH_TOKEN: "fake",
          RUN_URL: "https://github.com/acme/infra/actions/runs/7",
        },
      });
    },
    calls,
    /** The gh calls by subcommand: "issue create", "issue edit", ... */
    verbs: () => calls("gh").map((c) => `${c[0]} ${c[1]}`),
    openIssues: () => spawnSync("ls", [join(state, "issues")], { encoding: "utf8" }).stdout.split("\n").filter(Boolean),
    body: (callNumber: number) => readFileSync(join(state, `body-${callNumber}.md`), "utf8"),
  };
}

test("pulumi runs a refreshing preview that expects no changes, leaving out what the read-only identity cannot read", () => {
  const w = world();
  w.run("dev", "clean");
  const [argv] = w.calls("pulumi");
  assert.deepEqual(argv.slice(0, 3), ["preview", "--stack", "organization/gitops-platform/dev"]);
  for (const flag of ["--refresh", "--expect-no-changes", "--non-interactive", "--diff"]) assert.ok(argv.includes(flag), flag);
  assert.ok(!argv.includes("--show-secrets"));
  const excluded = argv.flatMap((a, i) => (a === "--exclude" ? [argv[i + 1]] : []));
  assert.deepEqual(excluded, ["**$kubernetes:**", "**$github:**"]);
});

test("drift with no open issue: the labels exist, and one issue is opened with the preview (secrets masked)", () => {
  const w = world({ 12: ["bug"] });
  const result = w.run("prod", "drift");
  assert.equal(result.status, 0, result.stderr + result.stdout);
  assert.deepEqual(w.verbs(), ["issue list", "label create", "label create", "issue create"]);
  const list = w.calls("gh")[0];
  assert.deepEqual(list.filter((_, i) => list[i - 1] === "--label"), ["drift", "stack:prod"]);
  assert.deepEqual(list.slice(list.indexOf("--state"), list.indexOf("--state") + 2), ["--state", "open"]);
  const create = w.calls("gh")[3];
  assert.equal(create[create.indexOf("--title") + 1], "Drift in stack prod");
  assert.deepEqual(create.filter((_, i) => create[i - 1] === "--label"), ["drift", "stack:prod"]);
  const body = w.body(4);
  assert.match(body, /networkAcls: \{ defaultAction: "Deny" => "Allow" \}/);
  assert.match(body, /secretValue: \[secret\]/);
  assert.match(body, /actions\/runs\/7/);
  assert.deepEqual(w.openIssues().sort(), ["12", "41"]);
});

test("still drifted: the open issue of that stack is edited and commented, no second issue", () => {
  const w = world({ 5: ["drift", "stack:dev"], 9: ["drift", "stack:prod"] });
  const result = w.run("prod", "drift");
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(w.verbs(), ["issue list", "issue edit", "issue comment"]);
  assert.equal(w.calls("gh")[1][2], "9");
  assert.equal(w.calls("gh")[2][2], "9");
  assert.match(w.body(2), /~ 1 to update/);
  assert.deepEqual(w.openIssues().sort(), ["5", "9"]);
});

test("drift gone: the stack's issue is closed with a comment; the other stack's stays open", () => {
  const w = world({ 5: ["drift", "stack:dev"], 9: ["drift", "stack:prod"] });
  const result = w.run("dev", "clean");
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(w.verbs(), ["issue list", "issue close"]);
  const close = w.calls("gh")[1];
  assert.equal(close[2], "5");
  assert.match(close[close.indexOf("--comment") + 1], /No drift on \d{4}-\d{2}-\d{2}/);
  assert.deepEqual(w.openIssues(), ["9"]);
});

test("no drift and no issue: nothing but the lookup", () => {
  const w = world();
  assert.equal(w.run("dev", "clean").status, 0);
  assert.deepEqual(w.verbs(), ["issue list"]);
});

test("an older CLI's drift (exit 255 with the no-changes message) counts as drift", () => {
  const w = world();
  assert.equal(w.run("dev", "legacy-drift").status, 0);
  assert.deepEqual(w.verbs(), ["issue list", "label create", "label create", "issue create"]);
});

test("a failed preview (403, login) fails the job and opens, updates or closes nothing", () => {
  for (const mode of ["error", "auth"]) {
    const w = world({ 5: ["drift", "stack:dev"] });
    const result = w.run("dev", mode);
    assert.equal(result.status, 1, mode);
    assert.match(result.stdout, /::error::pulumi preview failed for stack dev/);
    assert.deepEqual(w.verbs(), [], mode);
    assert.deepEqual(w.openIssues(), ["5"], mode);
  }
});

test("a huge preview is cut to fit GitHub's 65536-character body, keeping the start and the summary", () => {
  const w = world();
  const result = w.run("dev", "huge-drift");
  assert.equal(result.status, 0, result.stderr);
  const body = w.body(4);
  assert.ok(body.length <= 65536, `${body.length}`);
  assert.match(body, /networkAcls/);
  assert.match(body, /cut: the whole output is in the workflow run's log/);
  assert.match(body, /~ 4000 to update/);
  assert.match(result.stdout, /line3999/, "the job log keeps everything");
});

test("the script is valid bash", () => {
  assert.equal(spawnSync("bash", ["-n", SCRIPT]).status, 0);
});

/** Pulumi's URN glob (pulumi/pulumi pkg/resource/deploy/target.go, getMatcher): `**` anything, `*` no `:`. */
function urnGlob(glob: string): RegExp {
  const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${glob.split("**").map((part) => part.split("*").map(quote).join("[^:]*")).join(".*")}$`);
}

test("the excluded URNs are exactly the Kubernetes and GitHub resources of the real stacks: every Azure resource is refreshed", async () => {
  const globs = [...readFileSync(SCRIPT, "utf8").matchAll(/--exclude '([^']+)'/g)].map((m) => urnGlob(m[1]));
  assert.equal(globs.length, 2);
  assert.ok(urnGlob("**$kubernetes:**").test("urn:pulumi:dev::p::a:b:C$kubernetes:core/v1:Secret::s"));
  assert.ok(!urnGlob("*:x").test("a:b:x"), "`*` stays within one part");
  for (const stack of ["dev", "prod"] as const) {
    const { graph } = await synthesize({ stack });
    const custom = graph.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    const excluded = custom.filter((r) => globs.some((g) => g.test(r.urn)));
    const expected = custom.filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("github:"));
    assert.ok(expected.length > 10, stack);
    assert.deepEqual(excluded.map((r) => r.urn).sort(), expected.map((r) => r.urn).sort(), stack);
    assert.ok(custom.some((r) => r.type.startsWith("azure-native:") && !excluded.includes(r)), stack);
  }
});

test("a cut through a multi-byte character (Pulumi's tree lines) drops that character, not the report", () => {
  const w = world();
  const result = w.run("dev", "unicode-drift");
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(w.verbs(), ["issue list", "label create", "label create", "issue create"]);
  const body = w.body(4);
  assert.ok(body.length <= 65536, `${body.length}`);
  assert.ok(!body.includes("\uFFFD"), "no broken character in the body");
});
