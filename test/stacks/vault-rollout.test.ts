/** The leader-aware rollout script against a fake Kubernetes API (a curl stub), and its trigger. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { requireTool } from "../tools";
import { renderRolloutScript } from "../../components/kubernetes/vault-rollout";

const TOKEN = "PLANTED-service-account-token";

/**
 * Pods live in $FAKE_STATE/pods/<name>.json as {uid, revision, active, ready, pending}. An
 * eviction records the pod and the readiness of the others at that moment, then recreates the
 * pod at the update revision, not ready for two polls; evicting the active pod hands the lead to
 * the first other pod.
 */
const FAKE_CURL = `#!/bin/bash
set -euo pipefail
state="$FAKE_STATE"
printf 'curl %s\\n' "$*" >>"$state/argv.log"
method=GET out=/dev/stdout data= url=
while [ $# -gt 0 ]; do
  case "$1" in
    --request) method=$2; shift 2 ;;
    --output) out=$2; shift 2 ;;
    --write-out) shift 2 ;;
    --data-binary) data=\${2#@}; shift 2 ;;
    --header) case "$2" in @*) grep -qx "Authorization: Bearer ${TOKEN}" "\${2#@}" || { printf 401; exit 0; } ;; esac; shift 2 ;;
    --cacert | --silent | --show-error) [ "$1" = --cacert ] && shift 2 || shift ;;
    *) url=$1; shift ;;
  esac
done
path=/\${url#https://*/}
rev=$(cat "$state/revision")
list() {
  for f in "$state"/pods/*.json; do
    p=$(basename "$f" .json)
    pending=$(jq .pending "$f")
    if [ "$pending" -gt 0 ]; then jq '.pending -= 1 | if .pending == 0 then .ready = true else . end' "$f" >"$f.new" && mv "$f.new" "$f"; fi
    jq -c --arg p "$p" '{metadata: {name: $p, uid: .uid, labels: {"controller-revision-hash": .revision, "vault-active": (if .active then "true" else "false" end),
      "vault-initialized": (if .initialized == false then "false" else "true" end), "vault-sealed": (if .ready then "false" else "true" end)}},
      status: {conditions: [{type: "Ready", status: (if .ready then "True" else "False" end)}]}}' "$f"
  done | jq -s -c '{items: .}'
}
case "$method $path" in
  "GET /apis/apps/v1/namespaces/vault/statefulsets/vault") body=$(jq -n -c --arg rev "$rev" --argjson n "$(ls "$state/pods" | wc -l)" '{spec: {replicas: $n}, status: {updateRevision: $rev}}') ;;
  "GET /api/v1/namespaces/vault/pods?labelSelector="*) body=$(list) ;;
  "POST /api/v1/namespaces/vault/pods/"*"/eviction")
    p=$(jq -r .metadata.name "$data")
    notready=$(for f in "$state"/pods/*.json; do jq -r --arg p "$(basename "$f" .json)" 'select(.ready | not) | $p' "$f"; done | tr '\\n' ' ')
    echo "$p notready=[$notready] active=$(jq .active "$state/pods/$p.json")" >>"$state/evictions.log"
    if [ "$(jq .active "$state/pods/$p.json")" = true ]; then
      other=$(ls "$state/pods" | grep -v "^$p.json$" | head -1)
      [ -n "$other" ] && jq '.active = true' "$state/pods/$other" >"$state/x" && mv "$state/x" "$state/pods/$other"
    fi
    initialized=true; [ -f "$state/empty-volumes" ] && initialized=false
    jq -n --arg rev "$rev" --arg uid "uid-$RANDOM$RANDOM" --argjson init "$initialized" '{uid: $uid, revision: $rev, active: false, ready: false, initialized: $init, pending: 2}' >"$state/pods/$p.json"
    printf 201 >"$state/status"; body='{}' ;;
  *) body='{"message":"no handler"}'; printf 404 >"$state/status" ;;
esac
printf '%s' "$body" >"$out"
if [ -f "$state/status" ]; then cat "$state/status"; rm "$state/status"; else printf 200; fi
`;

function fakeCluster(pods: { name: string; revision: string; active?: boolean; ready?: boolean }[], revision = "vault-new") {
  const root = mkdtempSync(join(tmpdir(), "vault-rollout-"));
  const bin = join(root, "bin");
  const state = join(root, "state");
  const sa = join(root, "sa");
  for (const dir of [bin, join(state, "pods"), sa]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(bin, "curl"), FAKE_CURL);
  writeFileSync(join(bin, "sleep"), "#!/bin/bash\nexit 0\n");
  for (const tool of ["curl", "sleep"]) chmodSync(join(bin, tool), 0o755);
  writeFileSync(join(sa, "token"), TOKEN);
  writeFileSync(join(sa, "ca.crt"), "CA");
  writeFileSync(join(state, "revision"), revision);
  for (const pod of pods) {
    writeFileSync(join(state, "pods", `${pod.name}.json`), JSON.stringify({ uid: `uid-${pod.name}`, revision: pod.revision, active: pod.active ?? false, ready: pod.ready ?? true, pending: 0 }));
  }
  const script = renderRolloutScript({
    namespace: "vault",
    statefulSet: "vault",
    selector: "app.kubernetes.io/instance=vault,component=server",
    serviceAccountDir: sa,
    workDir: join(root, "work"),
    polls: 20,
  });
  const runScript = () => spawnSync("bash", ["-c", script, "rollout"], { encoding: "utf8", env: { PATH: `${bin}:${process.env.PATH}`, FAKE_STATE: state } });
  const read = (file: string) => {
    try {
      return readFileSync(join(state, file), "utf8");
    } catch {
      return "";
    }
  };
  return { root, state, runScript, read, evictions: () => read("evictions.log").trim().split("\n").filter(Boolean) };
}

test("the rollout script is valid bash", () => {
  const check = spawnSync("bash", ["-n"], { input: renderRolloutScript({ namespace: "vault", statefulSet: "vault", selector: "component=server" }), encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  assert.throws(() => renderRolloutScript({ namespace: "Vault", statefulSet: "vault", selector: "x" }), /not a DNS label/);
});

test("outdated pods are replaced one at a time, standbys first from the highest ordinal, the active pod last", () => {
  requireTool("jq");
  const cluster = fakeCluster([
    { name: "vault-0", revision: "vault-old", active: true },
    { name: "vault-1", revision: "vault-old" },
    { name: "vault-2", revision: "vault-old" },
  ]);
  try {
    const result = cluster.runScript();
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(cluster.evictions(), ["vault-2 notready=[] active=false", "vault-1 notready=[] active=false", "vault-0 notready=[] active=true"]);
    assert.match(result.stderr, /every pod runs revision vault-new/);
    assert.ok(!cluster.read("argv.log").includes(TOKEN), "the token never reaches a command line");
  } finally {
    rmSync(cluster.root, { recursive: true, force: true });
  }
});

test("the active pod goes last wherever it sits; current pods are left alone", () => {
  requireTool("jq");
  const cluster = fakeCluster([
    { name: "vault-0", revision: "vault-old" },
    { name: "vault-1", revision: "vault-new" },
    { name: "vault-2", revision: "vault-old", active: true },
  ]);
  try {
    const result = cluster.runScript();
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(cluster.evictions().map((e) => e.split(" ")[0]), ["vault-0", "vault-2"]);
  } finally {
    rmSync(cluster.root, { recursive: true, force: true });
  }
});

test("nothing is restarted when every pod is current, nor while a pod is not ready", () => {
  requireTool("jq");
  const current = fakeCluster([{ name: "vault-0", revision: "vault-new", active: true }]);
  const degraded = fakeCluster([
    { name: "vault-0", revision: "vault-old", active: true },
    { name: "vault-1", revision: "vault-old", ready: false },
    { name: "vault-2", revision: "vault-old" },
  ]);
  try {
    const ok = current.runScript();
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(current.evictions(), []);
    const refused = degraded.runScript();
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /did not all become ready; nothing more is restarted/);
    assert.deepEqual(degraded.evictions(), []);
  } finally {
    rmSync(current.root, { recursive: true, force: true });
    rmSync(degraded.root, { recursive: true, force: true });
  }
});

test("a replaced pod that is Ready but not initialised (an empty volume) stops the rollout", () => {
  requireTool("jq");
  const cluster = fakeCluster([
    { name: "vault-0", revision: "vault-old", active: true },
    { name: "vault-1", revision: "vault-old" },
    { name: "vault-2", revision: "vault-old" },
  ]);
  try {
    // The readiness probe passes for an uninitialised pod; Vault's own labels say it is not serving.
    writeFileSync(join(cluster.state, "empty-volumes"), "");
    const result = cluster.runScript();
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /vault-2 did not come back ready at vault-new/);
    assert.deepEqual(cluster.evictions().map((e) => e.split(" ")[0]), ["vault-2"], "nothing after the pod that did not rejoin");
  } finally {
    rmSync(cluster.root, { recursive: true, force: true });
  }
});
