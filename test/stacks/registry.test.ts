/** Each tenant's container registry in the real stacks: who may push, who pulls, what the outputs say. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parseDocument } from "yaml";
import { BUILT_IN_ROLES } from "../../components/azure/role-ids";
import { GitOpsPlatform } from "../../components/platform";
import { platformArgs } from "../../stacks/component-args";
import { parsePlatformConfig } from "../../stacks/parse";
import { RecordedResource } from "../../synth/engine";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { pinTestDay, run, stackFileWith } from "../helpers";

pinTestDay();

const REGISTRY = "azure-native:containerregistry:Registry";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const roleOf = (a: RecordedResource) => String(a.values.roleDefinitionId).split("/").pop();

const devConfig = (edit: (platform: Record<string, unknown>) => void) => stackFileWith("dev", edit);

for (const [stack, tenants, pushSubject] of [
  ["dev", ["web", "api"], "repo:acme-platform/web-frontend:ref:refs/heads/main"],
  ["prod", ["web", "api", "payments"], "repo:acme-platform/web-frontend:environment:production"],
] as const) {
  test(`${stack}: every tenant has its own registry the kubelet pulls from; only web's CI pushes, to web's registry alone`, async () => {
    const { run: result, graph } = await synthesize({ stack });
    const registries = result.resources.filter((r) => r.type === REGISTRY);
    assert.deepEqual(registries.map((r) => r.name).sort(), tenants.map((t) => `platform-${t}-acr`).sort());
    const kubelet = (result.resources.find((r) => r.type === CLUSTER)!.outputs.identityProfile as { kubeletidentity: { objectId: string } }).kubeletidentity.objectId;
    for (const registry of registries) {
      assert.equal(registry.values.adminUserEnabled, false);
      assert.equal(registry.values.anonymousPullEnabled, false);
      assert.deepEqual(registry.values.sku, { name: stack === "dev" ? "Basic" : "Standard" });
      assert.equal(registry.protect, stack === "prod");
      const grants = result.resources.filter((r) => r.type === ASSIGNMENT && r.values.scope === registry.id);
      const pull = grants.filter((g) => roleOf(g) === BUILT_IN_ROLES.AcrPull);
      // The kubelet, and in dev web's source identity (tenants[].identities with scope: registry) on web's own registry.
      const sourcePull =
        registry.name === "platform-web-acr" ? [stack === "dev" ? "platform-web-azure-deployer-acrpull-tenant-registry" : "platform-web-azure-image-scanner-acrpull-tenant-registry"] : [];
      assert.deepEqual(pull.map((g) => g.name).sort(), [...sourcePull, `${registry.name}-acrpull-kubelet`].sort());
      const kubeletPull = pull.find((g) => g.name === `${registry.name}-acrpull-kubelet`)!;
      assert.deepEqual([kubeletPull.values.principalId, kubeletPull.values.principalType], [kubelet, "ServicePrincipal"]);
      const push = grants.filter((g) => roleOf(g) === BUILT_IN_ROLES.AcrPush);
      assert.equal(push.length, registry.name === "platform-web-acr" ? 1 : 0, registry.name);
      assert.deepEqual(grants.length, pull.length + push.length, `${registry.name}: no other role on it`);
    }
    const subjects = result.resources.filter((r) => r.type === CREDENTIAL && r.name.startsWith("platform-web-acr-push-")).map((r) => r.values.subject);
    assert.deepEqual(subjects, [pushSubject]);
    const outputs = graph.outputs.tenants as Record<string, { registry?: { loginServer: string; clientId?: string; tenantId?: string } }>;
    const web = outputs.web.registry!;
    assert.match(web.loginServer, new RegExp(`^acrweb${stack}[a-z0-9]{6}\\.azurecr\\.io$`));
    assert.match(String(web.clientId), /^[0-9a-f-]{36}$/);
    assert.match(String(web.tenantId), /^[0-9a-f-]{36}$/);
    assert.equal(outputs.api.registry!.clientId, undefined, "no pushers, no push identity");
  });
}

test("registry off: no registry, no grant, no output", async () => {
  const { run: result, graph } = await synthesize({
    stack: "dev",
    configFile: devConfig((p) => {
      delete p.registry;
      // Without registries, web's OCI source cannot pull from its own registry: drop both.
      p.tenants = (p.tenants as Record<string, unknown>[]).map(({ registry: _registry, ociRepositories: _oci, ...tenant }) => ({
        ...tenant,
        identities: ((tenant.identities ?? []) as { roles: { scope: string }[] }[]).map((identity) => ({ ...identity, roles: identity.roles.filter((r) => r.scope !== "registry") })),
      }));
    }),
  });
  assert.ok(!result.resources.some((r) => r.type === REGISTRY || r.type === "gitops-platform:azure:ContainerRegistry"));
  assert.ok(!result.resources.some((r) => r.type === ASSIGNMENT && [BUILT_IN_ROLES.AcrPull, BUILT_IN_ROLES.AcrPush].includes(roleOf(r) as never)));
  assert.equal((graph.outputs.tenants as Record<string, { registry?: unknown }>).web.registry, undefined);
});

test("grantRegistryPull: AcrPull on that tenant's registry only, named by key; undefined without registries; an unknown tenant is an error", async () => {
  const raw = parseDocument(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8")).getIn(["config", "gitops-platform:platform"]) as {
    toJSON(): Record<string, unknown>;
  };
  const parsed = parsePlatformConfig(raw.toJSON(), "dev");
  assert.ok(parsed.ok);
  const principal = "11111111-1111-4111-8111-111111111111";
  const result = await run(() => {
    const platform = new GitOpsPlatform("platform", platformArgs({ config: parsed.config }));
    assert.ok(platform.grantRegistryPull("api", "flux-source", principal));
    assert.throws(() => platform.grantRegistryPull("nobody", "x", principal), /no tenant "nobody"/);
  }, { stack: "dev" });
  const grant = result.one(ASSIGNMENT, "platform-api-acr-acrpull-flux-source");
  assert.equal(grant.values.scope, result.one(REGISTRY, "platform-api-acr").id);
  assert.equal(grant.values.principalId, principal);
  assert.equal(roleOf(grant), BUILT_IN_ROLES.AcrPull);

  const off = parsePlatformConfig({ ...raw.toJSON(), registry: { enabled: false }, tenants: [{ name: "web" }] }, "dev");
  assert.ok(off.ok);
  await run(() => {
    const platform = new GitOpsPlatform("platform", platformArgs({ config: off.config }));
    assert.equal(platform.grantRegistryPull("web", "flux-source", principal), undefined);
  }, { stack: "dev" });
});
