/**
 * Updates that would lose data: a config change that is not about a stateful resource must not
 * force its replacement. Each variant of the prod stack is synthesized next to the real one, and
 * for every stateful resource (matched by URN) the URN and the inputs that force replacement
 * must be the same.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { RecordedResource } from "../../synth/engine";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "replacement-"));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Platform = Record<string, any>;

interface Stateful {
  what: string;
  matches(r: RecordedResource): boolean;
  /**
   * Input paths whose change makes the provider replace the resource (delete, then create):
   * the physical name and its location. "*" means every input (the random provider replaces
   * on any change).
   */
  identity: string[][] | "*";
}

const isType = (type: string) => (r: RecordedResource) => r.type === type;

const STATEFUL: Stateful[] = [
  { what: "resource group", matches: isType("azure-native:resources:ResourceGroup"), identity: [["resourceGroupName"], ["location"]] },
  // The Key Vault's name is `kv-<env>-<suffix>`: a new suffix is a new vault. (A key's name
  // suffix is not stateful: it only names a key when the key is created.)
  {
    what: "Key Vault name suffix",
    matches: (r) => r.type === "random:index/randomString:RandomString" && !r.name.endsWith("-name-suffix"),
    identity: "*",
  },
  { what: "Key Vault", matches: isType("azure-native:keyvault:Vault"), identity: [["vaultName"], ["resourceGroupName"], ["location"]] },
  { what: "Key Vault key", matches: isType("azure-native:keyvault:Key"), identity: [["keyName"], ["vaultName"], ["resourceGroupName"], ["properties", "kty"]] },
  {
    what: "AKS cluster",
    matches: isType("azure-native:containerservice:ManagedCluster"),
    // Auto-named: the engine keeps the name of an existing cluster as long as the URN stays.
    identity: [["resourceName"], ["dnsPrefix"], ["resourceGroupName"], ["location"], ["networkProfile"], ["agentPoolProfiles", "0", "name"]],
  },
  { what: "AKS node pool", matches: isType("azure-native:containerservice:AgentPool"), identity: [["agentPoolName"], ["resourceName"], ["resourceGroupName"]] },
  {
    what: "Vault Helm release (its raft storage)",
    matches: (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.values.chart === "vault",
    identity: [["name"], ["namespace"], ["chart"], ["repositoryOpts", "repo"]],
  },
  {
    what: "Vault namespace (deleting it deletes the storage)",
    matches: (r) => r.type === "kubernetes:core/v1:Namespace" && (r.values.metadata as { name?: string }).name === "vault",
    identity: [["metadata", "name"]],
  },
];

/**
 * Whether an input path is under one of the resource's ignoreChanges paths: the engine then sends
 * the old value, so the provider never sees a change there (pulumi/pulumi, processIgnoreChanges).
 */
function ignored(resource: RecordedResource, keys: string[]): boolean {
  return resource.ignoreChanges.some((path) => {
    const ignoredKeys = path.replace(/\[(\*|\d+)\]/g, ".$1").split(".");
    return ignoredKeys.length <= keys.length && ignoredKeys.every((key, i) => key === "*" || key === keys[i]);
  });
}

function at(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), value);
}

/** What would be replaced (or deleted) going from `base` to `next`: one line per problem. */
function replacements(base: readonly RecordedResource[], next: readonly RecordedResource[]): string[] {
  const byUrn = new Map(next.map((r) => [r.urn, r]));
  const problems: string[] = [];
  for (const kind of STATEFUL) {
    for (const before of base.filter(kind.matches)) {
      const after = byUrn.get(before.urn);
      if (!after) {
        problems.push(`${kind.what} ${before.urn}: gone (its URN changed or it was dropped)`);
        continue;
      }
      if (after.protect !== before.protect) problems.push(`${kind.what} ${before.name}: protect ${before.protect} -> ${after.protect}`);
      const paths = kind.identity === "*" ? [[]] : kind.identity;
      for (const keys of paths) {
        if (ignored(after, keys)) continue;
        const [a, b] = [at(before.values, keys), at(after.values, keys)];
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          problems.push(`${kind.what} ${before.name}: ${keys.join(".") || "inputs"} ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
        }
      }
      // The physical name the provider gave it (auto-named resources, the random suffix).
      for (const key of ["name", "result"]) {
        if (JSON.stringify(before.outputs[key]) !== JSON.stringify(after.outputs[key])) {
          problems.push(`${kind.what} ${before.name}: ${key} output ${JSON.stringify(before.outputs[key])} -> ${JSON.stringify(after.outputs[key])}`);
        }
      }
    }
  }
  return problems;
}

const prodDocument = () => parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8"));

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
      (r) => r.urn === "urn:pulumi:prod::gitops-platform::gitops-platform:kubernetes:Flux$azure-native:keyvault:Key::platform-flux-sops-key",
    ),
    "the shared SOPS key under its old URN",
  );
  assert.deepEqual(replacements(resources, await synthProd()), [], "a resynth of the same config changes nothing");
});

type Change = (platform: Platform, config: Record<string, unknown>) => void;
/** `base`, when given, is applied to the prod stack on both sides. */
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
  { name: "bigger node pools", change: (p) => ((p.cluster.systemPool.maxCount = 9), (p.cluster.userPools[0].maxCount = 20)) },
  { name: "a Kubernetes minor upgrade", change: (p) => (p.cluster.kubernetesVersion = "1.37") },
  { name: "another API server range and Key Vault firewall rule", change: (p) => (p.cluster.authorizedIpRanges.push("192.0.2.0/24"), p.keyVault.allowedIpRanges.push("192.0.2.0/24")) },
  { name: "a moved maintenance window", change: (p) => (p.cluster.maintenanceWindow = { dayOfWeek: "Saturday", startHour: 22, durationHours: 6 }) },
  { name: "a Vault upgrade, the UI and bigger storage", change: (p) => (p.vault = { ...p.vault, version: "1.21.0", ui: true, storageSize: "50Gi" }) },
  // Without SOPS on both sides: the extension cannot decrypt (config refuses sops with it), and
  // turning SOPS off drops its key on purpose.
  { name: "Flux through the AKS extension instead of Helm", base: (p) => (p.flux = { ...p.flux, sops: false }), change: (p) => (p.flux = { ...p.flux, sops: false, install: "aks-extension" }) },
  { name: "other admin groups", change: (p) => (p.cluster.adminGroupObjectIds = ["0f1e2d3c-4b5a-4697-8887-766554433221"]) },
  { name: "the Premium AKS tier and a premium Key Vault", change: (p) => ((p.cluster.skuTier = "Premium"), (p.keyVault = { ...p.keyVault, sku: "premium" })) },
  { name: "kubelogin through workload identity", change: (p) => (p.cluster.kubeloginMode = "workloadidentity") },
  {
    name: "CI identities switched on or off (and with them the deployer's own cluster admin grant)",
    change: (p) => (p.ci ? delete p.ci : (p.ci = { repository: "acme-platform/platform-infra" })),
  },
  { name: "an added user pool", change: (p) => p.cluster.userPools.push({ name: "batch", vmSize: "Standard_D4s_v5", minCount: 1, maxCount: 4, zones: ["1", "2", "3"] }) },
  { name: "another GitHub owner", change: (p) => (p.github.owner = "acme-platform-2") },
  { name: "Vault recovery shares", change: (p) => (p.vault = { ...p.vault, recoveryShares: 7, recoveryThreshold: 4 }) },
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

test("the check can fail: a new pod CIDR replaces the cluster, a new location everything", async () => {
  const before = await prod();
  const podCidr = replacements(before, await synthProd((p) => (p.cluster.network = { podCidr: "10.248.0.0/16" })));
  assert.equal(podCidr.length, 1, podCidr.join("\n"));
  assert.match(podCidr[0], /^AKS cluster platform-aks: networkProfile .*"podCidr":"10\.244\.0\.0\/16".* -> .*"podCidr":"10\.248\.0\.0\/16"/);

  const moved = replacements(before, await synthProd((p) => (p.location = "northeurope")));
  assert.deepEqual(moved, [
    'resource group platform-rg: location "westeurope" -> "northeurope"',
    'Key Vault platform-kv: location "westeurope" -> "northeurope"',
    'AKS cluster platform-aks: location "westeurope" -> "northeurope"',
  ]);
});

test("the cluster's inline pool list is create-only: a change there cannot replace the cluster", async () => {
  const cluster = (await prod()).find(isType("azure-native:containerservice:ManagedCluster"))!;
  assert.ok(ignored(cluster, ["agentPoolProfiles", "0", "name"]));
  assert.ok(!ignored(cluster, ["networkProfile"]));
});

test("a new system pool VM size under a new name drops exactly the old system pool, which prod protects", async () => {
  const before = await prod();
  const after = await synthProd((p) => (p.cluster.systemPool = { ...p.cluster.systemPool, name: "system2", vmSize: "Standard_D8s_v5" }));
  const old = before.find((r) => r.type === "azure-native:containerservice:AgentPool" && r.values.agentPoolName === "system");
  assert.ok(old?.protect, "the system pool is protected in prod: pulumi up stops until it is unprotected on purpose");
  assert.ok(after.some((r) => r.type === "azure-native:containerservice:AgentPool" && r.values.agentPoolName === "system2" && r.protect));
  assert.deepEqual(replacements(before, after), [`AKS node pool ${old.urn}: gone (its URN changed or it was dropped)`]);
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

test("a removed tenant drops exactly its SOPS key, which prod protects, so pulumi up stops before deleting it", async () => {
  const before = await prod();
  const after = await synthProd((p) => (p.tenants = p.tenants.filter((t: { name: string }) => t.name !== "payments")));
  const key = before.find((r) => r.type === "azure-native:keyvault:Key" && String(r.values.keyName).startsWith("sops-payments-"));
  assert.ok(key?.protect, "the tenant's key is protected in prod: what its repository encrypted stays readable until someone unprotects it on purpose");
  assert.deepEqual(replacements(before, after), [`Key Vault key ${key.urn}: gone (its URN changed or it was dropped)`]);
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
