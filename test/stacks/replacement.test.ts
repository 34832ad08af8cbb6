/**
 * Updates that would lose data: a config change that is not about a stateful resource must not
 * force its replacement. Each variant of the prod stack is synthesized next to the real one, and
 * for every stateful resource (matched by URN) the URN and the inputs that force replacement
 * must be the same (test/replacement-check.ts). Here: the real prod graph and the changes that
 * reach more than the cluster, Key Vault and Vault; changes to those three components' settings
 * alone are checked at the component level (test/replacement.test.ts), with the same check.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { policyContext } from "../../policy/context";
import { checkedFromRecord } from "../../policy/from-synth";
import { auditLogsCollected } from "../../policy/rules/monitoring";
import { RecordedResource } from "../../synth/engine";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { inlineStackDocument } from "../environments";
import { pinTestDay } from "../helpers";
import { ignored, isType, replacements, STATEFUL } from "../replacement-check";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "replacement-"));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Platform = Record<string, any>;

// Prod in the single-stack form (its tenant stacks' tenants inline): the variants change tenants too.
// That the move to tenant stacks replaces nothing in the platform stack: test/stacks/prod-layered.test.ts.
const prodDocument = () => inlineStackDocument("prod");

let counter = 0;
async function synthProd(change?: (platform: Platform, config: Record<string, unknown>) => void): Promise<RecordedResource[]> {
  const document = prodDocument();
  change?.(document.config["gitops-platform:platform"], document.config);
  const file = path.join(workdir, `prod-${++counter}.yaml`);
  writeFileSync(file, stringify(document));
  const { run } = await synthesize({ stack: "prod", configFile: file });
  return run.resources;
}

let base: Promise<RecordedResource[]> | undefined;
const prod = () => (base ??= synthProd());

test("the real prod stack has every kind of stateful resource this test watches", async () => {
  const resources = await prod();
  for (const kind of STATEFUL) assert.ok(resources.some(kind.matches), `no ${kind.what} in prod`);
  assert.equal(resources.filter(isType("azure-native:keyvault:Key")).length, 5, "the shared SOPS key, three tenants' SOPS keys and the Vault seal key");
  // The shared key keeps the URN earlier versions gave it: upgrading adopts it, nothing replaces it.
  assert.ok(
    resources.some(
      (r) => r.urn === "urn:pulumi:prod::gitops-platform::gitops-platform:index:GitOpsPlatform$gitops-platform:kubernetes:Flux$azure-native:keyvault:Key::platform-flux-sops-key",
    ),
    "the shared SOPS key under its old URN",
  );
  // A resynth of the same config changes nothing: test/stacks/determinism.test.ts (byte-identical prod JSON).
});

type Change = (platform: Platform, config: Record<string, unknown>) => void;

function withoutImageAutomation(p: Platform, flux: Platform): void {
  p.flux = flux;
  for (const tenant of p.tenants) delete tenant.imageAutomation;
}
/** `base`, when given, is applied to the prod stack on both sides. */
// The cluster, Key Vault and Vault variants (node pools, Kubernetes upgrade, API server and firewall
// ranges, maintenance window, admin groups, SKUs, kubelogin, Vault version and recovery shares) are
// in test/replacement.test.ts, at the component level.
const VARIANTS: { name: string; base?: Change; change: Change }[] = [
  { name: "a changed tag and a new one", change: (p) => (p.tags = { ...p.tags, owner: "sre-team", "data-class": "internal" }) },
  {
    name: "an added tenant",
    change: (p) =>
      p.tenants.push({
        name: "search",
        groups: { admins: ["8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e05"] },
        quota: { cpu: "4", memory: "8Gi", pods: 40 },
        git: { repository: "search-config", path: "./envs/prod" },
      }),
  },
  { name: "tenants in another order", change: (p) => p.tenants.reverse() },
  { name: "a changed quota", change: (p) => (p.tenants[0].quota = { cpu: "12", memory: "24Gi", pods: 120 }) },
  {
    name: "an added notification",
    change: (p, config) => {
      p.flux = { ...p.flux, notifications: [...(p.flux?.notifications ?? []), { name: "oncall", type: "msteams", addressSecret: "oncallWebhookUrl" }] };
      config["gitops-platform:oncallWebhookUrl"] = { secure: "v1:b25jYWxsLXdlYmhvb2s=" };
    },
  },
  // Without SOPS on both sides: the extension cannot decrypt (config refuses sops with it), and
  // turning SOPS off drops its key on purpose.
  // Nor image automation, which config refuses with the extension.
  {
    name: "Flux through the AKS extension instead of Helm",
    base: (p) => withoutImageAutomation(p, { ...p.flux, sops: false }),
    change: (p) => withoutImageAutomation(p, { ...p.flux, sops: false, install: "aks-extension" }),
  },
  {
    name: "CI identities switched on or off (and with them the deployer's own cluster admin grant)",
    change: (p) => (p.ci ? delete p.ci : (p.ci = { repository: "acme-platform/platform-infra", reviewers: { teams: [1] } })),
  },
  { name: "another GitHub owner", change: (p) => (p.github.owner = "acme-platform-2") },
  { name: "a larger registry SKU", change: (p) => (p.registry = { ...p.registry, sku: "Premium" }) },
  {
    name: "another registry pusher for a tenant",
    change: (p) => (p.tenants[1].registry = { push: [{ repository: "acme-platform/orders-api", environment: "production" }] }),
  },
  { name: "Sealed Secrets turned on", change: (p) => (p.sealedSecrets = { enabled: true }) },
  {
    name: "monitoring: other log categories, a longer retention, a daily cap, alert receivers",
    change: (p) =>
      (p.monitoring = {
        ...p.monitoring,
        clusterLogCategories: ["kube-audit", "guard", "kube-apiserver"],
        retentionDays: 365,
        dailyCapGb: 20,
        alertActionGroupIds: ["/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-ops/providers/microsoft.insights/actionGroups/oncall"],
      }),
  },
];

for (const variant of VARIANTS) {
  test(`no stateful resource is replaced by: ${variant.name}`, async () => {
    const before = variant.base ? await synthProd(variant.base) : await prod();
    const after = await synthProd(variant.change);
    assert.notDeepEqual(
      after.map((r) => [r.urn, r.values]),
      before.map((r) => [r.urn, r.values]),
      "the variant changes something",
    );
    assert.deepEqual(replacements(before, after), []);
  });
}

test("the check can fail: a new location replaces everything located (a new pod CIDR: test/replacement.test.ts)", async () => {
  const moved = replacements(await prod(), await synthProd((p) => (p.location = "northeurope")));
  assert.deepEqual(moved, [
    'resource group platform-rg: location "westeurope" -> "northeurope"',
    'Key Vault platform-kv: location "westeurope" -> "northeurope"',
    'AKS cluster platform-aks: location "westeurope" -> "northeurope"',
    'container registry platform-web-acr: location "westeurope" -> "northeurope"',
    'container registry platform-api-acr: location "westeurope" -> "northeurope"',
    'container registry platform-payments-acr: location "westeurope" -> "northeurope"',
    'Log Analytics workspace platform-monitoring-logs: location "westeurope" -> "northeurope"',
    'Azure Monitor workspace platform-monitoring-metrics: location "westeurope" -> "northeurope"',
  ]);
});

test("the cluster's inline pool list is create-only: a change there cannot replace the cluster", async () => {
  const cluster = (await prod()).find(isType("azure-native:containerservice:ManagedCluster"))!;
  assert.ok(ignored(cluster, ["agentPoolProfiles", "0", "name"]));
  assert.ok(!ignored(cluster, ["networkProfile"]));
});

const sopsKeys = (resources: readonly RecordedResource[]) =>
  resources.filter((r) => r.type === "azure-native:keyvault:Key" && /^(flux-sops|sops-[a-z0-9-]+)-[a-z0-9]{6}$/.test(String(r.values.keyName)));

test("turning SOPS off drops exactly the SOPS keys (the shared one and each tenant's), which prod protects, so pulumi up stops before deleting them", async () => {
  const before = await prod();
  const after = await synthProd((p) => (p.flux = { ...p.flux, sops: false }));
  const keys = sopsKeys(before);
  assert.equal(keys.length, 4);
  assert.ok(keys.every((k) => k.protect), "the SOPS keys are protected in prod");
  assert.deepEqual(replacements(before, after), keys.map((key) => `Key Vault key ${key.urn}: gone (its URN changed or it was dropped)`));
});

test("a removed tenant drops exactly its SOPS key and its registry, which prod protects, so pulumi up stops before deleting them", async () => {
  const before = await prod();
  const after = await synthProd((p) => (p.tenants = p.tenants.filter((t: { name: string }) => t.name !== "payments")));
  const key = before.find((r) => r.type === "azure-native:keyvault:Key" && String(r.values.keyName).startsWith("sops-payments-"));
  assert.ok(key?.protect, "the tenant's key is protected in prod: what its repository encrypted stays readable until someone unprotects it on purpose");
  const registry = before.find((r) => r.type === "azure-native:containerregistry:Registry" && r.name === "platform-payments-acr");
  assert.ok(registry?.protect, "the tenant's registry is protected in prod: its images stay until someone unprotects it on purpose");
  const suffix = before.find((r) => r.name === "platform-payments-acr-suffix")!;
  assert.deepEqual(replacements(before, after).sort(), [
    `Key Vault key ${key.urn}: gone (its URN changed or it was dropped)`,
    `container registry ${registry.urn}: gone (its URN changed or it was dropped)`,
    `name suffix (Key Vault, registry) ${suffix.urn}: gone (its URN changed or it was dropped)`,
  ].sort());
});

test("retiring the shared SOPS key (flux.sharedSopsKey: false) drops exactly it", async () => {
  const before = await prod();
  const after = await synthProd((p) => (p.flux = { ...p.flux, sharedSopsKey: false }));
  const key = before.find((r) => r.type === "azure-native:keyvault:Key" && String(r.values.keyName).startsWith("flux-sops-"));
  assert.ok(key?.protect);
  assert.deepEqual(replacements(before, after), [`Key Vault key ${key.urn}: gone (its URN changed or it was dropped)`]);
});

test("a key's name is not part of its identity once it exists: keyName is in ignoreChanges", async () => {
  const keys = (await prod()).filter(isType("azure-native:keyvault:Key"));
  assert.ok(keys.length === 5 && keys.every((k) => k.ignoreChanges.includes("keyName")));
  // Without ignoreChanges the same rename would count as a replacement.
  const renamed = keys.map((k) => ({ ...k, values: { ...k.values, keyName: "renamed" } }));
  assert.deepEqual(replacements(keys, renamed), []);
  assert.equal(replacements(keys, renamed.map((k) => ({ ...k, ignoreChanges: [] }))).length, 5);
});

test("switching managed Prometheus off drops exactly the Azure Monitor workspace, which prod protects; the cluster's addon goes off in place", async () => {
  const before = await prod();
  const after = await synthProd((p) => (p.monitoring = { ...p.monitoring, prometheus: false }));
  const workspace = before.find(isType("azure-native:monitor:AzureMonitorWorkspace"));
  assert.ok(workspace?.protect, "the metrics history is protected in prod");
  assert.deepEqual(replacements(before, after), [`Azure Monitor workspace ${workspace.urn}: gone (its URN changed or it was dropped)`]);
  const cluster = after.find(isType("azure-native:containerservice:ManagedCluster"))!;
  assert.deepEqual(cluster.values.azureMonitorProfile, { metrics: { enabled: false } });
});

test("turning monitoring on (dev) adds resources and changes no existing URN: the cluster and the vaults (the platform's, tenant web's) get a diagnostic setting, the addon an in-place update", async () => {
  const devWith = async (monitoring: Record<string, unknown>, name: string) => {
    const document = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
    document.config["gitops-platform:platform"].monitoring = monitoring;
    const file = path.join(workdir, name);
    writeFileSync(file, stringify(document));
    return (await synthesize({ stack: "dev", configFile: file })).run.resources;
  };
  const off = await devWith({ enabled: false }, "dev-monitoring-off.yaml");
  const on = await devWith({ enabled: true }, "dev-monitoring-on.yaml");
  const onUrns = new Set(on.map((r) => r.urn));
  assert.deepEqual(off.filter((r) => !onUrns.has(r.urn)).map((r) => r.urn), [], "every resource keeps its URN");
  assert.deepEqual(replacements(off, on), []);
  const added = on.filter((r) => !off.some((o) => o.urn === r.urn)).map((r) => `${r.type.split(":").pop()} ${r.name}`);
  assert.deepEqual(added.sort(), [
    "AzureMonitorWorkspace platform-monitoring-metrics",
    "ClusterPrometheus platform-prometheus",
    "ConfigMap platform-prometheus-scrape-config",
    "DataCollectionEndpoint platform-prometheus-dce",
    "DataCollectionRule platform-prometheus-dcr",
    "DataCollectionRuleAssociation platform-prometheus-dcra",
    "DiagnosticSetting platform-aks-diagnostics",
    "DiagnosticSetting platform-api-acr-diagnostics",
    "DiagnosticSetting platform-kv-diagnostics",
    "DiagnosticSetting platform-web-acr-diagnostics",
    "DiagnosticSetting platform-web-azure-kv-diagnostics",
    "PlatformMonitoring platform-monitoring",
    "PrometheusRuleGroup platform-prometheus-alerts",
    "Workspace platform-monitoring-logs",
  ]);
  // Every cluster and vault audited: the dev advisory findings are gone.
  const checked = on.map(checkedFromRecord);
  assert.deepEqual(auditLogsCollected.check(checked, policyContext(checked, "dev")), []);
});
