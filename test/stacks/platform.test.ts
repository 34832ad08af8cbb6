/** GitOpsPlatform from the real stack files: every part present, wired, and no needless waiting. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { before, test } from "node:test";
import { GitOpsPlatform } from "../../components/platform";
import { platformArgs } from "../../stacks/component-args";
import { parsePlatformConfig } from "../../stacks/parse";
import { parse, stringify } from "yaml";
import { DEPLOY_RULES } from "../../policy/deploy";
import { evaluatePolicies } from "../../policy/evaluate";
import { checkedFromRecord } from "../../policy/from-synth";
import { RecordedResource } from "../../synth/engine";
import { MOCK_CLIENT } from "../../synth/mocks";
import { REDACTED } from "../../synth/redact";
import { PROJECT_ROOT, synthesize, SynthResult } from "../../synth/synthesize";
import { environmentRun } from "../environments";
import { dependsOn, pinTestDay, run, TestRun, withFinders } from "../helpers";

pinTestDay();

let dev: TestRun;
let prod: TestRun;
let devResult: SynthResult;
before(async () => {
  devResult = await synthesize({ stack: "dev" });
  dev = withFinders(devResult.run);
  // Prod's tenants are in tenant stacks: the whole environment, the platform stack and every tenant stack.
  prod = withFinders(await environmentRun({ stack: "prod" }));
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
      // Plus web's accounts of its Azure identities (tenants[].identities): two in dev, the image scanner in prod.
      const identityAccounts = ns === "web" ? (stack === "dev" ? 2 : 1) : 0;
      // Plus prod web's load tester (tenants[].flagger.loadTester), which runs as an account of its own.
      const loadTesterAccounts = ns === "web" && stack === "prod" ? 1 : 0;
      assert.equal(
        count("kubernetes:core/v1:ServiceAccount"),
        2 + identityAccounts + loadTesterAccounts,
        `${ns}: reconciler and decryption accounts, the identities' accounts and the load tester's`,
      );
      assert.ok(count("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding") >= 2, `${ns}: reconciler + group bindings`);
      assert.equal(count("kubernetes:core/v1:ResourceQuota"), 1, `${ns}: quota`);
      assert.equal(count("kubernetes:core/v1:LimitRange"), 1, `${ns}: limit range`);
      assert.ok(count("kubernetes:networking.k8s.io/v1:NetworkPolicy") >= 3, `${ns}: network policies`);
      assert.equal(count("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository"), 1, `${ns}: GitRepository`);
      // dev's web also syncs a private OCI artifact and a bucket (provider azure), each with its Kustomization.
      const azureSources = stack === "dev" && ns === "web" ? 1 : 0;
      assert.equal(count("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization"), 1 + 2 * azureSources, `${ns}: Kustomizations`);
      assert.equal(count("kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository"), azureSources, `${ns}: OCIRepository`);
      assert.equal(count("kubernetes:source.toolkit.fluxcd.io/v1:Bucket"), azureSources, `${ns}: Bucket`);
      assert.ok(count("kubernetes:core/v1:Secret") >= 1, `${ns}: deploy key secret`);
    }
    assert.equal(run.ofType("github:index/repositoryDeployKey:RepositoryDeployKey").length, tenants.length);
  });
}

test("each tenant decrypts SOPS with its own key, and the operator outputs are exported", () => {
  const outputs = dev.outputs as Record<string, unknown>;
  const cluster = dev.one("azure-native:containerservice:ManagedCluster");
  const vault = dev.one("azure-native:keyvault:Vault", "platform-kv");
  assert.equal(outputs.clusterName, cluster.outputs.name);
  assert.equal(outputs.oidcIssuerUrl, (cluster.outputs.oidcIssuerProfile as { issuerURL: string }).issuerURL);
  assert.equal(outputs.kubeconfig, REDACTED);
  assert.equal(outputs.keyVaultUri, (vault.outputs.properties as { vaultUri: string }).vaultUri);
  const tenantOutputs = outputs.tenants as Record<string, { sopsConfig: string; sopsKeyId: string }>;
  for (const tenant of ["web", "api"]) {
    const key = dev.one("azure-native:keyvault:Key", `platform-${tenant}-sops-key`);
    assert.equal(tenantOutputs[tenant].sopsKeyId, key.outputs.keyUriWithVersion);
    assert.match(tenantOutputs[tenant].sopsConfig, new RegExp(`azure_keyvault: ${String(key.outputs.keyUriWithVersion).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
  }
  assert.notEqual(tenantOutputs.web.sopsKeyId, tenantOutputs.api.sopsKeyId);
  assert.equal(outputs.sopsConfig, undefined, "no platform-wide .sops.yaml to encrypt every tenant's secrets with");
  const shared = dev.one("azure-native:keyvault:Key", "platform-flux-sops-key");
  assert.equal(outputs.sharedSopsKeyId, shared.outputs.keyUriWithVersion, "the shared key, kept for re-encrypting (flux.sharedSopsKey)");
  assert.equal(outputs.vaultAddress, "https://vault.vault.svc:8200");
  assert.match(String(outputs.vaultCaCertificate), /^-----BEGIN CERTIFICATE-----/);
  assert.deepEqual(Object.keys(outputs.tenants as object).sort(), ["api", "web"]);
  assert.equal((outputs.tenants as Record<string, { gitRepository: string }>).web.gitRepository, "ssh://git@github.com/acme-platform/web-frontend-config");
  // What a SecretProviderClass and a workload need (docs/tenants.md "For tenants"): web has a vault and identities, api neither.
  const webVault = dev.one("azure-native:keyvault:Vault", "platform-web-azure-kv");
  const web = (outputs.tenants as Record<string, Record<string, unknown>>).web;
  assert.equal(web.keyVaultName, webVault.outputs.name);
  assert.equal(web.keyVaultUri, (webVault.outputs.properties as { vaultUri: string }).vaultUri);
  assert.equal(web.tenantId, (webVault.values.properties as { tenantId: string }).tenantId);
  assert.deepEqual(web.identities, {
    "frontend-azure": { clientId: dev.one("azure-native:managedidentity:UserAssignedIdentity", "platform-web-azure-frontend-azure").outputs.clientId, serviceAccounts: ["frontend-azure"] },
    deployer: { clientId: dev.one("azure-native:managedidentity:UserAssignedIdentity", "platform-web-azure-deployer").outputs.clientId, serviceAccounts: ["flux-oci"] },
  });
  const api = (outputs.tenants as Record<string, Record<string, unknown>>).api;
  assert.equal(api.keyVaultName, undefined);
  assert.equal(api.identities, undefined);
});

test("the monitoring outputs: the prod workspaces' ids; dev has the audit log's workspace but no Prometheus", () => {
  const outputs = prod.outputs as Record<string, unknown>;
  assert.equal(outputs.logAnalyticsWorkspaceId, prod.one("azure-native:operationalinsights:Workspace").id);
  assert.equal(outputs.azureMonitorWorkspaceId, prod.one("azure-native:monitor:AzureMonitorWorkspace").id);
  assert.equal((dev.outputs as Record<string, unknown>).logAnalyticsWorkspaceId, dev.one("azure-native:operationalinsights:Workspace").id);
  assert.equal((dev.outputs as Record<string, unknown>).azureMonitorWorkspaceId, undefined);
  assert.equal(dev.ofType("azure-native:monitor:AzureMonitorWorkspace").length, 0);
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
  // flux-system only: the platform's webhook stays there, and prod's tenants name no targets of their own.
  // Its one target hears errors and (events: changes, the platform's default) the changes Flux makes.
  const prodAlerts = prod.ofType("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert");
  assert.deepEqual(
    prodAlerts.map((a) => [(a.values.metadata as { namespace: string }).namespace, (a.values.spec as { eventSeverity: string }).eventSeverity]).sort(),
    [
      ["flux-system", "error"],
      ["flux-system", "info"],
    ],
    "flux-system only",
  );
  assert.equal(dev.ofType("kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert").length, 0);
  assert.deepEqual(devResult.violations, []);
});

for (const stack of ["dev", "prod"] as const) {
  test(`${stack}: every deploy rule passes`, () => {
    const run = stack === "dev" ? dev : prod;
    const findings = evaluatePolicies(run.resources.map(checkedFromRecord), { environment: stack, production: stack === "prod" }, DEPLOY_RULES);
    assert.deepEqual(findings.map((f) => `[${f.policy}] ${f.message}`), []);
  });
}

test("with user pools (prod), pods wait for them: the system pool is tainted CriticalAddonsOnly", () => {
  const pool = prod.one("azure-native:containerservice:AgentPool", "platform-aks-apps");
  for (const chart of ["flux2", "vault", "flagger"]) {
    const release = prod.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.values.chart === chart)!;
    assert.ok(dependsOn(prod, release, pool), `the ${chart} release waits for the user pool`);
  }
  const namespace = prod.ofType("kubernetes:core/v1:Namespace").find((r) => (r.values.metadata as { name: string }).name === "web")!;
  assert.ok(!dependsOn(prod, namespace, pool), "objects without pods do not wait");
  const deployKey = prod.ofType("github:index/repositoryDeployKey:RepositoryDeployKey")[0];
  assert.ok(!dependsOn(prod, deployKey, prod.one("azure-native:containerservice:ManagedCluster")), "deploy keys do not wait for the cluster");
});

test("prod: the nodes sit in the platform subnet, which the deny-by-default Key Vault admits through its service endpoint", () => {
  const vnet = prod.one("azure-native:network:VirtualNetwork");
  const subnets = vnet.values.subnets as { name: string; serviceEndpoints: { service: string }[] }[];
  assert.deepEqual(subnets.map((s) => [s.name, s.serviceEndpoints.map((e) => e.service)]), [["nodes", ["Microsoft.KeyVault"]]]);
  assert.equal(vnet.protect, true, "deleting the VNet means deleting the cluster in it");
  const subnetId = `${vnet.id}/subnets/nodes`;
  const acls = (prod.one("azure-native:keyvault:Vault").values.properties as { networkAcls: { defaultAction: string; virtualNetworkRules: { id: string }[] } }).networkAcls;
  assert.equal(acls.defaultAction, "Deny");
  assert.deepEqual(acls.virtualNetworkRules, [{ id: subnetId.toLowerCase() }]);
  const pools = [
    ...(prod.one("azure-native:containerservice:ManagedCluster").values.agentPoolProfiles as { vnetSubnetID: string }[]),
    ...prod.ofType("azure-native:containerservice:AgentPool").map((p) => p.values as { vnetSubnetID: string }),
  ];
  assert.ok(pools.length >= 2);
  for (const pool of pools) assert.equal(pool.vnetSubnetID, subnetId);
  assert.equal(dev.ofType("azure-native:network:VirtualNetwork").length, 0, "dev keeps the VNet AKS manages");
});

test("the admin groups may manage the Key Vault's keys through ARM, and the keys wait for that grant to propagate", () => {
  for (const run of [dev, prod]) {
    const officers = run.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith("platform-kv-crypto-officer-"));
    assert.ok(officers.length >= 1);
    for (const officer of officers) assert.equal(officer.values.principalType, "Group", "with ci, people come in through their groups");
    const wait = run.one("time:index/sleep:Sleep", "platform-kv-data-plane-wait");
    for (const key of run.ofType("azure-native:keyvault:Key")) assert.ok(dependsOn(run, key, wait), `${key.name} waits for the data-plane grant`);
  }
});

test("without ci, whoever runs Pulumi manages the keys too, like its cluster-admin grant", async () => {
  const parsed = parsePlatformConfig({ cluster: { adminGroupObjectIds: ["0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0"] }, vault: { enabled: false } }, "dev");
  assert.ok(parsed.ok);
  const result = await run(() => new GitOpsPlatform("platform", platformArgs({ config: parsed.config })));
  const deployer = result.one("azure-native:authorization:RoleAssignment", "platform-kv-crypto-officer-deployer");
  assert.equal(deployer.values.principalId, MOCK_CLIENT.objectId);
  assert.equal(deployer.values.principalType, "User", "the mocks sign in through az login");
  // Group object ids are matched case-insensitively by Entra; the name is stable whatever the case.
  result.one("azure-native:authorization:RoleAssignment", "platform-kv-crypto-officer-admins-0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
});

test("with the AKS extension, every tenant Kustomization and HelmRelease names the tenant's reconciler itself", async () => {
  // microsoft.flux impersonates flux-applier for objects that name no account (learn.microsoft.com,
  // "Application deployments with GitOps (Flux v2)", Multi-tenancy), not the tenant's reconciler.
  const document = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
  const platform = document.config["gitops-platform:platform"];
  platform.flux = { install: "aks-extension", sops: false };
  // Sources that authenticate as a tenant account need the chart's lockdown (config refuses them here): generic ones.
  for (const source of [...platform.tenants[0].ociRepositories, ...platform.tenants[0].buckets]) {
    source.provider = "generic";
    delete source.serviceAccountName;
    delete source.storageAccountId;
  }
  // A generic Bucket endpoint is host[:port] (the S3 client refuses a scheme): stacks/rules-limits.ts.
  for (const bucket of platform.tenants[0].buckets) bucket.endpoint = new URL(bucket.endpoint).host;
  platform.tenants[0].helmReleases = [{ name: "podinfo", repository: "https://stefanprodan.github.io/podinfo", chart: "podinfo", version: "6.x" }];
  const file = path.join(mkdtempSync(path.join(tmpdir(), "platform-")), "dev.yaml");
  writeFileSync(file, stringify(document));
  const run = withFinders((await synthesize({ stack: "dev", configFile: file })).run);
  assert.equal(run.ofType("azure-native:kubernetesconfiguration:Extension").length, 1);
  const reconcilers = [...run.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization"), ...run.ofType("kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease")];
  assert.equal(reconcilers.length, 5, "two tenants' Git Kustomizations, web's OCI and bucket Kustomizations, and one HelmRelease");
  for (const r of reconcilers) assert.equal((r.values.spec as { serviceAccountName?: string }).serviceAccountName, "flux-reconciler", r.name);
});

type Rule = { apiGroups: string[]; resources: string[] };
function reconcilerRules(run: TestRun, namespace: string): Rule[] {
  const role = inNamespace(run, "kubernetes:rbac.authorization.k8s.io/v1:Role", namespace).find((r) => (r.values.metadata as { name: string }).name === "flux-reconciler")!;
  return role.values.rules as Rule[];
}
const deployKeyOf = (run: TestRun, tenant: string) =>
  run.ofType("github:index/repositoryDeployKey:RepositoryDeployKey").find((k) => k.name.startsWith(`platform-${tenant}-git-`))!.values;
const fluxValues = (run: TestRun) => run.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.values.chart === "flux2")!.values.values as Record<string, { create?: boolean }>;

test("image automation: only prod's web opted in: its write key, its Role's image kinds, and the image controllers", () => {
  assert.equal(deployKeyOf(prod, "web").readOnly, false);
  assert.equal(prod.ofType("github:index/repositoryDeployKey:RepositoryDeployKey").filter((k) => k.name === "platform-web-git-write-deploy-key").length, 1, "a key pair of its own");
  assert.ok(reconcilerRules(prod, "web").some((rule) => rule.apiGroups.includes("image.toolkit.fluxcd.io")));
  for (const [run, tenant, ns] of [[prod, "api", "api"], [prod, "payments", "payments-prod"], [dev, "web", "web"], [dev, "api", "api"]] as const) {
    assert.equal(deployKeyOf(run, tenant).readOnly, true, `${tenant}: read-only`);
    assert.ok(!reconcilerRules(run, ns).some((rule) => rule.apiGroups.includes("image.toolkit.fluxcd.io")), `${ns}: no image kinds`);
  }
  for (const key of ["imageAutomationController", "imageReflectionController"]) {
    assert.equal(fluxValues(prod)[key].create, true, `prod: ${key}`);
    assert.equal(fluxValues(dev)[key].create, false, `dev: ${key}, nobody opted in`);
  }
});

test("Flagger: on in prod (namespace, release, tenants' Canaries and an ingress allow for its Prometheus), absent in dev", () => {
  const release = prod.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.values.chart === "flagger");
  assert.ok(release, "prod installs Flagger");
  assert.equal(release.values.namespace, "flagger-system");
  assert.equal(dev.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.values.chart === "flagger"), undefined);
  for (const ns of ["web", "api", "payments-prod"]) {
    assert.ok(reconcilerRules(prod, ns).some((rule) => rule.apiGroups.includes("flagger.app")), `${ns}: Canaries`);
    const allow = inNamespace(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", ns).filter((r) => (r.values.metadata as { name: string }).name === "allow-ingress-from-flagger-prometheus");
    assert.equal(allow.length, 1, `${ns}: Flagger's Prometheus may scrape`);
  }
  for (const ns of ["web", "api"]) {
    assert.ok(!reconcilerRules(dev, ns).some((rule) => rule.apiGroups.includes("flagger.app")), `dev ${ns}: no Canaries without Flagger`);
    assert.equal(inNamespace(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy", ns).filter((r) => (r.values.metadata as { name: string }).name.includes("flagger")).length, 0);
  }
});

test("tenants reach Vault's servers only while there is a Vault, and the reconciler Role carries the tenant's extra API access", async () => {
  const vaultEgress = (r: TestRun) =>
    r.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => (p.values.metadata as { name: string }).name === "allow-vault-egress");
  assert.deepEqual(vaultEgress(dev).map(namespaceOf).sort(), ["api", "web"]);

  const rules = (r: TestRun, ns: string) =>
    (inNamespace(r, "kubernetes:rbac.authorization.k8s.io/v1:Role", ns).find((role) => (role.values.metadata as { name: string }).name === "flux-reconciler")!.values
      .rules as { apiGroups: string[] }[]).flatMap((rule) => rule.apiGroups);
  assert.ok(rules(dev, "web").includes("azmonitoring.coreos.com"), "web asked for it in Pulumi.dev.yaml");
  assert.ok(!rules(dev, "api").includes("azmonitoring.coreos.com"), "api did not");

  const parsed = parsePlatformConfig({ tenants: [{ name: "web" }], vault: { enabled: false } }, "dev");
  assert.ok(parsed.ok);
  const withoutVault = await run(() => new GitOpsPlatform("platform", platformArgs({ config: parsed.config })));
  assert.deepEqual(vaultEgress(withoutVault), []);
});
