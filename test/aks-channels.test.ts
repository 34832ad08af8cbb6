/**
 * Day two of the AKS cluster (issue 24 items 1, 2, 12): what AKS's own upgrade channels change
 * never shows as drift and is never sent back, every pool states its Kubernetes version so that a
 * cluster PUT after a refresh is accepted, and every pool's upgrade goes on past a node that a
 * tenant's PodDisruptionBudget keeps from draining.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { AksCluster } from "../components/azure/aks-cluster";
import { AKS_CLUSTER_DEFAULTS, channelOwnedPoolProperties } from "../components/azure/aks-profiles";
import { aksClusterArgs } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import { ClusterConfig } from "../stacks/schema";
import { RecordedResource } from "../synth/engine";
import { PROJECT_ROOT } from "../synth/synthesize";
import { pinTestDay, run } from "./helpers";
import { ignored } from "./replacement-check";

pinTestDay();

const CLUSTER = "azure-native:containerservice:ManagedCluster";
const AGENT_POOL = "azure-native:containerservice:AgentPool";
type Inputs = Record<string, unknown>;

function settings(cluster: Record<string, unknown> = {}, environment = "dev"): ClusterConfig {
  const access = environment === "prod" ? { authorizedIpRanges: ["203.0.113.0/24"] } : {};
  const parsed = parsePlatformConfig({ cluster: { ...access, ...cluster } }, environment);
  if (!parsed.ok) assert.fail(parsed.problems.join("\n"));
  return parsed.config.cluster;
}

async function cluster(config: ClusterConfig) {
  const result = await run(() => {
    const aks = new AksCluster("aks", { resourceGroupName: "rg-gitops-test", location: "westeurope", ...aksClusterArgs(config) });
    return { id: aks.id };
  });
  return { cluster: result.one(CLUSTER), pools: result.ofType(AGENT_POOL) };
}

/** Input paths (dotted) where `refreshed` differs from what the program sends. */
function differences(sent: unknown, refreshed: unknown, prefix: string[] = []): string[][] {
  if (JSON.stringify(sent) === JSON.stringify(refreshed)) return [];
  const isObject = (v: unknown) => v !== null && typeof v === "object";
  if (!isObject(sent) || !isObject(refreshed)) return [prefix];
  const keys = new Set([...Object.keys(sent as Inputs), ...Object.keys(refreshed as Inputs)]);
  return [...keys].flatMap((key) => differences((sent as Inputs)[key], (refreshed as Inputs)[key], [...prefix, key]));
}

/** What a preview after a refresh shows for a resource: the differences its ignoreChanges does not cover. */
function drift(resource: RecordedResource, refreshed: Inputs): string[] {
  return differences(resource.inputs, refreshed)
    .filter((keys) => !ignored(resource, keys))
    .map((keys) => keys.join("."));
}

/**
 * The inputs in the state after AKS's upgrade channel moved the cluster and its pools to
 * `version` and the node OS channel moved the node image, and a refresh read them back: each
 * input as Azure now reports it (what the channels write to inputs is the versions; the node
 * image is an output, see the SDK test below).
 */
function afterChannelUpgrade(resource: RecordedResource, version: string): Inputs {
  const inputs = structuredClone(resource.inputs);
  if (resource.type === AGENT_POOL) inputs.orchestratorVersion = version;
  if (resource.type === CLUSTER) {
    inputs.kubernetesVersion = version;
    inputs.agentPoolProfiles = (inputs.agentPoolProfiles as Inputs[]).map((pool) => ({ ...pool, orchestratorVersion: version }));
  }
  return inputs;
}

test("every pool the platform declares states the cluster's version: the inline pool and every AgentPool", async () => {
  for (const version of ["1.36", "1.36.2"]) {
    const { cluster: c, pools } = await cluster(settings({ kubernetesVersion: version, userPools: [{ name: "apps" }, { name: "batch" }] }, "prod"));
    const inline = c.inputs.agentPoolProfiles as Inputs[];
    assert.deepEqual(inline.map((p) => p.orchestratorVersion), [version], `the inline pool, ${version}`);
    assert.deepEqual(pools.map((p) => [p.name, p.inputs.orchestratorVersion]), [["aks-apps", version], ["aks-batch", version], ["aks-system", version]]);
  }
});

/**
 * AKS's rule for the pool list of a cluster PUT: the versions of all pools given, or of none
 * (NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged).
 */
function aksAcceptsPoolVersions(profiles: Inputs[]): boolean {
  const given = profiles.filter((p) => typeof p.orchestratorVersion === "string").length;
  return given === 0 || given === profiles.length;
}

test("a cluster PUT after a refresh is accepted: the refreshed inline list gives every pool's version", async () => {
  const { cluster: c, pools } = await cluster(settings({ userPools: [{ name: "apps" }] }));
  // A refresh keeps the inputs the state had, each updated from Azure, and adds the pools that
  // the AgentPool resources made as Azure reports them, version and all. azure-native sends that
  // list with every later cluster update (agentPoolProfiles is ignored, so the state's goes).
  const fromAzure = (profile: Inputs): Inputs => ({ ...profile, orchestratorVersion: "1.36.4" });
  const refreshedInline: Inputs[] = [
    ...(c.inputs.agentPoolProfiles as Inputs[]).map((p) => ("orchestratorVersion" in p ? fromAzure(p) : p)),
    ...pools.filter((p) => p.inputs.agentPoolName !== "system").map((p) => fromAzure({ name: p.inputs.agentPoolName, ...p.inputs })),
  ];
  assert.equal(refreshedInline.length, 2);
  assert.ok(aksAcceptsPoolVersions(refreshedInline), JSON.stringify(refreshedInline.map((p) => [p.name, p.orchestratorVersion])));
});

test("after the upgrade channel moved the cluster and its pools, a refreshed preview shows no drift and sends no old version back", async () => {
  // prod's stable channel, and the patch channel on a patch version: the channel owns the version.
  for (const config of [settings({ userPools: [{ name: "apps" }] }, "prod"), settings({ kubernetesVersion: "1.36.2", userPools: [{ name: "apps" }] })]) {
    const { cluster: c, pools } = await cluster(config);
    assert.deepEqual(drift(c, afterChannelUpgrade(c, "1.37.3")), [], "the cluster");
    for (const pool of pools) assert.deepEqual(drift(pool, afterChannelUpgrade(pool, "1.37.3")), [], pool.name);
  }
});

test("where no channel owns the version (patch on a minor, none), the config upgrades the pools after the cluster, and nothing else drifts", async () => {
  for (const config of [settings({ userPools: [{ name: "apps" }] }), settings({ upgradeChannel: "none", kubernetesVersion: "1.36.2" })]) {
    assert.deepEqual(channelOwnedPoolProperties(config), []);
    const { cluster: c, pools } = await cluster(config);
    for (const pool of pools) {
      assert.deepEqual(pool.ignoreChanges, ["count"], `${pool.name}: a new minor in the config reaches it`);
      assert.ok(pool.dependencies.includes(c.urn), "after the control plane, which a pool's version may not pass");
      // The patch channel keeps the minor the pool was given (1.36) in orchestratorVersion: no drift.
      assert.deepEqual(drift(pool, structuredClone(pool.inputs)), []);
    }
  }
});

/** The input property names of an interface in an SDK declaration file (`name?: ...` at `indent`). */
function declaredInputs(file: string, interfaceName: string, indent: string, from = 0): Set<string> {
  const text = readFileSync(path.join(PROJECT_ROOT, "node_modules", "@pulumi", "azure-native", file), "utf8");
  const start = text.indexOf(`interface ${interfaceName} {`, from);
  assert.ok(start >= 0, `${interfaceName} in ${file}`);
  const end = text.indexOf(`\n${indent.slice(4)}}`, start);
  const names = [...text.slice(start, end).matchAll(new RegExp(`^${indent}(\\w+)\\??:`, "gm"))].map((m) => m[1]);
  return new Set(names);
}

/** What AKS's upgrade and node OS channels write on a running cluster, by resource (azure-native 3.28 names). */
const CHANNEL_WRITTEN = {
  cluster: ["kubernetesVersion", "currentKubernetesVersion"],
  pool: ["orchestratorVersion", "currentOrchestratorVersion", "nodeImageVersion"],
};

test("every field the channels write that is an input in azure-native 3.28 is ignored where a channel owns it; the rest are outputs", async () => {
  const types = sdkText("types/input.d.ts");
  const poolArgs = declaredInputs("containerservice/agentPool.d.ts", "AgentPoolArgs", "    ");
  const clusterArgs = declaredInputs("containerservice/managedCluster.d.ts", "ManagedClusterArgs", "    ");
  const inlineArgs = declaredInputs("types/input.d.ts", "ManagedClusterAgentPoolProfileArgs", "        ", types.indexOf("export declare namespace containerservice {"));
  assert.ok(poolArgs.has("vmSize") && clusterArgs.has("agentPoolProfiles") && inlineArgs.has("vmSize"), "the parser reads the declarations");

  const { cluster: c, pools } = await cluster(settings({ userPools: [{ name: "apps" }] }, "prod"));
  for (const field of CHANNEL_WRITTEN.cluster.filter((f) => clusterArgs.has(f))) assert.ok(ignored(c, [field]), `cluster ${field}`);
  for (const field of CHANNEL_WRITTEN.pool.filter((f) => inlineArgs.has(f))) assert.ok(ignored(c, ["agentPoolProfiles", "0", field]), `inline pool ${field}`);
  for (const pool of pools) for (const field of CHANNEL_WRITTEN.pool.filter((f) => poolArgs.has(f))) assert.ok(ignored(pool, [field]), `${pool.name} ${field}`);
  // What the node OS channel moves cannot show in a diff at all.
  for (const args of [poolArgs, inlineArgs]) {
    assert.equal(args.has("nodeImageVersion"), false);
    assert.equal(args.has("currentOrchestratorVersion"), false);
  }
  assert.equal(clusterArgs.has("currentKubernetesVersion"), false);
});

function sdkText(file: string): string {
  return readFileSync(path.join(PROJECT_ROOT, "node_modules", "@pulumi", "azure-native", file), "utf8");
}

test("every pool's upgrade surges, waits a bounded time for a drain, then cordons a node it cannot drain and goes on", async () => {
  const { cluster: c, pools } = await cluster(settings({ userPools: [{ name: "apps" }] }, "prod"));
  const expected = { maxSurge: "33%", maxUnavailable: "0", drainTimeoutInMinutes: 30, nodeSoakDurationInMinutes: 0, undrainableNodeBehavior: "Cordon" };
  assert.deepEqual((c.inputs.agentPoolProfiles as Inputs[])[0].upgradeSettings, expected);
  for (const pool of pools) assert.deepEqual(pool.inputs.upgradeSettings, expected, pool.name);
  // Cordon hands a blocked node's place to a surge node: never without one.
  assert.notEqual(AKS_CLUSTER_DEFAULTS.poolUpgrade.maxSurge, "0");
  // Every field of the SDK's AgentPoolUpgradeSettingsArgs is stated: a refresh reads back what was sent.
  const declared = declaredInputs("types/input.d.ts", "AgentPoolUpgradeSettingsArgs", "        ", sdkText("types/input.d.ts").indexOf("export declare namespace containerservice {"));
  assert.deepEqual([...declared].sort(), Object.keys(expected).sort());
  assert.equal(sdkText("types/enums/containerservice/index.d.ts").includes('readonly Cordon: "Cordon"'), true, "the 2025-09-01 API that azure-native 3.28 sends has Cordon");
});

test("a component user may choose the pools' upgrade settings", async () => {
  const result = await run(() => {
    const aks = new AksCluster("aks", { resourceGroupName: "rg", location: "westeurope", poolUpgrade: { maxSurge: "1", drainTimeoutInMinutes: 60 } });
    return { id: aks.id };
  });
  assert.deepEqual(result.one(AGENT_POOL, "aks-system").inputs.upgradeSettings, {
    maxSurge: "1",
    maxUnavailable: "0",
    drainTimeoutInMinutes: 60,
    nodeSoakDurationInMinutes: 0,
    undrainableNodeBehavior: "Cordon",
  });
});
