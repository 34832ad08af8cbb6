/**
 * Issue 22, item 6 (audience part): every kubernetes auth role the Vault bootstrap writes requires
 * a token audience, so a service account token minted for another party (the API server's default
 * audience, Azure's token exchange) does not log in; the policy vault-tenant-access-scoped refuses
 * a script with a role that does not.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { appRole, renderBootstrapScript, tenantRole } from "../components/kubernetes/vault-bootstrap";
import { VAULT_AUDIENCE } from "../components/kubernetes/vault-config";
import { scriptGrants, vaultTenantAccessScoped } from "../policy/rules/vault-tenants";
import { CheckedResource } from "../policy/types";

const TENANT = { name: "web", namespace: "web", namespaceWide: true, roles: [{ name: "frontend", serviceAccounts: ["frontend"], paths: ["frontend/*"] }] };

test("the namespace-wide role and every application role require the vault audience; a role may name another, never none", () => {
  assert.equal(VAULT_AUDIENCE, "vault");
  assert.equal(tenantRole(TENANT).audience, "vault");
  assert.equal(appRole(TENANT, TENANT.roles[0]).audience, "vault");
  assert.equal(appRole(TENANT, { ...TENANT.roles[0], audience: "" }).audience, "vault");
  assert.equal(appRole(TENANT, { ...TENANT.roles[0], audience: "api://vault-web" }).audience, "api://vault-web");
});

function bootstrapConfigMap(script: string): CheckedResource {
  return { urn: "urn:cm", name: "platform-vault-bootstrap", type: "kubernetes:core/v1:ConfigMap", props: { data: { "bootstrap.sh": script } } } as unknown as CheckedResource;
}

test("attack: a bootstrap script whose role takes any audience is refused by vault-tenant-access-scoped; the rendered one passes", () => {
  const script = renderBootstrapScript({
    initAddress: "https://vault-0.vault-internal:8200",
    activeAddress: "https://vault-active.vault.svc:8200",
    caCertFile: "/vault/userconfig/tls/ca.crt",
    keyVaultName: "kv",
    secretPrefix: "vault",
    recoveryShares: 5,
    recoveryThreshold: 3,
    kvMount: "secret",
    tenants: [TENANT],
  });
  const roles = scriptGrants(bootstrapConfigMap(script))!.roles;
  assert.deepEqual(roles.map((r) => [r.name, r.body.audience]), [["web", "vault"], ["web.frontend", "vault"]]);
  assert.deepEqual(vaultTenantAccessScoped.check([bootstrapConfigMap(script)], {} as never), []);
  const anyAudience = script.replaceAll('"audience":"vault"', '"audience":""');
  const findings = vaultTenantAccessScoped.check([bootstrapConfigMap(anyAudience)], {} as never);
  assert.deepEqual(
    findings.map((f) => f.message),
    ["web", "web.frontend"].map((role) => `platform-vault-bootstrap: role ${role} requires no token audience; every tenant role requires one (VAULT_AUDIENCE), so a token minted for another party does not log in`),
  );
  const dropped = script.replaceAll(',"audience":"vault"', "");
  assert.equal(vaultTenantAccessScoped.check([bootstrapConfigMap(dropped)], {} as never).length, 2, "a role without the field at all");
});

test("the tenants' guide's injector example logs in with a projected token for the audience the roles require", async () => {
  const { readFileSync } = await import("node:fs");
  const { parseAllDocuments } = await import("yaml");
  const guide = readFileSync(`${__dirname}/../docs/tenants.md`, "utf8");
  const start = guide.indexOf("\n## Vault\n");
  assert.ok(start >= 0);
  const section = guide.slice(start, guide.indexOf("\n## ", start + 5));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  type Deployment = {
    kind: string;
    spec: { template: { metadata: { annotations: Record<string, string> }; spec: { volumes: { name: string; projected?: { sources: { serviceAccountToken?: { audience: string; path: string } }[] } }[] } } };
  };
  const [deployment] = parseAllDocuments(yaml).map((d) => d.toJS() as Deployment);
  assert.equal(deployment.kind, "Deployment");
  const volumeName = deployment.spec.template.metadata.annotations["vault.hashicorp.com/agent-service-account-token-volume-name"];
  const volume = deployment.spec.template.spec.volumes.find((v) => v.name === volumeName);
  // vault-k8s getTokenPathFromProjectedVolume: the first serviceAccountToken source with a path.
  const token = volume?.projected?.sources.find((s) => s.serviceAccountToken?.path)?.serviceAccountToken;
  assert.equal(token?.audience, VAULT_AUDIENCE);
});
