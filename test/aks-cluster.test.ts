import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { parse } from "yaml";
import { AksCluster, known } from "../components/azure/aks-cluster";
import {
  AKS_CLUSTER_DEFAULTS,
  apiServerAccessProfile,
  resolveAksClusterSettings,
  channelOwnedProperties,
  AZURE_CLI_CLIENT_ID,
  deployerPrincipalType,
  dnsPrefixFor,
  maintenanceWindow,
  networkProfile,
} from "../components/azure/aks-profiles";
import { ClusterConfig } from "../stacks/schema";
import { aksClusterArgs } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import { MOCK_CLIENT } from "../synth/mocks";
import { REDACTED } from "../synth/redact";
import { dependsOn, pinTestDay, run, TestRun } from "./helpers";

pinTestDay();

const CLUSTER = "azure-native:containerservice:ManagedCluster";
const AGENT_POOL = "azure-native:containerservice:AgentPool";
const MAINTENANCE = "azure-native:containerservice:MaintenanceConfiguration";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const K8S_PROVIDER = "pulumi:providers:kubernetes";
const AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
const ADMIN_GROUP = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

/** The `cluster` section as the stack config loader produces it, defaults and all. */
function settings(cluster: Record<string, unknown> = {}, environment = "dev"): ClusterConfig {
  const parsed = parsePlatformConfig({ cluster }, environment);
  if (!parsed.ok) assert.fail(parsed.problems.join("\n"));
  return parsed.config.cluster;
}

interface Options {
  protect?: boolean;
  deployerPrincipalType?: "User" | "ServicePrincipal";
  resourceGroupName?: pulumi.Input<string>;
  nodeSubnetId?: string;
  opts?: pulumi.ComponentResourceOptions;
}

/** A program with one AksCluster that exports its outputs. */
function program(cluster: ClusterConfig, options: Options = {}) {
  return () => {
    const aks = new AksCluster(
      "aks",
      {
        resourceGroupName: options.resourceGroupName ?? "rg-gitops-test",
        location: "westeurope",
        ...aksClusterArgs(cluster),
        tags: { environment: "test" },
        protect: options.protect,
        deployerPrincipalType: options.deployerPrincipalType,
        nodeSubnetId: options.nodeSubnetId,
      },
      options.opts,
    );
    return {
      name: aks.name,
      id: aks.id,
      resourceGroupName: aks.resourceGroupName,
      oidcIssuerUrl: aks.oidcIssuerUrl,
      kubeletIdentity: aks.kubeletIdentity,
      controlPlaneIdentityId: aks.controlPlaneIdentityId,
      kubeconfig: aks.kubeconfig,
    };
  };
}

let devRun: Promise<TestRun> | undefined;
/** The dev cluster with nothing changed, run once for the tests that only read it. */
const devCluster = () => (devRun ??= run(program(settings())));

type Inputs = Record<string, unknown>;
const field = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, key) => (v as Record<string | number, unknown> | undefined)?.[key], value);

test("Entra ID only: local accounts off, managed AAD with Azure RBAC, OIDC issuer and workload identity on", async () => {
  const result = await run(program(settings({ adminGroupObjectIds: [ADMIN_GROUP] })));
  const cluster = result.one(CLUSTER).inputs;
  const identity = result.one(IDENTITY);
  assert.equal(cluster.disableLocalAccounts, true);
  assert.equal(cluster.enableRBAC, true);
  assert.deepEqual(cluster.aadProfile, { managed: true, enableAzureRBAC: true, tenantID: MOCK_CLIENT.tenantId, adminGroupObjectIDs: [ADMIN_GROUP] });
  assert.deepEqual(cluster.oidcIssuerProfile, { enabled: true });
  assert.deepEqual(cluster.securityProfile, { workloadIdentity: { enabled: true } });
  assert.deepEqual(cluster.identity, { type: "UserAssigned", userAssignedIdentities: [identity.id] });
  assert.equal(result.one(CLUSTER).parent, result.one("gitops-platform:azure:AksCluster").urn);
  assert.equal(identity.parent, result.one("gitops-platform:azure:AksCluster").urn);
  assert.deepEqual(cluster.addonProfiles, {
    azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } },
  });
});

test("dev defaults: version, tier, upgrade channels, one autoscaled system pool without zones or taint", async () => {
  const result = await devCluster();
  const cluster = result.one(CLUSTER).inputs;
  assert.equal(cluster.kubernetesVersion, "1.36");
  assert.equal(cluster.dnsPrefix, "aks");
  assert.deepEqual(cluster.sku, { name: "Base", tier: "Free" });
  assert.deepEqual(cluster.autoUpgradeProfile, { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
  assert.deepEqual(cluster.tags, { environment: "test" });
  const pools = cluster.agentPoolProfiles as Inputs[];
  assert.equal(pools.length, 1);
  const [system] = pools;
  assert.equal(system.name, "system");
  assert.equal(system.mode, "System");
  assert.equal(system.enableAutoScaling, true);
  assert.equal(system.vmSize, "Standard_D2s_v5");
  assert.equal(system.minCount, 1);
  assert.equal(system.maxCount, 3);
  assert.equal(system.count, 1, "starts at minCount");
  assert.equal(system.osSKU, "AzureLinux");
  assert.equal(system.availabilityZones, undefined, "no zones in dev");
  assert.equal(system.nodeTaints, undefined, "with no user pool, workloads must fit on the system pool");
  assert.deepEqual(result.ofType(AGENT_POOL).map((p) => p.name), ["aks-system"], "no user pool; the system pool as an AgentPool");
  assert.equal(result.ofType(MAINTENANCE).length, 0, "dev has no maintenance window");
  assert.equal(cluster.apiServerAccessProfile, undefined);
  assert.equal(result.one(CLUSTER).protect, false);
});

test("network: Azure CNI overlay powered by Cilium with the configured ranges", async () => {
  const result = await run(program(settings({ network: { podCidr: "10.100.0.0/16", serviceCidr: "10.200.0.0/16", dnsServiceIp: "10.200.0.10" } })));
  assert.deepEqual(result.one(CLUSTER).inputs.networkProfile, {
    networkPlugin: "azure",
    networkPluginMode: "overlay",
    networkPolicy: "cilium",
    networkDataplane: "cilium",
    podCidr: "10.100.0.0/16",
    serviceCidr: "10.200.0.0/16",
    dnsServiceIP: "10.200.0.10",
    loadBalancerSku: "standard",
    outboundType: "loadBalancer", // the SDK's default, filled in by azure-native
  });
});

test("network: kubenet with calico has no plugin mode and no Cilium dataplane", () => {
  const profile = networkProfile(settings({ network: { plugin: "kubenet", policy: "calico" } }).network);
  assert.equal(profile.networkPlugin, "kubenet");
  assert.equal(profile.networkPluginMode, undefined);
  assert.equal(profile.networkPolicy, "calico");
  assert.equal(profile.networkDataplane, undefined);
  assert.equal(profile.podCidr, "10.244.0.0/16");
});

test("API server: private cluster, or an allow list of public ranges", async () => {
  const privateRun = await run(program(settings({ privateCluster: true })));
  assert.deepEqual(privateRun.one(CLUSTER).inputs.apiServerAccessProfile, { enablePrivateCluster: true });
  const allowList = await run(program(settings({ authorizedIpRanges: ["203.0.113.0/24", "198.51.100.7"] })));
  assert.deepEqual(allowList.one(CLUSTER).inputs.apiServerAccessProfile, { authorizedIPRanges: ["203.0.113.0/24", "198.51.100.7"] });
  assert.equal(apiServerAccessProfile({ privateCluster: false, authorizedIpRanges: [] }), undefined);
});

test("prod: zonal autoscaled pools, user pools with labels and taints, maintenance schedules, protected", async () => {
  const cluster = settings(
    {
      adminGroupObjectIds: [ADMIN_GROUP],
      authorizedIpRanges: ["203.0.113.0/24"],
      userPools: [{ name: "work", vmSize: "Standard_D8s_v5", minCount: 2, maxCount: 10, labels: { workload: "apps" }, taints: ["dedicated=apps:NoSchedule"] }],
    },
    "prod",
  );
  const result = await run(program(cluster, { protect: true }));
  const clusterResource = result.one(CLUSTER);
  const [system] = clusterResource.inputs.agentPoolProfiles as Inputs[];
  assert.deepEqual(clusterResource.inputs.sku, { name: "Base", tier: "Standard" });
  assert.deepEqual(clusterResource.inputs.autoUpgradeProfile, { upgradeChannel: "stable", nodeOSUpgradeChannel: "SecurityPatch" });
  assert.deepEqual([system.minCount, system.maxCount, system.count, system.vmSize], [3, 6, 3, "Standard_D4s_v5"]);
  assert.deepEqual(system.availabilityZones, ["1", "2", "3"]);
  assert.deepEqual(system.nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);

  const pool = result.one(AGENT_POOL, "aks-work");
  assert.equal(pool.inputs.agentPoolName, "work");
  assert.equal(pool.inputs.resourceName, clusterResource.outputs.name);
  assert.equal(pool.inputs.resourceGroupName, "rg-gitops-test");
  assert.equal(pool.inputs.mode, "User");
  assert.equal(pool.inputs.enableAutoScaling, true);
  assert.deepEqual([pool.inputs.minCount, pool.inputs.maxCount, pool.inputs.count], [2, 10, 2]);
  assert.deepEqual(pool.inputs.availabilityZones, ["1", "2", "3"]);
  assert.deepEqual(pool.inputs.nodeLabels, { workload: "apps" });
  assert.deepEqual(pool.inputs.nodeTaints, ["dedicated=apps:NoSchedule"]);
  assert.ok(pool.dependencies.includes(clusterResource.urn));

  const configs = result.ofType(MAINTENANCE);
  assert.deepEqual(configs.map((c) => c.inputs.configName).sort(), ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]);
  for (const config of configs) {
    assert.equal(config.inputs.resourceName, clusterResource.outputs.name);
    assert.deepEqual(field(config.inputs, "maintenanceWindow", "schedule"), { weekly: { dayOfWeek: "Sunday", intervalWeeks: 1 } });
    assert.equal(field(config.inputs, "maintenanceWindow", "startTime"), "02:00");
    assert.equal(field(config.inputs, "maintenanceWindow", "durationHours"), 4);
    assert.equal(field(config.inputs, "maintenanceWindow", "utcOffset"), "+00:00");
  }

  assert.deepEqual(clusterResource.inputs.apiServerAccessProfile, { authorizedIPRanges: ["203.0.113.0/24"] });
  assert.equal(clusterResource.protect, true);
  assert.equal(pool.protect, true);
  assert.equal(result.one(IDENTITY).protect, false);
  assert.equal(result.one(ROLE_ASSIGNMENT).protect, false);
  assert.ok(configs.every((c) => !c.protect));
});

test("a configured maintenance window becomes weekly schedules; null turns prod's off", async () => {
  const window = settings({ maintenanceWindow: { dayOfWeek: "Wednesday", startHour: 7, durationHours: 6, utcOffset: "+01:00" } });
  assert.deepEqual(maintenanceWindow(window.maintenanceWindow!), {
    schedule: { weekly: { dayOfWeek: "Wednesday", intervalWeeks: 1 } },
    startTime: "07:00",
    durationHours: 6,
    utcOffset: "+01:00",
  });
  const withWindow = await run(program(window));
  assert.equal(withWindow.ofType(MAINTENANCE).length, 2);
  assert.equal(field(withWindow.ofType(MAINTENANCE)[0].inputs, "maintenanceWindow", "startTime"), "07:00");
  const off = await run(program(settings({ maintenanceWindow: null, authorizedIpRanges: ["203.0.113.0/24"] }, "prod"), { protect: true }));
  assert.equal(off.ofType(MAINTENANCE).length, 0);
});

test("the inline pool list is create-only; the autoscaler owns every AgentPool's node count", async () => {
  const result = await run(program(settings({ userPools: [{ name: "one" }, { name: "two" }] })));
  assert.deepEqual(result.one(CLUSTER).ignoreChanges, ["agentPoolProfiles"]);
  assert.deepEqual(
    result.ofType(AGENT_POOL).map((p) => [p.name, p.ignoreChanges]),
    [["aks-one", ["count"]], ["aks-two", ["count"]], ["aks-system", ["count"]]],
  );
});

test("the system pool is an AgentPool that adopts the cluster's inline pool by import, with the same settings", async () => {
  const cluster = settings(
    { adminGroupObjectIds: [ADMIN_GROUP], authorizedIpRanges: ["203.0.113.0/24"], userPools: [{ name: "work" }] },
    "prod",
  );
  const result = await run(program(cluster, { protect: true }));
  const clusterResource = result.one(CLUSTER);
  const pool = result.one(AGENT_POOL, "aks-system");
  const inline = (clusterResource.inputs.agentPoolProfiles as Inputs[])[0];

  const poolId = `${clusterResource.id}/agentPools/system`;
  assert.match(poolId, /^\/subscriptions\/[^/]+\/resourceGroups\/rg-gitops-test\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+\/agentPools\/system$/);
  assert.equal(pool.importId, poolId, "adopted, not created: azure-native refuses to create a pool that exists");
  assert.equal(pool.id, poolId);
  assert.equal(result.one(AGENT_POOL, "aks-work").importId, null, "user pools are created");
  assert.equal(pool.parent, result.one("gitops-platform:azure:AksCluster").urn);
  assert.ok(pool.dependencies.includes(clusterResource.urn));
  assert.equal(pool.protect, true);

  assert.equal(pool.inputs.agentPoolName, "system");
  assert.equal(pool.inputs.agentPoolName, inline.name, "the pool the cluster is created with");
  assert.equal(pool.inputs.resourceName, clusterResource.outputs.name);
  assert.equal(pool.inputs.resourceGroupName, "rg-gitops-test");
  assert.equal(pool.inputs.mode, "System");
  assert.deepEqual([pool.inputs.vmSize, pool.inputs.minCount, pool.inputs.maxCount, pool.inputs.count], ["Standard_D4s_v5", 3, 6, 3]);
  assert.deepEqual(pool.inputs.availabilityZones, ["1", "2", "3"]);
  assert.equal(pool.inputs.osSKU, "AzureLinux");
  assert.equal(pool.inputs.enableAutoScaling, true);
  assert.deepEqual(pool.inputs.nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);
  assert.deepEqual(pool.inputs.tags, { environment: "test" });
  for (const key of ["mode", "vmSize", "osSKU", "osType", "type", "enableAutoScaling", "count", "minCount", "maxCount", "availabilityZones", "nodeTaints"]) {
    assert.deepEqual(pool.inputs[key], inline[key], `${key}: the inline pool is created as the AgentPool then keeps it`);
  }
});

/** The inputs the provider sees: the engine replaces ignoreChanges paths with the old values. */
function effectiveInputs(resource: { inputs: Inputs; ignoreChanges: string[] }): Inputs {
  const copy = structuredClone(resource.inputs);
  const drop = (value: unknown, keys: string[]): void => {
    if (value === null || typeof value !== "object" || keys.length === 0) return;
    const [key, ...rest] = keys;
    const targets = key === "*" ? Object.keys(value) : [key];
    for (const k of targets) {
      if (rest.length === 0) delete (value as Record<string, unknown>)[k];
      else drop((value as Record<string, unknown>)[k], rest);
    }
  };
  for (const path of resource.ignoreChanges) drop(copy, path.replace(/\[(\*|\d+)\]/g, ".$1").split("."));
  return copy;
}

test("a system pool's min/max, and the taint of a first user pool, change the system AgentPool and nothing the cluster sends", async () => {
  const base = await devCluster();
  const bigger = await run(program(settings({ systemPool: { minCount: 2, maxCount: 5 } })));
  const withUserPool = await run(program(settings({ userPools: [{ name: "apps" }] })));

  for (const variant of [bigger, withUserPool]) {
    assert.deepEqual(effectiveInputs(variant.one(CLUSTER)), effectiveInputs(base.one(CLUSTER)), "no cluster diff, so no cluster PUT");
  }
  const system = (r: TestRun) => r.one(AGENT_POOL, "aks-system").inputs;
  assert.deepEqual([system(base).minCount, system(base).maxCount], [1, 3]);
  assert.deepEqual([system(bigger).minCount, system(bigger).maxCount], [2, 5]);
  assert.equal(system(base).nodeTaints, undefined);
  assert.deepEqual(system(withUserPool).nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);
  assert.equal(withUserPool.one(AGENT_POOL, "aks-apps").inputs.nodeTaints, undefined);
});

test("the first preview of a new stack has no system AgentPool: its import waits for the cluster's ID", async () => {
  const result = await run(program(settings({ userPools: [{ name: "apps" }] })), { preview: true });
  assert.equal(result.one(CLUSTER).id, null, "a cluster to be created has no ID in a preview");
  assert.deepEqual(result.ofType(AGENT_POOL).map((p) => p.name), ["aks-apps"]);
  assert.equal((result.one(CLUSTER).inputs.agentPoolProfiles as Inputs[])[0].name, "system", "the cluster is created with its system pool");
});

test("the upgrade channel owns kubernetesVersion with rapid and stable, and with patch on a patch version", () => {
  const owned = (upgradeChannel: ClusterConfig["upgradeChannel"], kubernetesVersion: string) => channelOwnedProperties({ upgradeChannel, kubernetesVersion });
  for (const version of ["1.36", "1.36.2"]) {
    assert.deepEqual(owned("rapid", version), ["kubernetesVersion"], `rapid ${version}`);
    assert.deepEqual(owned("stable", version), ["kubernetesVersion"], `stable ${version}`);
    assert.deepEqual(owned("none", version), [], `none ${version}`);
    assert.deepEqual(owned("node-image", version), [], `node-image ${version}`);
  }
  // On a minor, the patch channel keeps the alias AKS was given (an update with 1.36 never upgrades).
  assert.deepEqual(owned("patch", "1.36"), []);
  assert.deepEqual(owned("patch", "1.36.2"), ["kubernetesVersion"]);
});

test("an up after AKS upgraded the cluster does not send the old version back (Azure/AKS#3573)", async () => {
  const ignored = async (cluster: Record<string, unknown>, environment = "dev") =>
    (await run(program(settings(cluster, environment)))).one(CLUSTER).ignoreChanges;
  assert.deepEqual(await ignored({ upgradeChannel: "stable" }), ["agentPoolProfiles", "kubernetesVersion"]);
  assert.deepEqual(await ignored({ authorizedIpRanges: ["203.0.113.0/24"] }, "prod"), ["agentPoolProfiles", "kubernetesVersion"], "prod's stable channel");
  assert.deepEqual(await ignored({ upgradeChannel: "patch", kubernetesVersion: "1.36.2" }), ["agentPoolProfiles", "kubernetesVersion"]);
  assert.deepEqual(await ignored({}), ["agentPoolProfiles"], "dev's patch channel on a minor: Pulumi upgrades the minor");
  assert.deepEqual(await ignored({ upgradeChannel: "none", kubernetesVersion: "1.36.2" }), ["agentPoolProfiles"]);
});

test("the principal running Pulumi gets AKS RBAC Cluster Admin on the cluster's resource group, so it propagates while the cluster is created", async () => {
  const result = await devCluster();
  const cluster = result.one(CLUSTER);
  const assignment = result.one(ROLE_ASSIGNMENT);
  assert.equal(assignment.inputs.roleDefinitionId,
    `/subscriptions/${MOCK_CLIENT.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${AKS_RBAC_CLUSTER_ADMIN}`);
  assert.ok(String(assignment.inputs.roleDefinitionId).endsWith(AKS_RBAC_CLUSTER_ADMIN));
  // Azure RBAC for Kubernetes inherits an assignment on the resource group down to its clusters.
  assert.equal(assignment.inputs.scope, String(cluster.id).replace(/\/providers\/Microsoft\.ContainerService\/.*$/, ""));
  assert.ok(!dependsOn(result, assignment, cluster), "the grant need not wait for the cluster");
  assert.equal(assignment.inputs.principalId, MOCK_CLIENT.objectId);
  assert.equal(MOCK_CLIENT.clientId, AZURE_CLI_CLIENT_ID, "the mocks sign in as a person through az login");
  assert.equal(assignment.inputs.principalType, "User");

  const ci = await run(program(settings(), { deployerPrincipalType: "ServicePrincipal" }));
  assert.equal(ci.one(ROLE_ASSIGNMENT).inputs.principalType, "ServicePrincipal");

  const none = await run(program(settings({ deployerClusterAdmin: false })));
  assert.equal(none.ofType(ROLE_ASSIGNMENT).length, 0);
});

test("kubeconfig: secret, converted for the kubelogin mode, and the provider waits for the deployer's role to propagate", async () => {
  const result = await devCluster();
  const component = result.one("gitops-platform:azure:AksCluster");
  const provider = result.one(K8S_PROVIDER);
  assert.equal(provider.parent, component.urn);
  assert.equal(provider.inputs.kubeconfig, REDACTED);
  assert.equal(result.outputs.kubeconfig, REDACTED);
  assert.equal(component.outputs.kubeconfig, REDACTED);
  assert.equal(field(result.rawOutputs.kubeconfig, specialSigKey), specialSecretSig);
  // Azure RBAC for Kubernetes learns of a grant minutes after ARM made it; the AKS authorizer
  // refuses the token with 403 until then, and Pulumi does not retry that.
  const wait = result.one("time:index/sleep:Sleep", "aks-deployer-admin-wait");
  assert.equal(wait.inputs.createDuration, "5m");
  assert.deepEqual(wait.dependencies, [result.one(ROLE_ASSIGNMENT).urn]);
  assert.ok(provider.dependencies.includes(wait.urn), "the provider waits for the propagation, not only for the grant");

  const kubeconfig = parse(String(provider.values.kubeconfig)) as { users: { user: { exec: { command: string; args: string[] } } }[] };
  const exec = kubeconfig.users[0].user.exec;
  assert.equal(exec.command, "kubelogin");
  assert.deepEqual(exec.args, ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]);
  assert.ok(!exec.args.includes("devicecode"));

  const workload = await run(program(settings({ kubeloginMode: "workloadidentity" })));
  const workloadConfig = String(workload.one(K8S_PROVIDER).values.kubeconfig);
  assert.match(workloadConfig, /- --login\n\s+- workloadidentity\n/);
});

test("outputs: OIDC issuer, kubelet identity and control-plane identity come from the resources", async () => {
  const result = await devCluster();
  const cluster = result.one(CLUSTER);
  assert.equal(result.outputs.id, cluster.id);
  assert.equal(result.outputs.name, cluster.outputs.name);
  assert.equal(result.outputs.resourceGroupName, "rg-gitops-test");
  assert.equal(result.outputs.oidcIssuerUrl, field(cluster.outputs, "oidcIssuerProfile", "issuerURL"));
  assert.match(String(result.outputs.oidcIssuerUrl), /^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//);
  assert.deepEqual(result.outputs.kubeletIdentity, field(cluster.outputs, "identityProfile", "kubeletidentity"));
  assert.equal(result.outputs.controlPlaneIdentityId, result.one(IDENTITY).id);
});

test("a first preview, with nothing known yet, builds the cluster and registers the provider", async () => {
  const unknownGroup = pulumi.output(pulumi.unknown) as unknown as pulumi.Output<string>;
  const result = await run(program(settings(), { resourceGroupName: unknownGroup }), { preview: true });
  const provider = result.one(K8S_PROVIDER);
  assert.equal(provider.parent, result.one("gitops-platform:azure:AksCluster").urn);
  assert.equal(result.one(CLUSTER).inputs.disableLocalAccounts, true);
  assert.ok(["[unknown]", REDACTED].includes(String(provider.inputs.kubeconfig)));
  assert.equal(provider.values.kubeconfig, "[unknown]", "no kubeconfig can be fetched before the cluster exists");
});

test("a value Azure has not reported is unknown in a preview and an error in an update", async () => {
  const preview = await run(() => ({ missing: known<string>(undefined, "x: the thing"), present: known("value", "y") }), { preview: true });
  assert.equal(preview.outputs.missing, "[unknown]");
  assert.equal(preview.outputs.present, "value");
  await assert.rejects(run(() => ({ missing: known<string>(undefined, "x: the thing") })), /x: the thing is missing/);
});

test("the deployer is a person only when signed in through the Azure CLI's client", () => {
  assert.equal(deployerPrincipalType("04b07795-8ddb-461a-bbee-02f9e1bf7b46"), "User");
  assert.equal(deployerPrincipalType("5a1e2f3d-0000-4000-8000-00000000c1c1"), "ServicePrincipal");
});

test("dnsPrefixFor keeps a valid DNS prefix", () => {
  assert.equal(dnsPrefixFor("platform-aks"), "platform-aks");
  assert.equal(dnsPrefixFor("My_Cluster!"), "my-cluster");
  assert.equal(dnsPrefixFor("-x".repeat(40)).length <= 54, true);
  assert.equal(dnsPrefixFor("___"), "aks");
});

test("nodes in a platform subnet: every pool in it, the control-plane identity may use it, and the cluster waits for that grant to propagate", async () => {
  const subnet = "/subscriptions/s/resourceGroups/rg-gitops-test/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes";
  const result = await run(program(settings({ userPools: [{ name: "apps" }], deployerClusterAdmin: false }), { nodeSubnetId: subnet }));
  const cluster = result.one(CLUSTER);
  assert.deepEqual(
    (cluster.values.agentPoolProfiles as Inputs[]).map((p) => p.vnetSubnetID),
    [subnet],
  );
  for (const pool of result.ofType(AGENT_POOL)) assert.equal(pool.values.vnetSubnetID, subnet, `${pool.name} is in the subnet (the adopted system pool too)`);
  const grant = result.one(ROLE_ASSIGNMENT, "aks-network-contributor-subnet");
  assert.equal(grant.values.scope, subnet);
  assert.match(String(grant.values.roleDefinitionId), /\/roleDefinitions\/4d97b98b-1d4f-4787-a291-c67834d212e7$/);
  assert.equal(grant.values.principalId, result.one(IDENTITY).outputs.principalId);
  assert.equal(grant.values.principalType, "ServicePrincipal");
  const wait = result.one("time:index/sleep:Sleep", "aks-subnet-grant-wait");
  assert.deepEqual(wait.dependencies, [grant.urn]);
  assert.ok(cluster.dependencies.includes(wait.urn));

  const managed = await devCluster();
  assert.equal((managed.one(CLUSTER).values.agentPoolProfiles as Inputs[])[0].vnetSubnetID, undefined, "no subnet: the VNet AKS manages");
  assert.equal(managed.one(AGENT_POOL, "aks-system").values.vnetSubnetID, undefined);
  assert.equal(managed.ofType(ROLE_ASSIGNMENT).filter((r) => r.name.includes("network")).length, 0);
});

test("one pool operation at a time: each user pool waits for the one before it, the system pool for all of them", async () => {
  const result = await run(program(settings({ userPools: [{ name: "one" }, { name: "two" }, { name: "three" }] })));
  const [one, two, three] = ["aks-one", "aks-two", "aks-three"].map((name) => result.one(AGENT_POOL, name));
  const system = result.one(AGENT_POOL, "aks-system");
  assert.ok(!one.dependencies.some((urn) => [two.urn, three.urn, system.urn].includes(urn)));
  assert.ok(two.dependencies.includes(one.urn));
  assert.ok(three.dependencies.includes(two.urn));
  for (const pool of [one, two, three]) assert.ok(system.dependencies.includes(pool.urn), `the system pool waits for ${pool.name}`);
});

test("a new system pool VM size comes with a new name: that pool is created, not adopted, and the cluster sends nothing new", async () => {
  const base = await run(program(settings({ userPools: [{ name: "apps" }] })));
  const rotated = await run(program(settings({ systemPool: { name: "system2", vmSize: "Standard_D8s_v5" }, userPools: [{ name: "apps" }] })));
  const pool = rotated.one(AGENT_POOL, "aks-system2");
  assert.equal(pool.importId, null, "a pool that does not exist yet is created");
  assert.equal(pool.inputs.agentPoolName, "system2");
  assert.equal(pool.inputs.mode, "System");
  assert.equal(pool.inputs.vmSize, "Standard_D8s_v5");
  assert.deepEqual(pool.inputs.nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);
  assert.ok(pool.dependencies.includes(rotated.one(AGENT_POOL, "aks-apps").urn));
  assert.deepEqual(rotated.ofType(AGENT_POOL).map((p) => p.name), ["aks-apps", "aks-system2"], "the old pool is no longer registered: the engine deletes it last");
  assert.deepEqual(effectiveInputs(rotated.one(CLUSTER)), effectiveInputs(base.one(CLUSTER)), "no cluster PUT");
  assert.equal(base.one(AGENT_POOL, "aks-system").importId, `${base.one(CLUSTER).id}/agentPools/system`);
});

test("every pool goes with its cluster: a destroy does not delete the last System pool on its own", async () => {
  const result = await run(program(settings({ userPools: [{ name: "apps" }] })));
  const cluster = result.one(CLUSTER);
  assert.deepEqual(
    result.ofType(AGENT_POOL).map((p) => [p.name, p.deletedWith]),
    [["aks-apps", cluster.urn], ["aks-system", cluster.urn]],
  );
});

test("AksCluster owns its defaults: resource group and region are enough, and the baseline is the dev profile's cluster", async () => {
  const { vnet, ...devNetwork } = settings().network;
  // How pools are upgraded is the component's (no stack setting): the same for every environment.
  assert.deepEqual(resolveAksClusterSettings({}), { ...settings(), network: devNetwork, poolUpgrade: AKS_CLUSTER_DEFAULTS.poolUpgrade });
  const result = await run(() => {
    const aks = new AksCluster("aks", { resourceGroupName: "rg", location: "westeurope" });
    return { name: aks.name };
  });
  assert.equal(result.one(CLUSTER).inputs.disableLocalAccounts, true);
  assert.equal(field(result.one(CLUSTER).inputs, "sku", "tier"), AKS_CLUSTER_DEFAULTS.skuTier);
});

test("the cluster takes the common lock and diagnostics; a ReadOnly lock, which stops AKS operating it, is refused", async () => {
  const workspaceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs";
  const result = await run(() => new AksCluster("aks", { resourceGroupName: "rg", location: "westeurope", lock: "CanNotDelete", diagnostics: { workspaceId } }));
  const cluster = result.one(CLUSTER);
  assert.equal(result.one("azure-native:authorization:ManagementLockByScope").values.scope, cluster.id);
  const setting = result.one("azure-native:monitor:DiagnosticSetting");
  assert.equal(setting.values.resourceUri, cluster.id);
  assert.deepEqual(setting.values.logs, [{ categoryGroup: "allLogs", enabled: true }]);
  await assert.rejects(run(() => new AksCluster("aks", { resourceGroupName: "rg", location: "westeurope", lock: "ReadOnly" })), /ReadOnly lock stops AKS/);
});
