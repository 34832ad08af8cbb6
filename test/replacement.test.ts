/**
 * Updates that would lose data, at the component level: a change to the cluster, Key Vault or
 * Vault settings of the prod config must not replace a stateful resource. The stateful
 * components are wired as GitOpsPlatform wires them (network -> cluster and Key Vault firewall;
 * monitoring workspaces -> the cluster's and Key Vault's diagnostic settings;
 * cluster -> Key Vault administrators and HashiCorpVault; Key Vault -> Vault's seal key), with
 * prod's parsed config mapped to their Args by stacks/component-args.ts, and prod's protect, and
 * run under the mock engine before and after the change; the check (test/replacement-check.ts)
 * is the whole-stack test's. These settings reach no other stateful resource of the platform:
 * the resource group takes only environment, location and tags, and the SOPS keys live in this
 * Key Vault. Changes that reach tenants, Flux, CI or the tags, and the real prod graph's URNs,
 * are checked whole-stack (test/stacks/replacement.test.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { AksCluster } from "../components/azure/aks-cluster";
import { KeyVault } from "../components/azure/key-vault";
import { PlatformMonitoring } from "../components/azure/monitoring";
import { PlatformNetwork } from "../components/azure/network";
import { HashiCorpVault } from "../components/kubernetes/vault";
import { platformTags } from "../components/platform";
import { platformArgs } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import { RecordedResource } from "../synth/engine";
import { PlatformMocks } from "../synth/mocks";
import { PROJECT_ROOT } from "../synth/synthesize";
import { pinTestDay, run, TEST_TODAY } from "./helpers";
import { isType, replacements, secretReplacements, STATEFUL } from "./replacement-check";

pinTestDay();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Platform = Record<string, any>;
type Change = (platform: Platform) => void;

const PROD = readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");

/** The cluster, Key Vault and Vault of the prod config (after `change`), as GitOpsPlatform wires them. */
async function prodComponents(change?: Change): Promise<RecordedResource[]> {
  const platform = parse(PROD).config["gitops-platform:platform"] as Platform;
  change?.(platform);
  const parsed = parsePlatformConfig(platform, "prod", { today: TEST_TODAY });
  if (!parsed.ok) assert.fail(parsed.problems.join("\n"));
  const config = parsed.config;
  const components = platformArgs({ config: config });
  assert.ok(components.vault && config.protect, "prod as this wiring assumes it");
  const vaultSettings = components.vault;
  const result = await run(
    () => {
      const tags = platformTags(config);
      const [resourceGroupName, location, protect] = ["rg-gitops-prod", config.location, config.protect];
      const vnet = config.cluster.network.vnet;
      const network = vnet && new PlatformNetwork("platform-network", { resourceGroupName, location, addressSpace: vnet.addressSpace, nodeSubnet: vnet.nodeSubnet, tags, protect });
      const nodeSubnetId = network ? network.nodeSubnetId : undefined;
      // Monitoring as GitOpsPlatform wires it: the workspaces first, the cluster's and vault's diagnostics into them.
      const settings = components.monitoring;
      const monitoring =
        settings &&
        new PlatformMonitoring("platform-monitoring", {
          resourceGroupName,
          location,
          retentionDays: settings.retentionDays,
          dailyCapGb: settings.dailyCapGb,
          prometheus: settings.prometheus,
          tags,
          protect,
        });
      const cluster = new AksCluster("platform-aks", {
        resourceGroupName,
        location,
        ...components.cluster,
        tags,
        protect,
        nodeSubnetId,
        diagnostics: monitoring?.clusterDiagnostics(settings?.clusterLogCategories),
        managedPrometheus: settings?.prometheus,
      });
      const keyVault = new KeyVault("platform-kv", {
        resourceGroupName,
        location,
        environment: config.environment,
        ...components.keyVault,
        allowedSubnetIds: nodeSubnetId ? [nodeSubnetId] : undefined,
        // With ci (prod), the admin groups only: GitOpsPlatform's keyVaultAdministrators.
        administrators: config.cluster.adminGroupObjectIds.map((id) => ({ key: `admins-${id.toLowerCase()}`, principalId: id, principalType: "Group" as const })),
        tags,
        protect,
        diagnostics: monitoring?.keyVaultDiagnostics(),
      });
      new HashiCorpVault("platform-vault", {
        cluster,
        ...vaultSettings,
        keyVault,
        resourceGroupName,
        location,
        tenantId: keyVault.tenantId,
        tenants: config.tenants.map((t) => ({ name: t.name, namespace: t.namespace, namespaceWide: t.vault.namespaceWide, roles: t.vault.roles })),
        protect,
        tags,
      });
    },
    { stack: "prod" },
  );
  return result.resources;
}

let base: Promise<RecordedResource[]> | undefined;
const prod = () => (base ??= prodComponents());

// The tenants' registries take only tenant, environment, location and tags: whole-stack only.
const STATEFUL_HERE = STATEFUL.filter((kind) => kind.what !== "resource group" && kind.what !== "container registry");

test("component level: the prod components have every kind of stateful resource but the resource group and the registries", async () => {
  const resources = await prod();
  for (const kind of STATEFUL_HERE) assert.ok(resources.some(kind.matches), `no ${kind.what}`);
  assert.ok(resources.filter(isType("azure-native:containerservice:AgentPool")).every((p) => p.protect));
});

/** Moved here from the whole-stack test: each changes the settings of these three components only. */
const VARIANTS: { name: string; change: Change }[] = [
  { name: "bigger node pools", change: (p) => ((p.cluster.systemPool.maxCount = 9), (p.cluster.userPools[0].maxCount = 20)) },
  { name: "a Kubernetes minor upgrade", change: (p) => (p.cluster.kubernetesVersion = "1.37") },
  { name: "another API server range and Key Vault firewall rule", change: (p) => (p.cluster.authorizedIpRanges.push("192.0.2.0/24"), p.keyVault.allowedIpRanges.push("192.0.2.0/24")) },
  { name: "a moved maintenance window", change: (p) => (p.cluster.maintenanceWindow = { dayOfWeek: "Saturday", startHour: 22, durationHours: 6 }) },
  { name: "a Vault upgrade, the UI and bigger storage", change: (p) => (p.vault = { ...p.vault, version: "1.21.0", ui: true, storageSize: "50Gi" }) },
  { name: "other admin groups", change: (p) => (p.cluster.adminGroupObjectIds = ["0f1e2d3c-4b5a-4697-8887-766554433221"]) },
  { name: "the Premium AKS tier and a premium Key Vault", change: (p) => ((p.cluster.skuTier = "Premium"), (p.keyVault = { ...p.keyVault, sku: "premium" })) },
  { name: "kubelogin through workload identity", change: (p) => (p.cluster.kubeloginMode = "workloadidentity") },
  { name: "an added user pool", change: (p) => p.cluster.userPools.push({ name: "batch", vmSize: "Standard_D4s_v5", minCount: 1, maxCount: 4, zones: ["1", "2", "3"] }) },
  { name: "Vault recovery shares", change: (p) => (p.vault = { ...p.vault, recoveryShares: 7, recoveryThreshold: 4 }) },
];

for (const variant of VARIANTS) {
  test(`no stateful resource is replaced by: ${variant.name}`, async () => {
    const before = await prod();
    const after = await prodComponents(variant.change);
    assert.notDeepEqual(
      after.map((r) => [r.urn, r.values]),
      before.map((r) => [r.urn, r.values]),
      "the variant changes something",
    );
    assert.deepEqual(replacements(before, after), []);
    assert.deepEqual(secretReplacements(before, after), [], "Secrets are patched, never deleted and created again");
  });
}

test("the check can fail at the component level too: a new pod CIDR replaces the cluster", async () => {
  const podCidr = replacements(await prod(), await prodComponents((p) => (p.cluster.network = { podCidr: "10.248.0.0/16" })));
  assert.equal(podCidr.length, 1, podCidr.join("\n"));
  assert.match(podCidr[0], /^AKS cluster platform-aks: networkProfile .*"podCidr":"10\.244\.0\.0\/16".* -> .*"podCidr":"10\.248\.0\.0\/16"/);
});

test("a new system pool VM size under a new name drops exactly the old system pool, which prod protects", async () => {
  const before = await prod();
  const after = await prodComponents((p) => (p.cluster.systemPool = { ...p.cluster.systemPool, name: "system2", vmSize: "Standard_D8s_v5" }));
  const old = before.find((r) => r.type === "azure-native:containerservice:AgentPool" && r.values.agentPoolName === "system");
  assert.ok(old?.protect, "the system pool is protected in prod: pulumi up stops until it is unprotected on purpose");
  assert.ok(after.some((r) => r.type === "azure-native:containerservice:AgentPool" && r.values.agentPoolName === "system2" && r.protect));
  assert.deepEqual(replacements(before, after), [`AKS node pool ${old.urn}: gone (its URN changed or it was dropped)`]);
});

/**
 * `pulumi up` within 30 days of expiry: the tls provider marks the server certificate ready for
 * renewal and the engine replaces it, so the TLS Secret gets a new certificate. Modelled by a
 * mock that issues another certificate for the same resource (issue 24 item 10).
 */
async function prodAfterRenewal(t: import("node:test").TestContext): Promise<RecordedResource[]> {
  const issue = PlatformMocks.prototype.newResource;
  t.mock.method(PlatformMocks.prototype, "newResource", function (this: PlatformMocks, args: pulumi.runtime.MockResourceArgs) {
    const result = issue.call(this, args);
    if (args.type !== "tls:index/locallySignedCert:LocallySignedCert") return result;
    return { ...result, state: { ...result.state, certPem: String(result.state.certPem).replace("-----END CERTIFICATE-----", "renewed\n-----END CERTIFICATE-----") } };
  });
  try {
    return await prodComponents();
  } finally {
    t.mock.restoreAll();
  }
}

test("a server certificate renewal patches Vault's TLS Secret in place and rolls the pods, replacing nothing stateful (issue 24 item 10)", async (t) => {
  const before = await prod();
  const after = await prodAfterRenewal(t);
  const secret = (rs: RecordedResource[]) => rs.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "platform-vault-tls")!;
  const crt = (r: RecordedResource) => (r.values.stringData as Record<string, string>)["tls.crt"];
  assert.notEqual(crt(secret(after)), crt(secret(before)), "the renewal reaches the Secret");
  assert.deepEqual(secretReplacements(before, after), [], "an update of the Secret, never delete-then-create");
  assert.deepEqual(replacements(before, after), []);
  // The StatefulSet's pod template carries the certificate's checksum: the rollout Job restarts the pods onto the new files.
  const podAnnotations = (rs: RecordedResource[]) => {
    const release = rs.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.values.chart === "vault")!;
    return (release.values.values as { server: { annotations: Record<string, string> } }).server.annotations["gitops-platform/tls-certificate-sha256"];
  };
  assert.notEqual(podAnnotations(after), podAnnotations(before));
});

test("the check can fail: without enableSecretMutable a renewal replaces the TLS Secret, delete-first (issue 24 item 10)", async (t) => {
  const before = await prod();
  const after = await prodAfterRenewal(t);
  const mutableOff = (rs: RecordedResource[]) => rs.map((r) => (r.type === "pulumi:providers:kubernetes" ? { ...r, values: { ...r.values, enableSecretMutable: undefined } } : r));
  assert.deepEqual(secretReplacements(mutableOff(before), mutableOff(after)), ["Secret platform-vault-tls: stringData changed, the provider replaces it"]);
});
