/**
 * Issue 30 item 2: people log in to Vault with Entra ID. The policies the bootstrap script writes
 * are evaluated for real (test/vault-acl.ts, Vault's path-glob and priority rules): a tenant's
 * admins write exactly their own KV subtree; tenant A's admins reach neither tenant B's subtree
 * (not even "ab" through the shared prefix "a") nor the platform's paths (sys/, auth/, identity/,
 * the mount's config). And a tenant's group can never be mapped to the admin policy: config
 * refuses it at its key path, the renderer refuses it, the policy pack refuses a script that does it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { BootstrapInput, renderBootstrapScript } from "../components/kubernetes/vault-bootstrap";
import {
  allowedRedirectUris,
  CLI_REDIRECT_URI,
  OIDC_ADMIN_POLICY,
  oidcConfigBody,
  oidcGroupMappings,
  oidcRoleBody,
  oidcTenantPolicyName,
  renderTenantWritePolicy,
  VaultOidcInput,
} from "../components/kubernetes/vault-oidc";
import { vaultOidcScoped } from "../policy/rules/vault-oidc";
import type { CheckedResource } from "../policy/types";
import { platformArgs } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import { acl, allowed, governingPattern } from "./vault-acl";
import { Platform, problemsOf, refusedAt, sample } from "./config-probe";
import { TEST_TODAY } from "./helpers";

const GROUP_A = "aaaaaaaa-0000-4000-8000-00000000000a";
const GROUP_AB = "abababab-0000-4000-8000-0000000000ab";
const GROUP_B = "bbbbbbbb-0000-4000-8000-00000000000b";
const ADMINS = "dddddddd-0000-4000-8000-00000000000d";

const OIDC: VaultOidcInput = {
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  clientId: "c0c0c0c0-1111-4222-8333-444455556666",
  clientSecretName: "vault-oidc-client-secret",
  adminGroups: [ADMINS],
  uiAddresses: [],
  ui: true,
};

const INPUT: BootstrapInput = {
  initAddress: "https://vault-0.vault-internal:8200",
  activeAddress: "https://vault-active.vault.svc:8200",
  caCertFile: "/etc/vault-bootstrap/ca.crt",
  keyVaultName: "kv-prod-x1y2z3",
  secretPrefix: "vault",
  recoveryShares: 5,
  recoveryThreshold: 3,
  kvMount: "secret",
  tenants: [
    { name: "a", namespace: "a", adminGroups: [GROUP_A], roles: [{ name: "app", serviceAccounts: ["app"], paths: ["app/*"] }] },
    { name: "ab", namespace: "ab", adminGroups: [GROUP_AB] },
    { name: "b", namespace: "team-b", adminGroups: [GROUP_B] },
  ],
  oidc: OIDC,
};

/** What the script writes: policies by name, and each oidc_group line (group, alias, policies). */
function scriptOidc(script: string) {
  const policies = new Map<string, string>();
  for (const m of script.matchAll(/^policy_json <<'POLICY' \| write_json 'sys\/policies\/acl\/([^']+)'\n([\s\S]*?)^POLICY$/gm)) policies.set(m[1], m[2]);
  const groups = [...script.matchAll(/^oidc_group '([^']+)' '([^']+)' '([^']+)'$/gm)].map((m) => ({ group: m[1], alias: m[2], policies: JSON.parse(m[3]) as string[] }));
  const role = JSON.parse(/^write_json 'auth\/oidc\/role\/default' <<'ROLE'\n(.*)$/m.exec(script)![1]) as Record<string, unknown>;
  return { policies, groups, role };
}

/** The ACL of a person in these Entra groups, as Vault builds it from the external groups the script writes. */
async function personAcl(script: string, ...entraGroups: string[]) {
  const { policies, groups, role } = scriptOidc(script);
  const names = [...(role.token_policies as string[]), ...groups.filter((g) => entraGroups.includes(g.alias)).flatMap((g) => g.policies)];
  return acl(...names.map((name) => policies.get(name)!));
}

test("the script with OIDC is valid bash, and no client secret is in it (the Job reads it from Key Vault into a file)", () => {
  const script = renderBootstrapScript(INPUT);
  const check = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  assert.match(script, /^readonly OIDC_SECRET_NAME='vault-oidc-client-secret'$/m);
  assert.match(script, /load_secret "\$OIDC_SECRET_NAME" "\$WORK\/oidc-client-secret"/);
  assert.match(script, /jq --rawfile secret "\$WORK\/oidc-client-secret"/, "the secret reaches the request body through a file, not an argv");
  assert.doesNotMatch(script, /oidc_client_secret":/, "no secret value rendered");
  const without = renderBootstrapScript({ ...INPUT, oidc: undefined });
  assert.equal(spawnSync("bash", ["-n"], { input: without, encoding: "utf8" }).status, 0);
  assert.match(without, /call DELETE sys\/auth\/oidc/, "without OIDC, a mount an earlier run enabled is disabled");
  assert.doesNotMatch(without, /^oidc_group /m);
});

test("the OIDC config and role: Entra's v2.0 discovery URL, this app's audience, CLI and UI callbacks, oid and groups claims, no claim logging", () => {
  assert.deepEqual(oidcConfigBody(OIDC), {
    oidc_discovery_url: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
    oidc_client_id: OIDC.clientId,
    default_role: "default",
    provider_config: { provider: "azure" },
  });
  const role = oidcRoleBody(OIDC);
  assert.equal(role.role_type, "oidc");
  assert.deepEqual(role.bound_audiences, [OIDC.clientId]);
  assert.deepEqual(role.allowed_redirect_uris, [CLI_REDIRECT_URI, "https://localhost:8200/ui/vault/auth/oidc/oidc/callback"]);
  assert.equal(role.user_claim, "oid");
  assert.equal(role.groups_claim, "groups");
  assert.equal(role.verbose_oidc_logging, false);
  assert.deepEqual(role.token_policies, [], "the role itself grants nothing beyond default: groups do");
  assert.deepEqual(allowedRedirectUris({ ui: false, uiAddresses: ["https://vault.example.com"] }), [CLI_REDIRECT_URI], "no UI, no UI callback");
  assert.deepEqual(allowedRedirectUris({ ui: true, uiAddresses: ["https://vault.example.com"] }), [
    CLI_REDIRECT_URI,
    "https://localhost:8200/ui/vault/auth/oidc/oidc/callback",
    "https://vault.example.com/ui/vault/auth/oidc/oidc/callback",
  ]);
  assert.deepEqual(scriptOidc(renderBootstrapScript(INPUT)).role, role);
});

test("a tenant's admins create, read, update, delete, list and destroy inside their own subtree", async () => {
  const rules = await personAcl(renderBootstrapScript(INPUT), GROUP_A);
  for (const capability of ["create", "update", "read", "delete", "patch"]) assert.ok(allowed(rules, "secret/data/a/app/db", capability), capability);
  assert.ok(allowed(rules, "secret/metadata/a/", "list"), "vault kv list secret/a");
  assert.ok(allowed(rules, "secret/metadata/a/app/db", "delete"), "delete every version");
  assert.ok(allowed(rules, "secret/destroy/a/app/db", "update"));
  assert.ok(allowed(rules, "secret/undelete/a/app/db", "update"));
  assert.ok(allowed(rules, "secret/delete/a/app/db", "update"));
});

test("attack: tenant a's admins go for tenant b's subtree, tenant ab's (shared prefix), the whole mount and the platform's paths; all denied", async () => {
  const script = renderBootstrapScript(INPUT);
  const rules = await personAcl(script, GROUP_A);
  const denied: [string, string][] = [
    ["secret/data/b/db", "read"],
    ["secret/data/b/db", "create"],
    ["secret/data/b/db", "update"],
    ["secret/metadata/b/", "list"],
    ["secret/destroy/b/db", "update"],
    ["secret/data/ab/db", "read"],
    ["secret/data/ab/db", "create"],
    ["secret/metadata/ab/", "list"],
    ["secret/data/a", "create"],
    ["secret/metadata/", "list"],
    ["secret/config", "update"],
    ["sys/policies/acl/oidc-tenant-a", "update"],
    ["sys/policies/acl/oidc-platform-admin", "read"],
    ["sys/auth/oidc", "delete"],
    ["sys/mounts/secret", "update"],
    ["sys/audit/file", "delete"],
    ["auth/oidc/role/default", "update"],
    ["auth/kubernetes/role/a.app", "update"],
    ["auth/token/create", "update"],
    [`identity/group/name/entra-${GROUP_A}`, "update"],
    ["identity/group-alias", "create"],
  ];
  for (const [path, capability] of denied) assert.ok(!allowed(rules, path, capability), `${capability} ${path} was allowed`);
  // And the other way round: b's admins cannot reach a's.
  const b = await personAcl(script, GROUP_B);
  assert.ok(!allowed(b, "secret/data/a/app/db", "read"));
  assert.ok(allowed(b, "secret/data/b/db", "create"));
  // Someone in no mapped group gets nothing.
  assert.ok(!allowed(await personAcl(script), "secret/data/a/app/db", "read"));
});

test("the platform admins' policy reaches every path; it is on their group only", async () => {
  const script = renderBootstrapScript(INPUT);
  const admin = await personAcl(script, ADMINS);
  assert.ok(allowed(admin, "sys/policies/acl/oidc-tenant-a", "update"));
  assert.ok(allowed(admin, "secret/data/b/db", "read"));
  assert.ok(allowed(admin, "sys/mounts/secret", "sudo"));
  const { groups } = scriptOidc(script);
  assert.deepEqual(
    groups.map((g) => [g.alias, g.policies]),
    [
      [GROUP_A, [oidcTenantPolicyName("a")]],
      [GROUP_AB, [oidcTenantPolicyName("ab")]],
      [GROUP_B, [oidcTenantPolicyName("b")]],
      [ADMINS, [OIDC_ADMIN_POLICY]],
    ],
  );
});

test("the evaluator follows Vault's priority: the exact path first, then the longest prefix, a broader glob never adds", async () => {
  const rules = await acl(`path "secret/*" { capabilities = ["read"] }\npath "secret/data/x/*" { capabilities = ["list"] }\npath "secret/data/x/y" { capabilities = ["update"] }`);
  assert.equal(governingPattern(rules, "secret/data/x/y"), "secret/data/x/y");
  assert.equal(governingPattern(rules, "secret/data/x/z"), "secret/data/x/*");
  assert.ok(!allowed(rules, "secret/data/x/z", "read"), "the narrower glob governs alone");
  assert.ok(allowed(rules, "secret/data/q", "read"));
  assert.ok(!allowed(rules, "sys/mounts", "read"));
  const segments = await acl(`path "secret/+/x" { capabilities = ["read"] }`);
  assert.ok(allowed(segments, "secret/a/x", "read"));
  assert.ok(!allowed(segments, "secret/a/b/x", "read"));
  assert.ok(!allowed(await acl(renderTenantWritePolicy("secret", "a")), "secret/data/ab/x", "read"));
});

test("attack: config maps a tenant's admin group to the platform admin policy; refused at the tenant's key path", () => {
  refusedAt(
    (p) => {
      const group = p.tenants[0].groups.admins[0];
      p.vault = { ...(p.vault ?? {}), oidc: { enabled: true, clientId: OIDC.clientId, clientSecretName: "vault-oidc", adminGroups: [group.toUpperCase()] } };
    },
    "tenants[0].groups.admins[0]",
    /is also in vault\.oidc\.adminGroups: a tenant's admin group would get Vault's platform admin policy/,
  );
  assert.throws(() => oidcGroupMappings([GROUP_A], [{ name: "a", adminGroups: [GROUP_A] }]), /a tenant's group never gets oidc-platform-admin/);
});

test("vault.oidc's rules: client id and secret name required when enabled, Vault needed, UI addresses need the UI", () => {
  const enable = (oidc: object, vault: object = {}) => (p: Platform) => {
    p.vault = { ...(p.vault ?? {}), ...vault, oidc: { enabled: true, ...oidc } };
  };
  refusedAt(enable({ clientSecretName: "s" }), "vault.oidc.clientId", /is required with vault\.oidc\.enabled/);
  refusedAt(enable({ clientId: OIDC.clientId }), "vault.oidc.clientSecretName", /is required with vault\.oidc\.enabled/);
  refusedAt(enable({ clientId: OIDC.clientId, clientSecretName: "s" }, { enabled: false }), "vault.oidc.enabled", /needs vault\.enabled: true/);
  refusedAt(enable({ clientId: OIDC.clientId, clientSecretName: "s", uiAddresses: ["https://vault.example.com"] }, { ui: false }), "vault.oidc.uiAddresses", /needs vault\.ui: true/);
  refusedAt(enable({ clientId: OIDC.clientId, clientSecretName: "s", uiAddresses: ["http://vault.example.com/ui"] }, { ui: true }), "vault.oidc.uiAddresses[0]", /must be an https:\/\/ address without a path/);
  refusedAt(enable({ clientId: "not-a-uuid", clientSecretName: "s" }), "vault.oidc.clientId", /must be a UUID/);
  refusedAt(enable({ clientId: OIDC.clientId, clientSecretName: "a secret value!" }), "vault.oidc.clientSecretName", /must be a Key Vault secret name/);
  assert.deepEqual(problemsOf(enable({ clientId: OIDC.clientId, clientSecretName: "vault-oidc", adminGroups: [ADMINS] })), []);
});

test("dev leaves OIDC off and keeps working; prod turns it on with its tenants' admin groups", () => {
  const dev = parsePlatformConfig(sample("dev"), "dev", { today: TEST_TODAY });
  assert.ok(dev.ok);
  assert.equal(platformArgs({ config: dev.config }).vault?.oidc, undefined);
  const prod = parsePlatformConfig(sample("prod"), "prod", { today: TEST_TODAY });
  assert.ok(prod.ok, prod.ok ? "" : prod.problems.join("\n"));
  const oidc = platformArgs({ config: prod.config }).vault?.oidc;
  assert.ok(oidc && oidc.adminGroups.length > 0 && oidc.clientSecretName.length > 0);
});

const PROD = { environment: "prod", production: true };

/** The bootstrap ConfigMap as the policy pack sees it. */
function configMapOf(script: string): CheckedResource {
  return { urn: "urn:pulumi:prod::gitops-platform::kubernetes:core/v1:ConfigMap::prod-vault-bootstrap", type: "kubernetes:core/v1:ConfigMap", name: "prod-vault-bootstrap", props: { data: { "bootstrap.sh": script } }, protect: false };
}

test("policy vault-oidc-scoped: the rendered script passes; a script mapping a tenant group to admin, widening a tenant policy or granting on the role is refused", () => {
  const script = renderBootstrapScript(INPUT);
  assert.deepEqual(vaultOidcScoped.check([configMapOf(script)], PROD), []);
  const findings = (tampered: string) => vaultOidcScoped.check([configMapOf(tampered)], PROD).map((f) => f.message).join("\n");
  assert.match(
    findings(script.replace(`'${GROUP_A}' '["oidc-tenant-a"]'`, `'${GROUP_A}' '["oidc-platform-admin","oidc-tenant-a"]'`)),
    /group entra-aaaaaaaa-0000-4000-8000-00000000000a carries oidc-platform-admin beside tenant policies/,
  );
  assert.match(findings(script.replace('path "secret/data/a/*"', 'path "secret/data/*"')), /policy oidc-tenant-a: path "secret\/data\/\*" is outside secret\/a\//);
  assert.match(findings(script.replace('path "secret/subkeys/a/*"', 'path "sys/*"')), /policy oidc-tenant-a: path "sys\/\*" is outside secret\/a\//);
  assert.match(findings(script.replace(/"token_policies":\[\]/, '"token_policies":["oidc-tenant-b"]')), /role default grants \["oidc-tenant-b"\] to everyone who logs in/);
  assert.match(findings(script.replace(/"verbose_oidc_logging":false/, '"verbose_oidc_logging":true')), /role default logs claims/);
  assert.match(findings(script.replace(/"bound_audiences":\["[^"]+"\]/, '"bound_audiences":[]')), /role default binds no audience/);
});
