import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { requireTool } from "../tools";
import { parse } from "@cdktf/hcl2json";
import {
  appPolicyName,
  appRole,
  BootstrapInput,
  bootstrapSecretNames,
  renderAppPolicy,
  renderBootstrapScript,
  renderTenantPolicy,
  shellQuote,
  tenantPathProblem,
  tenantPolicyName,
  tenantRole,
} from "../../components/kubernetes/vault-bootstrap";
import { renderTenantWritePolicy } from "../../components/kubernetes/vault-oidc";

const INPUT: BootstrapInput = {
  initAddress: "https://vault-0.vault-internal:8200",
  activeAddress: "https://vault-active.vault.svc:8200",
  caCertFile: "/etc/vault-bootstrap/ca.crt",
  keyVaultName: "kv-dev-x1y2z3",
  secretPrefix: "vault",
  recoveryShares: 5,
  recoveryThreshold: 3,
  kvMount: "secret",
  tenants: [
    { name: "a", namespace: "team-a", namespaceWide: true },
    { name: "ab", namespace: "ab", namespaceWide: true, roles: [{ name: "app", serviceAccounts: ["app", "worker"], paths: ["app/*", "shared/ca"] }] },
  ],
};

/** The workload identity token the fake webhook projects; it must never reach an argv. */
const FEDERATED_TOKEN = "eyJhbGciOiJSUzI1NiJ9.PLANTED-federated-token.sig";

type Capabilities = Record<string, string[]>;

/** `path "<glob>" { capabilities = [...] }` blocks of a parsed policy. */
async function policyRules(hcl: string): Promise<Capabilities> {
  const json = (await parse("policy.hcl", hcl)) as { path: Record<string, { capabilities: string[] }[]> };
  return Object.fromEntries(Object.entries(json.path).map(([glob, [block]]) => [glob, block.capabilities]));
}

/** Vault's ACL matching: exact paths, a trailing `*` as a prefix, `+` as one path segment. */
function allows(rules: Capabilities, path: string, capability: string): boolean {
  return Object.entries(rules).some(([glob, capabilities]) => {
    const prefix = glob.endsWith("*");
    const pattern = (prefix ? glob.slice(0, -1) : glob)
      .split("/")
      .map((segment) => (segment === "+" ? "[^/]+" : segment.replace(/[.*?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    return new RegExp(`^${pattern}${prefix ? "" : "$"}`).test(path) && capabilities.includes(capability);
  });
}

/** The policies the script writes, from its `policy_json <<'POLICY' | write_json 'sys/policies/acl/<name>'` heredocs. */
function scriptPolicies(script: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of script.matchAll(/^policy_json <<'POLICY' \| write_json 'sys\/policies\/acl\/([^']+)'\n([\s\S]*?)^POLICY$/gm)) {
    found.set(m[1], m[2]);
  }
  return found;
}

test("the script is valid bash", () => {
  const script = renderBootstrapScript(INPUT);
  assert.ok(script.startsWith("#!/bin/bash\n"));
  const check = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  const none = spawnSync("bash", ["-n"], { input: renderBootstrapScript({ ...INPUT, tenants: [], auditFilePath: null }), encoding: "utf8" });
  assert.equal(none.status, 0, none.stderr);
});

test("one policy per tenant, each reading its own subtree and nothing of another tenant's", async () => {
  const script = renderBootstrapScript(INPUT);
  const policies = scriptPolicies(script);
  assert.deepEqual([...policies.keys()], ["tenant-a", "tenant-ab", "tenant-ab.app"]);
  for (const tenant of INPUT.tenants) {
    assert.equal(policies.get(tenantPolicyName(tenant.name)), renderTenantPolicy("secret", tenant.name));
  }
  const a = await policyRules(policies.get("tenant-a")!);
  const ab = await policyRules(policies.get("tenant-ab")!);
  assert.deepEqual(a, { "secret/data/a/*": ["read"], "secret/metadata/a/*": ["read", "list"] });

  assert.ok(allows(a, "secret/data/a/db", "read"));
  assert.ok(allows(a, "secret/data/a/nested/db", "read"));
  assert.ok(allows(a, "secret/metadata/a/", "list"));
  assert.ok(allows(ab, "secret/data/ab/db", "read"));
  // No cross-tenant reads, not even through a shared name prefix ("a" vs "ab").
  assert.ok(!allows(a, "secret/data/ab/db", "read"));
  assert.ok(!allows(a, "secret/metadata/ab/", "list"));
  assert.ok(!allows(ab, "secret/data/a/db", "read"));
  // Read only: no writes, no deletes, nothing outside the mount.
  for (const capability of ["create", "update", "delete", "patch", "sudo"]) {
    assert.ok(!allows(a, "secret/data/a/db", capability), capability);
  }
  assert.ok(!allows(a, "secret/destroy/a/db", "update"));
  assert.ok(!allows(a, "sys/policies/acl/tenant-a", "read"));

  // An application's policy: its paths only, inside its tenant's subtree.
  const app = await policyRules(policies.get(appPolicyName("ab", "app"))!);
  assert.equal(policies.get("tenant-ab.app"), renderAppPolicy("secret", "ab", INPUT.tenants[1].roles![0]));
  assert.deepEqual(app, {
    "secret/data/ab/app/*": ["read"],
    "secret/metadata/ab/app/*": ["read", "list"],
    "secret/data/ab/shared/ca": ["read"],
    "secret/metadata/ab/shared/ca": ["read", "list"],
  });
  assert.ok(allows(app, "secret/data/ab/app/db", "read"));
  assert.ok(allows(app, "secret/data/ab/shared/ca", "read"));
  assert.ok(!allows(app, "secret/data/ab/shared/other", "read"));
  assert.ok(!allows(app, "secret/data/ab/db", "read"));
  assert.ok(!allows(app, "secret/data/a/app/db", "read"));
  assert.ok(!allows(app, "secret/data/ab/app/db", "update"));
});

test("application paths stay inside the tenant's subtree", () => {
  for (const ok of ["*", "db", "app/db", "app/*", "app-*", "a.b/c_d-e"]) assert.equal(tenantPathProblem(ok), undefined, ok);
  for (const bad of ["", "/db", "../b/db", "app/../../b", "./db", "app//db", "app/*/db", "*/db", "a*b", "app/+", "app/", "d b", "app/..*"]) {
    assert.match(tenantPathProblem(bad) ?? "", /must be a path inside the tenant's KV subtree/, bad);
  }
});

test("an application's kubernetes auth role binds exactly its service accounts in its tenant's namespace to its policy", () => {
  const [ab] = INPUT.tenants.slice(1);
  assert.deepEqual(appRole(ab, ab.roles![0]), {
    bound_service_account_names: ["app", "worker"],
    bound_service_account_namespaces: ["ab"],
    token_policies: ["tenant-ab.app"],
    audience: "vault",
    token_ttl: "1h",
    token_max_ttl: "4h",
  });
  assert.equal(appRole(ab, { ...ab.roles![0], audience: "https://vault.example" }).audience, "https://vault.example");
  assert.equal(appRole(ab, { ...ab.roles![0], audience: "" }).audience, "vault", "never written empty");
  // The namespace-wide role, only where config asks for it.
  assert.deepEqual(tenantRole(INPUT.tenants[0]), {
    bound_service_account_names: ["*"],
    bound_service_account_namespaces: ["team-a"],
    token_policies: ["tenant-a"],
    audience: "vault",
    token_ttl: "1h",
    token_max_ttl: "4h",
  });
  const script = renderBootstrapScript(INPUT);
  assert.match(script, /^write_json 'auth\/kubernetes\/role\/ab\.app' <<'ROLE'\n\{"bound_service_account_names":\["app","worker"\],"bound_service_account_namespaces":\["ab"\]/m);
  const narrow = renderBootstrapScript({ ...INPUT, tenants: [{ name: "a", namespace: "team-a", roles: [{ name: "api", serviceAccounts: ["api"], paths: ["api/*"] }] }] });
  assert.doesNotMatch(narrow, /"\*"/, "no wildcard binding without namespaceWide");
  assert.doesNotMatch(narrow, /auth\/kubernetes\/role\/a'/);
});

test("no secret reaches argv or the log: no tracing, files for the values", () => {
  const script = renderBootstrapScript(INPUT);
  assert.match(script, /^set \+x$/m);
  assert.match(script, /^umask 077$/m);
  assert.doesNotMatch(script, /^set -[a-z]*x/m);
  assert.doesNotMatch(script, /--value "\$/, "secret values go through --file");
  assert.match(script, /az keyvault secret set [^\n]*--file "\$2"/);
  assert.match(script, /az login --service-principal -u "\$AZURE_CLIENT_ID" -t "\$AZURE_TENANT_ID"/);
  assert.doesNotMatch(script, /\$\(cat "\$AZURE_FEDERATED_TOKEN_FILE"\)/, "the token is read by az from its file, not put on the command line");
  assert.match(script, /recovery_shares: \$shares, recovery_threshold: \$threshold/);
});

test("bad input is refused with the field named", () => {
  assert.throws(() => renderBootstrapScript({ ...INPUT, recoveryThreshold: 6 }), /recoveryThreshold must be 1-5/);
  assert.throws(() => renderBootstrapScript({ ...INPUT, tenants: [{ name: "Bad_Name", namespace: "x" }] }), /tenant "Bad_Name" must be a DNS-1123 label/);
  assert.throws(() => renderBootstrapScript({ ...INPUT, tenants: [INPUT.tenants[0], INPUT.tenants[0]] }), /tenant a appears twice/);
  assert.throws(() => renderBootstrapScript({ ...INPUT, initAddress: "http://vault-0:8200" }), /initAddress must be an https:\/\/ address/);
  assert.throws(() => renderTenantPolicy("Secret", "a"), /kvMount/);
  const role = { name: "api", serviceAccounts: ["api"], paths: ["api/*"] };
  const withRole = (r: object) => renderBootstrapScript({ ...INPUT, tenants: [{ name: "a", namespace: "a", roles: [{ ...role, ...r }] }] });
  assert.throws(() => withRole({ serviceAccounts: ["*"] }), /tenant a, role api: service account "\*" is not a name/);
  assert.throws(() => withRole({ serviceAccounts: ["api-*"] }), /service account "api-\*" is not a name/);
  assert.throws(() => withRole({ serviceAccounts: [] }), /role api: needs at least one service account/);
  assert.throws(() => withRole({ paths: ["../b/*"] }), /role api: path "..\/b\/\*" must be a path inside the tenant's KV subtree/);
  assert.throws(() => withRole({ name: "API" }), /role "API" must be a DNS-1123 label/);
  assert.throws(() => renderBootstrapScript({ ...INPUT, tenants: [{ name: "a", namespace: "a", roles: [role, role] }] }), /role api appears twice/);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

// A fake Vault behind a `curl` stub and a fake Key Vault behind an `az` stub: the script runs for real.
const FAKE_CURL = `#!/bin/bash
set -euo pipefail
state="$FAKE_STATE"
printf 'curl %s\\n' "$*" >>"$state/argv.log"
export FAKE_INTERNAL=1 # the fake's own jq calls are not the script's
method=GET out=/dev/stdout writeout= data= headerfile= url=
while [ $# -gt 0 ]; do
  case "$1" in
    --request) method=$2; shift 2 ;;
    --output) out=$2; shift 2 ;;
    --write-out) writeout=$2; shift 2 ;;
    --data-binary) data=\${2#@}; shift 2 ;;
    --header) case "$2" in @*) headerfile=\${2#@} ;; esac; shift 2 ;;
    --cacert) [ -f "$2" ] || { echo "curl stub: no CA file $2" >&2; exit 77; }; shift 2 ;;
    --silent | --show-error) shift ;;
    -*) echo "curl stub: unexpected option $1" >&2; exit 2 ;;
    *) url=$1; shift ;;
  esac
done
path=\${url#*/v1/}
echo "$method \${url%%/v1/*} $path" >>"$state/requests.log"
status=200 body='{}'
token=
if [ -n "$headerfile" ]; then token=$(sed -n 's/^X-Vault-Token: //p' "$headerfile"); fi
# Valid: the token init returned, or one generate-root issued, unless revoked since.
token_kind() {
  [ -n "$token" ] || return 1
  if grep -qxF "$token" "$state/revoked" 2>/dev/null; then return 1; fi
  if [ -f "$state/root_token" ] && [ "$token" = "$(cat "$state/root_token")" ]; then echo init; return 0; fi
  if grep -qxF "$token" "$state/issued" 2>/dev/null; then echo generated; return 0; fi
  return 1
}
authorised() { local kind; kind=$(token_kind) || return 1; echo "$method $path $kind" >>"$state/auth.log"; }
merge() { jq --arg k "$2" --slurpfile b "$data" '. + {($k): $b[0]}' "$state/$1" >"$state/$1.new" && mv "$state/$1.new" "$state/$1"; }
case "$method $path" in
  "GET sys/health") ;;
  "GET sys/init") if [ -f "$state/root_token" ]; then body='{"initialized":true}'; else body='{"initialized":false}'; fi ;;
  "PUT sys/init")
    keys=$(for i in $(seq 1 "$(jq -r .recovery_shares "$data")"); do echo "\\"rk$i-$RANDOM$RANDOM\\""; done | jq -s -c .)
    printf 'hvs.root%s%s' "$RANDOM" "$RANDOM" >"$state/root_token"
    body=$(jq -n -c --argjson k "$keys" --arg t "$(cat "$state/root_token")" '{keys: [], keys_base64: [], recovery_keys: $k, recovery_keys_base64: $k, root_token: $t}')
    printf '%s' "$body" >"$state/init_response.json"
    jq -r .recovery_threshold "$data" >"$state/threshold" ;;
  # sys/generate-root needs no token (Vault authorises it by the recovery keys).
  "DELETE sys/generate-root/attempt") rm -f "$state/generate-root.json"; status=204 body='' ;;
  "PUT sys/generate-root/attempt" | "PUT sys/generate-root/update")
    answer=$(FAKE_DATA="$data" "$FAKE_NODE" "$FAKE_BIN/generate-root.cjs" "\${path##*/}")
    status=\${answer%% *} body=\${answer#* } ;;
  *)
    if ! authorised; then
      status=403 body='{"errors":["permission denied"]}'
    else
      case "$method $path" in
        "GET sys/audit" | "GET sys/auth" | "GET sys/mounts") body=$(jq -c '{data: .}' "$state/\${path#sys/}.json") ;;
        "PUT sys/audit/file") merge audit.json file/ ;;
        "POST sys/auth/kubernetes") merge auth.json kubernetes/ ;;
        "POST auth/kubernetes/config") cp "$data" "$state/kubernetes_config.json" ;;
        "POST sys/mounts/"*) merge mounts.json "\${path#sys/mounts/}/" ;;
        "POST sys/policies/acl/"*) jq -j .policy "$data" >"$state/policies/\${path##*/}" ;;
        "POST auth/kubernetes/role/"*) cp "$data" "$state/roles/\${path##*/}" ;;
        "LIST sys/policies/acl") body=$(ls "$state/policies" | jq -R . | jq -s -c '{data: {keys: (["default", "root"] + .)}}') ;;
        "DELETE sys/policies/acl/"*) rm -f "$state/policies/\${path##*/}"; status=204 ;;
        "DELETE auth/kubernetes/role/"*) rm -f "$state/roles/\${path##*/}"; status=204 ;;
        "POST auth/token/revoke-self") printf '%s\\n' "$token" >>"$state/revoked"; status=204 body='' ;;
        # OIDC (issue 30 item 2): the auth mount with an accessor, its config and role, external groups and their aliases.
        "POST sys/auth/oidc") jq --slurpfile b "$data" '. + {"oidc/": ($b[0] + {accessor: "auth_oidc_5e7a"})}' "$state/auth.json" >"$state/auth.json.new" && mv "$state/auth.json.new" "$state/auth.json" ;;
        "DELETE sys/auth/oidc") jq 'del(."oidc/")' "$state/auth.json" >"$state/auth.json.new" && mv "$state/auth.json.new" "$state/auth.json"; rm -rf "$state/groups"; mkdir -p "$state/groups"; status=204 body='' ;;
        "POST auth/oidc/config") cp "$data" "$state/oidc_config.json" ;;
        "POST auth/oidc/role/"*) cp "$data" "$state/oidc_role_$(basename "$path").json" ;;
        "POST identity/group/name/"*)
          group="$state/groups/$(basename "$path")"
          if [ -f "$group" ]; then
            jq --slurpfile b "$data" '. + {policies: $b[0].policies, type: $b[0].type}' "$group" >"$group.new" && mv "$group.new" "$group"; status=204 body=''
          else
            jq --slurpfile b "$data" --arg name "$(basename "$path")" --arg id "group-$RANDOM$RANDOM" -n '{id: $id, name: $name, type: $b[0].type, policies: $b[0].policies}' >"$group"
            body=$(jq -c '{data: {id: .id, name: .name}}' "$group")
          fi ;;
        "GET identity/group/name/"*)
          group="$state/groups/$(basename "$path")"
          if [ -f "$group" ]; then body=$(jq -c '{data: .}' "$group"); else status=404 body='{"errors":[]}'; fi ;;
        "LIST identity/group/name")
          if [ -z "$(ls "$state/groups")" ]; then status=404 body='{"errors":[]}'; else body=$(ls "$state/groups" | jq -R . | jq -s -c '{data: {keys: .}}'); fi ;;
        "DELETE identity/group/name/"*) rm -f "$state/groups/$(basename "$path")"; status=204 body='' ;;
        "POST identity/group-alias" | "POST identity/group-alias/id/"*)
          name=$(jq -r .name "$data") accessor=$(jq -r .mount_accessor "$data") canonical=$(jq -r .canonical_id "$data")
          alias_id=group-alias-$RANDOM
          case "$path" in identity/group-alias/id/*) alias_id=$(basename "$path") ;; esac
          taken=$(cat "$state"/groups/* | jq -r --arg n "$name" --arg a "$accessor" --arg id "$alias_id" 'select(.alias.name == $n and .alias.mount_accessor == $a and .alias.id != $id) | .name')
          if [ -n "$taken" ]; then
            status=400 body='{"errors":["combination of mount and group alias name is already in use"]}'
          else
            for group in "$state"/groups/*; do
              if [ "$(jq -r .id "$group")" = "$canonical" ]; then
                jq --arg id "$alias_id" --arg n "$name" --arg a "$accessor" '. + {alias: {id: $id, name: $n, mount_accessor: $a}}' "$group" >"$group.new" && mv "$group.new" "$group"
              fi
            done
            printf '%s\\n' "$path" >>"$state/alias-writes"
          fi ;;
        *) status=404 body='{"errors":["no handler"]}' ;;
      esac
    fi ;;
esac
printf '%s' "$body" >"$out"
if [ -n "$writeout" ]; then printf '%s' "$status"; fi
`;

const FAKE_AZ = `#!/bin/bash
set -euo pipefail
state="$FAKE_STATE"
printf '%s\\n' "$*" >>"$state/az.log"
printf 'az %s\\n' "$*" >>"$state/argv.log"
name= file= value= token=
command="$1 \${2:-} \${3:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --file) file=$2; shift 2 ;;
    --value) value=$2; shift 2 ;;
    --federated-token) token=$2; shift 2 ;;
    *) shift ;;
  esac
done
case "$command" in
  # az reads an argument written @<file> from that file (azure-cli core: _expand_file_prefixed_files).
  "login "*) case "$token" in @*) [ "$(cat "\${token#@}")" = "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" ] || exit 1 ;; *) [ "$token" = "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" ] || exit 1 ;; esac ;;
  "keyvault secret set")
    if grep -qx "$name" "$state/kv-refuses" 2>/dev/null; then echo "Forbidden" >&2; exit 1; fi
    if [ -n "$file" ]; then cp "$file" "$state/kv/$name"; else printf '%s' "$value" >"$state/kv/$name"; fi ;;
  "keyvault secret show")
    # A transient error (throttling, a dropped connection) for each line naming the secret in kv-flaky.
    if grep -qxF "$name" "$state/kv-flaky" 2>/dev/null; then
      awk -v n="$name" '!done && $0 == n { done = 1; next } { print }' "$state/kv-flaky" >"$state/kv-flaky.new" && mv "$state/kv-flaky.new" "$state/kv-flaky"
      echo "ERROR: (Throttled) Too many requests" >&2; exit 1
    fi
    [ -f "$state/kv/$name" ] || { echo "SecretNotFound" >&2; exit 3; }; cat "$state/kv/$name"; echo ;;
  "keyvault secret list") ls "$state/kv" ;;
  *) echo "az stub: unexpected $command" >&2; exit 2 ;;
esac
`;

/** jq as it is, with its argv recorded; sleep without the wait. */
const FAKE_JQ = (realJq: string) => `#!/bin/bash
[ -n "\${FAKE_INTERNAL:-}" ] || printf 'jq %s\\n' "$*" >>"$FAKE_STATE/argv.log"
exec ${realJq} "$@"
`;
const FAKE_SLEEP = `#!/bin/bash
printf '%s\\n' "$*" >>"$FAKE_STATE/sleeps.log"
exit 0
`;

/**
 * Vault's sys/generate-root as the script uses it (vault http/sys_generate_root.go, Vault >= 1.10):
 * an attempt returns a nonce and a one-time password of the token's length; each update takes one
 * recovery key; the threshold-th returns the new root token XOR the password, unpadded base64
 * (sdk/helper/roottoken). Prints "<status> <body>".
 */
const FAKE_GENERATE_ROOT = `
const fs = require("node:fs");
const crypto = require("node:crypto");
const state = process.env.FAKE_STATE;
const file = state + "/generate-root.json";
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const random = (n) => Array.from(crypto.randomBytes(n), (b) => alphabet[b % 62]).join("");
const answer = (status, body) => process.stdout.write(status + " " + JSON.stringify(body));
const threshold = fs.existsSync(state + "/threshold") ? Number(fs.readFileSync(state + "/threshold", "utf8")) : 3;
function main() {
  if (process.argv[2] === "attempt") {
    if (fs.existsSync(file)) return answer(400, { errors: ["root generation already in progress"] });
    const attempt = { started: true, nonce: crypto.randomUUID(), otp: random(28), otp_length: 28, progress: 0, required: threshold, complete: false, keys: [] };
    fs.writeFileSync(file, JSON.stringify(attempt));
    const { keys, ...shown } = attempt;
    return answer(200, shown);
  }
  if (!fs.existsSync(file)) return answer(400, { errors: ["no root generation in progress"] });
  const attempt = JSON.parse(fs.readFileSync(file, "utf8"));
  const request = JSON.parse(fs.readFileSync(process.env.FAKE_DATA, "utf8"));
  const recovery = JSON.parse(fs.readFileSync(state + "/init_response.json", "utf8")).recovery_keys_base64;
  if (request.nonce !== attempt.nonce) return answer(400, { errors: ["nonce mismatch"] });
  if (!recovery.includes(request.key) || attempt.keys.includes(request.key)) return answer(400, { errors: ["invalid recovery key"] });
  attempt.keys.push(request.key);
  if (attempt.keys.length < attempt.required) {
    fs.writeFileSync(file, JSON.stringify(attempt));
    return answer(200, { started: true, nonce: attempt.nonce, progress: attempt.keys.length, required: attempt.required, complete: false });
  }
  fs.rmSync(file);
  const token = "hvs." + random(24);
  fs.appendFileSync(state + "/issued", token + "\\n");
  const encoded = Buffer.from(Array.from(Buffer.from(token), (b, i) => b ^ attempt.otp.charCodeAt(i))).toString("base64").replace(/=+$/, "");
  return answer(200, { started: true, nonce: attempt.nonce, progress: attempt.required, required: attempt.required, complete: true, encoded_token: encoded, encoded_root_token: encoded });
}
main();
`;

function fakeWorld() {
  const root = mkdtempSync(join(tmpdir(), "vault-bootstrap-"));
  const bin = join(root, "bin");
  const state = join(root, "state");
  for (const dir of [bin, state, join(state, "kv"), join(state, "policies"), join(state, "roles"), join(state, "groups")]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(bin, "curl"), FAKE_CURL);
  writeFileSync(join(bin, "az"), FAKE_AZ);
  writeFileSync(join(bin, "jq"), FAKE_JQ(spawnSync("bash", ["-c", "command -v jq"], { encoding: "utf8" }).stdout.trim()));
  writeFileSync(join(bin, "sleep"), FAKE_SLEEP);
  writeFileSync(join(bin, "generate-root.cjs"), FAKE_GENERATE_ROOT);
  for (const tool of ["curl", "az", "jq", "sleep"]) chmodSync(join(bin, tool), 0o755);
  writeFileSync(join(state, "audit.json"), "{}");
  writeFileSync(join(state, "auth.json"), JSON.stringify({ "token/": { type: "token" } }));
  writeFileSync(join(state, "mounts.json"), JSON.stringify({ "sys/": { type: "system" } }));
  writeFileSync(join(root, "ca.crt"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
  writeFileSync(join(root, "token"), FEDERATED_TOKEN);
  const input = (tenants = INPUT.tenants): BootstrapInput => ({ ...INPUT, tenants, caCertFile: join(root, "ca.crt"), workDir: join(root, "work") });
  const runScript = (script: string, expect: "success" | "failure" = "success") => {
    const result = spawnSync("bash", ["-c", script, "bootstrap"], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_STATE: state,
        FAKE_BIN: bin,
        FAKE_NODE: process.execPath,
        AZURE_CLIENT_ID: "client",
        AZURE_TENANT_ID: "tenant",
        AZURE_FEDERATED_TOKEN_FILE: join(root, "token"),
      },
    });
    if (expect === "success") assert.equal(result.status, 0, `script failed:\n${result.stderr}`);
    else assert.notEqual(result.status, 0, `script should have failed:\n${result.stderr}`);
    return result;
  };
  const read = (file: string) => readFileSync(join(state, file), "utf8");
  const requests = () => read("requests.log").trim().split("\n");
  const kv = (name: string) => (existsSync(join(state, "kv", name)) ? readFileSync(join(state, "kv", name), "utf8") : undefined);
  /** Key Vault refuses writes of these secrets (as a firewall or a missing grant would). */
  const refuse = (...names: string[]) => writeFileSync(join(state, "kv-refuses"), names.join("\n") + "\n");
  return { root, state, input, runScript, read, requests, kv, refuse };
}


test("the script initialises once, stores every key in Key Vault, configures tenants and prunes stale ones", () => {
  requireTool("jq");
  const world = fakeWorld();
  try {
    const first = world.runScript(renderBootstrapScript(world.input()));
    const init = JSON.parse(world.read("init_response.json")) as { recovery_keys_base64: string[]; root_token: string };
    const names = bootstrapSecretNames("vault", 5);
    assert.equal(init.recovery_keys_base64.length, 5);
    init.recovery_keys_base64.forEach((key, i) => assert.equal(world.read(`kv/${names.recoveryKeys[i]}`), key));
    assert.equal(world.read(`kv/${names.rootToken}`), init.root_token);
    for (const secret of [init.root_token, ...init.recovery_keys_base64]) {
      assert.ok(!world.read("az.log").includes(secret), "a secret was on az's command line");
      assert.ok(!first.stderr.includes(secret) && !first.stdout.includes(secret), "a secret was logged");
    }
    assert.ok(!existsSync(join(world.root, "work")), "the work dir is removed");
    assert.deepEqual(
      world.requests().filter((r) => r.startsWith("PUT") && r.endsWith("sys/init")),
      ["PUT https://vault-0.vault-internal:8200 sys/init"],
    );
    assert.ok(world.requests().includes("POST https://vault-active.vault.svc:8200 sys/policies/acl/tenant-a"), "configuration goes to the active node");

    assert.deepEqual(readdirSync(join(world.state, "policies")).sort(), ["tenant-a", "tenant-ab", "tenant-ab.app"]);
    assert.equal(world.read("policies/tenant-ab"), renderTenantPolicy("secret", "ab"));
    assert.deepEqual(JSON.parse(world.read("roles/ab")), tenantRole(INPUT.tenants[1]));
    assert.deepEqual(JSON.parse(world.read("roles/ab.app")), appRole(INPUT.tenants[1], INPUT.tenants[1].roles![0]));
    assert.deepEqual(JSON.parse(world.read("mounts.json"))["secret/"], { type: "kv", options: { version: "2" } });
    assert.deepEqual(JSON.parse(world.read("auth.json"))["kubernetes/"], { type: "kubernetes" });
    assert.deepEqual(JSON.parse(world.read("kubernetes_config.json")), { kubernetes_host: "https://kubernetes.default.svc:443" });
    assert.deepEqual(JSON.parse(world.read("audit.json"))["file/"], { type: "file", options: { file_path: "/vault/audit/vault_audit.log" } });

    // Again, with tenant "ab" gone: no second init, the token comes back from Key Vault, "ab" loses access.
    const second = world.runScript(renderBootstrapScript(world.input([INPUT.tenants[0]])));
    assert.match(second.stderr, /already initialised/);
    assert.equal(world.requests().filter((r) => r.endsWith("sys/init") && r.startsWith("PUT")).length, 1);
    assert.equal(world.requests().filter((r) => r.includes("sys/auth/kubernetes") && r.startsWith("POST")).length, 1, "auth enabled once");
    assert.equal(world.requests().filter((r) => r.startsWith("POST") && r.endsWith("sys/mounts/secret")).length, 1, "KV mounted once");
    assert.deepEqual(readdirSync(join(world.state, "policies")), ["tenant-a"]);
    assert.deepEqual(readdirSync(join(world.state, "roles")), ["a"]);
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

type InitResponse = { recovery_keys_base64: string[]; root_token: string };
const SECRETS = bootstrapSecretNames("vault", 5);
const pieces = [...SECRETS.recoveryKeys, SECRETS.rootToken];
const pieceOf = (init: InitResponse, i: number) => (i < 5 ? init.recovery_keys_base64[i] : init.root_token);

test("no secret reaches any command line: the federated token, the init response, the keys, the root token", () => {
  requireTool("jq");
  const world = fakeWorld();
  try {
    world.runScript(renderBootstrapScript(world.input()));
    world.runScript(renderBootstrapScript(world.input()));
    const init = JSON.parse(world.read("init_response.json")) as InitResponse;
    const argv = world.read("argv.log");
    assert.match(argv, /^az login /m, "argv is recorded");
    assert.match(argv, /^curl /m);
    assert.match(argv, /^jq /m);
    for (const secret of [FEDERATED_TOKEN, init.root_token, ...init.recovery_keys_base64]) {
      assert.ok(!argv.includes(secret), `a secret reached an argv: ${secret.slice(0, 12)}...`);
    }
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

test("the whole init response reaches Key Vault before anything else, and a failed split leaves it there for the next run", () => {
  requireTool("jq");
  const world = fakeWorld();
  try {
    world.refuse(SECRETS.recoveryKeys[2]);
    const first = world.runScript(renderBootstrapScript(world.input()), "failure");
    const init = JSON.parse(world.read("init_response.json")) as InitResponse;
    assert.deepEqual(JSON.parse(world.kv(bootstrapSecretNames("vault", 5).initResponse)!), init, "the whole response is stored");
    const writes = world.read("az.log").split("\n").filter((l) => l.startsWith("keyvault secret set"));
    const firstResponseWrite = writes.findIndex((l) => l.includes(`--name ${SECRETS.initResponse} `));
    const firstPieceWrite = writes.findIndex((l) => pieces.some((p) => l.includes(`--name ${p} `)));
    assert.ok(firstResponseWrite >= 0 && firstResponseWrite < firstPieceWrite, "the response is written before any piece");
    assert.ok(!first.stderr.includes(init.root_token));

    writeFileSync(join(world.state, "kv-refuses"), "");
    const second = world.runScript(renderBootstrapScript(world.input()));
    assert.match(second.stderr, /already initialised/);
    pieces.forEach((name, i) => assert.equal(world.kv(name), pieceOf(init, i), name));
    assert.equal(world.requests().filter((r) => r.startsWith("PUT") && r.endsWith("sys/init")).length, 1, "initialised once");
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

test("every retry of a Key Vault call logs in afresh from the token file, which the kubelet renews", () => {
  requireTool("jq");
  const world = fakeWorld();
  try {
    world.refuse(SECRETS.initResponse);
    world.runScript(renderBootstrapScript(world.input()), "failure");
    const calls = world.read("az.log").split("\n");
    const logins = calls.filter((l) => l.startsWith("login ")).length;
    const attempts = calls.filter((l) => l.startsWith("keyvault secret set") && l.includes(`--name ${SECRETS.initResponse} `)).length;
    assert.ok(attempts > 1, "the write was retried");
    assert.equal(logins, attempts, "one login before the first attempt, and one before each retry");
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

/** Vault initialised, its whole response in Key Vault, and the first `written` pieces stored. */
function partialWorld(written: number) {
  const world = fakeWorld();
  const init: InitResponse = { recovery_keys_base64: ["rk1-a", "rk2-b", "rk3-c", "rk4-d", "rk5-e"], root_token: "hvs.PLANTEDroot" };
  const response = JSON.stringify({ keys: [], keys_base64: [], recovery_keys: init.recovery_keys_base64, ...init });
  writeFileSync(join(world.state, "root_token"), init.root_token);
  writeFileSync(join(world.state, "init_response.json"), response);
  writeFileSync(join(world.state, "kv", SECRETS.initResponse), response);
  pieces.slice(0, written).forEach((name, i) => writeFileSync(join(world.state, "kv", name), pieceOf(init, i)));
  return { world, init };
}

for (let written = 0; written <= pieces.length; written++) {
  test(`a re-run completes Key Vault from the stored init response: ${written} of ${pieces.length} pieces already written`, () => {
  requireTool("jq");
    const { world, init } = partialWorld(written);
    try {
      const run = world.runScript(renderBootstrapScript(world.input()));
      pieces.forEach((name, i) => assert.equal(world.kv(name), pieceOf(init, i), name));
      assert.ok(!world.requests().some((r) => r.startsWith("PUT") && r.endsWith("sys/init")), "no second init");
      const rewritten = world.read("az.log").split("\n").filter((l) => l.startsWith("keyvault secret set") && pieces.some((p) => l.includes(`--name ${p} `)));
      assert.equal(rewritten.length, pieces.length - written, "only missing pieces are written");
      assert.ok(world.requests().includes("POST https://vault-active.vault.svc:8200 sys/policies/acl/tenant-a"), "and configuration goes on");
      assert.ok(!run.stderr.includes(init.root_token));
    } finally {
      rmSync(world.root, { recursive: true, force: true });
    }
  });
}

test("a stale piece from an earlier install is replaced with the stored response's", () => {
  requireTool("jq");
  const { world, init } = partialWorld(pieces.length);
  try {
    writeFileSync(join(world.state, "kv", SECRETS.recoveryKeys[1]), "stale-key");
    world.runScript(renderBootstrapScript(world.input()));
    assert.equal(world.kv(SECRETS.recoveryKeys[1]), init.recovery_keys_base64[1]);
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

for (const [title, prepare] of [
  ["nothing stored", (_world: ReturnType<typeof fakeWorld>) => {}],
  ["only the marker written before init", (world: ReturnType<typeof fakeWorld>) => writeFileSync(join(world.state, "kv", SECRETS.initResponse), '{"pending":"x"}')],
  ["some pieces but no response", (world: ReturnType<typeof fakeWorld>) => writeFileSync(join(world.state, "kv", SECRETS.recoveryKeys[0]), "rk1")],
] as const) {
  test(`initialised with ${title}: unrecoverable, the run fails loudly with instructions`, () => {
  requireTool("jq");
    const world = fakeWorld();
    try {
      writeFileSync(join(world.state, "root_token"), "hvs.lost");
      prepare(world);
      const run = world.runScript(renderBootstrapScript(world.input()), "failure");
      assert.match(run.stderr, /initialised, but Key Vault kv-dev-x1y2z3 holds neither its init response \(vault-init-response\) nor all of its recovery keys and root token/);
      assert.match(run.stderr, /docs\/operating\.md/);
      assert.ok(!world.requests().some((r) => r.startsWith("PUT") && r.endsWith("sys/init")), "never initialises again");
      assert.ok(!world.requests().some((r) => r.includes("sys/policies")), "configures nothing");
    } finally {
      rmSync(world.root, { recursive: true, force: true });
    }
  });
}

test("an initialised Vault bootstrapped before the response was kept whole (all pieces, no response) runs on", () => {
  requireTool("jq");
  const { world } = partialWorld(pieces.length);
  try {
    rmSync(join(world.state, "kv", SECRETS.initResponse));
    world.runScript(renderBootstrapScript(world.input()));
    assert.ok(world.requests().includes("POST https://vault-active.vault.svc:8200 sys/policies/acl/tenant-a"));
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

/**
 * Vault's kubernetes auth login as vault-plugin-auth-kubernetes decides it (path_login.go,
 * parseAndValidateJWT): the role's bound_service_account_names ("*" alone: any; otherwise glob
 * matches, strutil.StrListContainsGlob) and bound_service_account_namespaces; the token gets the
 * role's token_policies. Undefined: the login is refused.
 */
function login(state: string, role: string, account: { namespace: string; name: string }): string[] | undefined {
  const file = join(state, "roles", role);
  if (!existsSync(file)) return undefined;
  const bound = JSON.parse(readFileSync(file, "utf8")) as {
    bound_service_account_names: string[];
    bound_service_account_namespaces: string[];
    token_policies: string[];
  };
  const glob = (patterns: string[], value: string) =>
    patterns.some((p) => new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value));
  const names = bound.bound_service_account_names;
  if (!(names.length === 1 && names[0] === "*") && !glob(names, account.name)) return undefined;
  const namespaces = bound.bound_service_account_namespaces;
  if (!(namespaces[0] === "*" || glob(namespaces, account.namespace))) return undefined;
  return bound.token_policies;
}

/** What a pod running as `account` can read: it may try every role Vault has (role names are no secret). */
async function readable(state: string, account: { namespace: string; name: string }, paths: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const role of readdirSync(join(state, "roles"))) {
    for (const policy of login(state, role, account) ?? []) {
      const rules = await policyRules(readFileSync(join(state, "policies", policy), "utf8"));
      for (const path of paths) if (allows(rules, path, "read")) found.add(path);
    }
  }
  return paths.filter((p) => found.has(p));
}

const A_PATHS = ["secret/data/a/api/db", "secret/data/a/api/nested/key", "secret/data/a/queue/creds", "secret/data/a/shared/ca", "secret/data/a/payments/card-key"];

test("per application: only the named service accounts log in, each to its own paths (issue 13 item 6)", async () => {
  requireTool("jq");
  const world = fakeWorld();
  const roles = [
    { name: "api", serviceAccounts: ["api"], paths: ["api/*"] },
    { name: "worker", serviceAccounts: ["worker", "cron"], paths: ["queue/creds", "shared/*"] },
  ];
  try {
    world.runScript(renderBootstrapScript(world.input([{ name: "a", namespace: "team-a", roles }])));
    // The attack: any other service account of tenant a's namespace (a compromised pod, or one the
    // tenant's Git content creates) tries every role. Before, the tenant role bound "*" and it read all of a.
    assert.deepEqual(await readable(world.state, { namespace: "team-a", name: "intruder" }, A_PATHS), []);
    assert.deepEqual(await readable(world.state, { namespace: "team-a", name: "default" }, A_PATHS), []);
    // Each application reads its own paths only.
    assert.deepEqual(await readable(world.state, { namespace: "team-a", name: "api" }, A_PATHS), ["secret/data/a/api/db", "secret/data/a/api/nested/key"]);
    assert.deepEqual(await readable(world.state, { namespace: "team-a", name: "cron" }, A_PATHS), ["secret/data/a/queue/creds", "secret/data/a/shared/ca"]);
    // The same name in another namespace is someone else.
    assert.deepEqual(await readable(world.state, { namespace: "team-b", name: "api" }, A_PATHS), []);
    assert.deepEqual(readdirSync(join(world.state, "roles")).sort(), ["a.api", "a.worker"]);
    assert.deepEqual(JSON.parse(world.read("roles/a.api")).bound_service_account_names, ["api"]);

    // Re-runs converge: a removed application loses its role and policy, the others stay.
    world.runScript(renderBootstrapScript(world.input([{ name: "a", namespace: "team-a", roles: [roles[0]] }])));
    assert.deepEqual(readdirSync(join(world.state, "roles")), ["a.api"]);
    assert.deepEqual(readdirSync(join(world.state, "policies")), ["tenant-a.api"]);
    assert.deepEqual(await readable(world.state, { namespace: "team-a", name: "cron" }, A_PATHS), []);
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

test("a namespace-wide binding only when asked for, and turning it off removes it", async () => {
  requireTool("jq");
  const world = fakeWorld();
  try {
    world.runScript(renderBootstrapScript(world.input([{ name: "a", namespace: "team-a", namespaceWide: true }])));
    assert.deepEqual(await readable(world.state, { namespace: "team-a", name: "anything" }, A_PATHS), A_PATHS);
    assert.deepEqual(await readable(world.state, { namespace: "team-b", name: "anything" }, A_PATHS), []);
    world.runScript(renderBootstrapScript(world.input([{ name: "a", namespace: "team-a" }])));
    assert.deepEqual(readdirSync(join(world.state, "roles")), []);
    assert.deepEqual(readdirSync(join(world.state, "policies")), []);
    assert.deepEqual(await readable(world.state, { namespace: "team-a", name: "anything" }, A_PATHS), []);
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

/** Every token Vault still accepts at the end: the one init returned unless revoked, and the generated ones not revoked. */
function validTokens(state: string): string[] {
  const lines = (file: string) => (existsSync(join(state, file)) ? readFileSync(join(state, file), "utf8").split("\n").filter(Boolean) : []);
  const revoked = new Set(lines("revoked"));
  const init = existsSync(join(state, "root_token")) ? [readFileSync(join(state, "root_token"), "utf8")] : [];
  return [...init, ...lines("issued")].filter((t) => !revoked.has(t));
}

test("no root token outlives a run: init's is revoked, each run generates its own from the recovery keys and revokes it (issue 22 item 6)", () => {
  requireTool("jq");
  const world = fakeWorld();
  try {
    const first = world.runScript(renderBootstrapScript(world.input()));
    assert.deepEqual(validTokens(world.state), [], "no valid root token is left after the first run");
    const init = JSON.parse(world.read("init_response.json")) as InitResponse;
    assert.equal(world.kv(SECRETS.rootToken), init.root_token, "Key Vault keeps what init returned, now revoked");
    assert.match(first.stderr, /the root token init returned is revoked/);
    assert.match(first.stderr, /generated a root token for this run from 3 recovery keys/);
    // Configuration went through the generated token only.
    const auth = world.read("auth.log").trim().split("\n");
    assert.ok(auth.some((l) => l.startsWith("POST sys/policies/acl/tenant-a generated")), auth.join("\n"));
    assert.deepEqual(auth.filter((l) => l.endsWith(" init")), ["POST auth/token/revoke-self init"]);
    // The attack: whoever reads the root token from Key Vault (or from an old backup) and sends it is refused.
    writeFileSync(join(world.root, "stolen"), `X-Vault-Token: ${init.root_token}\n`);
    const replay = spawnSync(join(world.root, "bin", "curl"), ["--header", `@${join(world.root, "stolen")}`, "--output", join(world.root, "out"), "--write-out", "%{http_code}", "--request", "LIST", "https://vault-active.vault.svc:8200/v1/sys/policies/acl"], {
      encoding: "utf8",
      env: { ...process.env, FAKE_STATE: world.state },
    });
    assert.equal(replay.stdout, "403");
    // A re-run (a tenant added) still configures Vault: with a new token, revoked again.
    world.runScript(renderBootstrapScript(world.input([INPUT.tenants[0]])));
    assert.equal(readFileSync(join(world.state, "issued"), "utf8").trim().split("\n").length, 2);
    assert.deepEqual(validTokens(world.state), []);
    // A run that fails after generating its token revokes it on exit.
    // A configuration call that fails (an unexpected KV mount).
    writeFileSync(join(world.state, "mounts.json"), JSON.stringify({ "secret/": { type: "kv", options: { version: "1" } } }));
    const failed = world.runScript(renderBootstrapScript(world.input()), "failure");
    assert.match(failed.stderr, /is mounted but is not a KV version 2 engine/);
    assert.deepEqual(validTokens(world.state), [], "the exit trap revoked the failed run's token");
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

test("loading the keys for the token retries transient Key Vault errors with backoff, bounded (issue 24 item 11)", () => {
  requireTool("jq");
  const world = fakeWorld();
  try {
    world.runScript(renderBootstrapScript(world.input()));
    const sleeps = () => (existsSync(join(world.state, "sleeps.log")) ? world.read("sleeps.log").trim().split("\n") : []);
    writeFileSync(join(world.state, "sleeps.log"), "");
    // Two transient failures reading recovery key 1: the run waits 2 s, then 4 s, logs in afresh, and succeeds.
    writeFileSync(join(world.state, "kv-flaky"), `${SECRETS.recoveryKeys[0]}\n${SECRETS.recoveryKeys[0]}\n`);
    const logins = () => world.read("az.log").split("\n").filter((l) => l.startsWith("login ")).length;
    const before = logins();
    const flaky = world.runScript(renderBootstrapScript(world.input()));
    assert.deepEqual(sleeps().filter(Boolean), ["2", "4"]);
    assert.match(flaky.stderr, /attempt 1\/6 failed \(exit 1\): kv_value vault-recovery-key-1; retrying in 2s/);
    assert.equal(logins() - before, 3, "the first login and one before each retry");
    assert.deepEqual(validTokens(world.state), []);
    // Failing for good: six attempts, backoff doubling, then the run fails naming the secret.
    writeFileSync(join(world.state, "sleeps.log"), "");
    writeFileSync(join(world.state, "kv-flaky"), `${SECRETS.rootToken}\n`.repeat(10));
    const stuck = world.runScript(renderBootstrapScript(world.input()), "failure");
    assert.deepEqual(sleeps().filter(Boolean), ["2", "4", "8", "16", "32"]);
    assert.match(stuck.stderr, /cannot read vault-root-token from Key Vault kv-dev-x1y2z3 after 6 attempts/);
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});

test("OIDC against the fake Vault: mount, config with the Key Vault client secret (never on an argv), role, groups and aliases; a re-run writes no alias twice; removed groups and a turned-off OIDC are pruned", () => {
  requireTool("jq");
  const world = fakeWorld();
  const CLIENT_SECRET = "PLANTED~oidc-client-secret.value";
  const ADMINS = "dddddddd-0000-4000-8000-00000000000d";
  const A_ADMINS = "aaaaaaaa-0000-4000-8000-00000000000a";
  const AB_ADMINS = "abababab-0000-4000-8000-0000000000ab";
  const oidc = { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", clientId: "c0c0c0c0-1111-4222-8333-444455556666", clientSecretName: "vault-oidc-client-secret", adminGroups: [ADMINS], uiAddresses: [], ui: false };
  const tenants = [
    { ...INPUT.tenants[0], adminGroups: [A_ADMINS] },
    { ...INPUT.tenants[1], adminGroups: [AB_ADMINS] },
  ];
  try {
    writeFileSync(join(world.state, "kv", oidc.clientSecretName), CLIENT_SECRET);
    const first = world.runScript(renderBootstrapScript({ ...world.input(tenants), oidc }));
    assert.equal(JSON.parse(world.read("auth.json"))["oidc/"].type, "oidc");
    const config = JSON.parse(world.read("oidc_config.json"));
    assert.equal(config.oidc_client_secret, CLIENT_SECRET, "the secret from Key Vault reached the config");
    assert.equal(config.oidc_discovery_url, `https://login.microsoftonline.com/${oidc.tenantId}/v2.0`);
    assert.deepEqual(JSON.parse(world.read("oidc_role_default.json")).bound_audiences, [oidc.clientId]);
    for (const where of [world.read("argv.log"), first.stderr, first.stdout]) assert.ok(!where.includes(CLIENT_SECRET), "the client secret reached an argv or the log");
    const group = (id: string) => JSON.parse(world.read(`groups/entra-${id}`));
    assert.deepEqual(group(ADMINS).policies, ["oidc-platform-admin"]);
    assert.deepEqual(group(A_ADMINS).policies, ["oidc-tenant-a"]);
    assert.deepEqual(group(AB_ADMINS).policies, ["oidc-tenant-ab"]);
    for (const id of [ADMINS, A_ADMINS, AB_ADMINS]) assert.deepEqual([group(id).alias.name, group(id).alias.mount_accessor], [id, "auth_oidc_5e7a"]);
    assert.equal(world.read("policies/oidc-tenant-ab"), renderTenantWritePolicy("secret", "ab"));
    assert.equal(world.read("alias-writes").trim().split("\n").length, 3);

    // Again: no alias write (Vault would refuse a second one), the same state.
    world.runScript(renderBootstrapScript({ ...world.input(tenants), oidc }));
    assert.equal(world.read("alias-writes").trim().split("\n").length, 3, "aliases already right are left alone");
    assert.equal(world.requests().filter((r) => r.startsWith("POST") && r.endsWith("sys/auth/oidc")).length, 1, "the mount is enabled once");

    // Tenant ab's admins go: their group and policy go too.
    world.runScript(renderBootstrapScript({ ...world.input([tenants[0]]), oidc }));
    assert.deepEqual(readdirSync(join(world.state, "groups")).sort(), [`entra-${A_ADMINS}`, `entra-${ADMINS}`].sort());
    assert.ok(!existsSync(join(world.state, "policies", "oidc-tenant-ab")));

    // OIDC off: the mount, its groups and its policies are gone; the tenants' kubernetes access stays.
    world.runScript(renderBootstrapScript(world.input([tenants[0]])));
    assert.equal(JSON.parse(world.read("auth.json"))["oidc/"], undefined);
    assert.deepEqual(readdirSync(join(world.state, "groups")), []);
    assert.deepEqual(readdirSync(join(world.state, "policies")).sort(), ["tenant-a"]);
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
});
