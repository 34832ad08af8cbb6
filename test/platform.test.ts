/** GitOpsPlatform from the real stack files: every part present, wired, and no needless waiting. */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { RecordedResource } from "../synth/engine";
import { REDACTED } from "../synth/redact";
import { synthesize, SynthResult } from "../synth/synthesize";
import { dependsOn, TestRun, withFinders } from "./helpers";

let dev: TestRun;
let prod: TestRun;
let devResult: SynthResult;
before(async () => {
  devResult = await synthesize({ stack: "dev" });
  dev = withFinders(devResult.run);
  prod = withFinders((await synthesize({ stack: "prod" })).run);
});

const namespaceOf = (r: RecordedResource) => (r.values.metadata as { namespace?: string; name?: string } | undefined)?.namespace;

function inNamespace(run: TestRun, type: string, namespace: string): RecordedResource[] {
  return run.ofType(type).filter((r) => namespaceOf(r) === namespace);
}

for (const [stack, tenants] of [
  ["dev", ["web", "api"]],
  ["prod", ["web", "api", "payments-prod"]],
] as const) {
  test(`${stack}: every tenant gets its full set of objects`, () => {
    const run = stack === "dev" ? dev : prod;
    for (const ns of tenants) {
      const namespaces = run.ofType("kubernetes:core/v1:Namespace").filter((r) => (r.values.metadata as { name: string }).name === ns);
      assert.equal(namespaces.length, 1, `namespace ${ns}`);
      const count = (type: string) => inNamespace(run, type, ns).length;
      assert.equal(count("kubernetes:core/v1:ServiceAccount"), 1, `${ns}: reconciler account`);
      assert.ok(count("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding") >= 2, `${ns}: reconciler + group bindings`);
      assert.equal(count("kubernetes:core/v1:ResourceQuota"), 1, `${ns}: quota`);
      assert.equal(count("kubernetes:core/v1:LimitRange"), 1, `${ns}: limit range`);
      assert.ok(count("kubernetes:networking.k8s.io/v1:NetworkPolicy") >= 3, `${ns}: network policies`);
      assert.equal(count("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository"), 1, `${ns}: GitRepository`);
      assert.equal(count("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization"), 1, `${ns}: Kustomization`);
      assert.ok(count("kubernetes:core/v1:Secret") >= 1, `${ns}: deploy key secret`);
    }
    assert.equal(run.ofType("github:index/repositoryDeployKey:RepositoryDeployKey").length, tenants.length);
  });
}

test("Flux runs with SOPS through a Key Vault key, and the operator outputs are exported", () => {
  const outputs = dev.outputs as Record<string, unknown>;
  const cluster = dev.one("azure-native:containerservice:ManagedCluster");
  const vault = dev.one("azure-native:keyvault:Vault");
  assert.equal(outputs.clusterName, cluster.outputs.name);
  assert.equal(outputs.oidcIssuerUrl, (cluster.outputs.oidcIssuerProfile as { issuerURL: string }).issuerURL);
  assert.equal(outputs.kubeconfig, REDACTED);
  assert.equal(outputs.keyVaultUri, (vault.outputs.properties as { vaultUri: string }).vaultUri);
  const sopsKey = dev.ofType("azure-native:keyvault:Key").find((k) => (k.values.properties as { keyOps: string[] }).keyOps.includes("decrypt"))!;
  assert.equal(outputs.sopsKeyId, sopsKey.outputs.keyUriWithVersion);
  assert.match(String(outputs.sopsConfig), new RegExp(`azure_keyvault: ${String(sopsKey.outputs.keyUriWithVersion).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
  assert.equal(outputs.vaultAddress, "https://vault.vault.svc:8200");
  assert.match(String(outputs.vaultCaCertificate), /^-----BEGIN CERTIFICATE-----/);
  assert.deepEqual(Object.keys(outputs.tenants as object).sort(), ["api", "web"]);
  assert.equal((outputs.tenants as Record<string, { gitRepository: string }>).web.gitRepository, "ssh://git@github.com/acme-platform/web-frontend-config");
});

test("independent parts do not wait for each other", () => {
  const tenantObjects = (ns: string) => dev.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && namespaceOf(r) === ns);
  const vaultRelease = dev.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.values.chart === "vault")!;
  const fluxRelease = dev.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.values.chart === "flux2")!;
  for (const r of tenantObjects("web")) {
    assert.ok(!dependsOn(dev, r, vaultRelease), `${r.name} must not wait for Vault`);
    for (const other of tenantObjects("api")) assert.ok(!dependsOn(dev, r, other), `${r.name} must not wait for tenant api's ${other.name}`);
  }
  assert.ok(!dependsOn(dev, vaultRelease, fluxRelease), "Vault does not wait for Flux");
  for (const r of tenantObjects("web").filter((x) => x.type.includes("fluxcd.io"))) {
    assert.ok(dependsOn(dev, r, fluxRelease), `${r.name} waits for the Flux CRDs`);
  }
});

test("prod differs from dev where the config says so", () => {
  const devCluster = dev.one("azure-native:containerservice:ManagedCluster");
  const prodCluster = prod.one("azure-native:containerservice:ManagedCluster");
  assert.equal(devCluster.protect, false);
  assert.equal(prodCluster.protect, true);
  assert.deepEqual((prodCluster.values.sku as { tier: string }).tier, "Standard");
  assert.deepEqual((devCluster.values.sku as { tier: string }).tier, "Free");
  assert.deepEqual((prodCluster.values.apiServerAccessProfile as { authorizedIPRanges: string[] }).authorizedIPRanges, ["203.0.113.0/24", "198.51.100.17"]);
  assert.equal((prod.one("azure-native:keyvault:Vault").values.properties as { enablePurgeProtection: boolean }).enablePurgeProtection, true);
  const replicas = (run: TestRun) => ((run.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.values.chart === "vault")!.values.values as { server: { ha: { replicas: number } } }).server.ha.replicas);
  assert.equal(replicas(dev), 1);
  assert.equal(replicas(prod), 3);
  assert.equal(prod.ofType("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert").length, 4, "flux-system and three tenants");
  assert.equal(dev.ofType("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert").length, 0);
  assert.deepEqual(devResult.violations, []);
});

test("with user pools (prod), pods wait for them: the system pool is tainted CriticalAddonsOnly", () => {
  const pool = prod.one("azure-native:containerservice:AgentPool", "platform-aks-apps");
  for (const chart of ["flux2", "vault"]) {
    const release = prod.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.values.chart === chart)!;
    assert.ok(dependsOn(prod, release, pool), `the ${chart} release waits for the user pool`);
  }
  const namespace = prod.ofType("kubernetes:core/v1:Namespace").find((r) => (r.values.metadata as { name: string }).name === "web")!;
  assert.ok(!dependsOn(prod, namespace, pool), "objects without pods do not wait");
  const deployKey = prod.ofType("github:index/repositoryDeployKey:RepositoryDeployKey")[0];
  assert.ok(!dependsOn(prod, deployKey, prod.one("azure-native:containerservice:ManagedCluster")), "deploy keys do not wait for the cluster");
});
