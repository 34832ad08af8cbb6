/**
 * Pure pieces of the AKS cluster: its settings, their secure-by-default baseline, and the ARM
 * profiles the AksCluster component sends. No Pulumi resources here, so tests call them directly.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { KubeloginMode } from "./kubeconfig";

/** Node OS image of every pool. */
export type NodeOsSku = "AzureLinux" | "Ubuntu";

export const DAYS_OF_WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];
export type AvailabilityZone = "1" | "2" | "3";
export type AksSkuTier = "Free" | "Standard" | "Premium";
export type UpgradeChannel = "rapid" | "stable" | "patch" | "node-image" | "none";
export type NodeOsUpgradeChannel = "None" | "Unmanaged" | "NodeImage" | "SecurityPatch";

/**
 * The Kubernetes version a cluster gets when none is given: a minor, so the `patch` channel picks
 * patches. Move it once the next minor is GA in every region (stacks/kubernetes-versions.ts has
 * AKS's calendar, which the stack config is checked against).
 */
export const DEFAULT_KUBERNETES_VERSION = "1.36";

/** Size and placement of a pool: Linux scale sets the autoscaler sizes between minCount and maxCount. */
export interface NodePoolSize {
  /** Azure VM size of the nodes. */
  vmSize: string;
  /** Fewest nodes the autoscaler keeps; the pool starts with this many. */
  minCount: number;
  /** Most nodes the autoscaler adds. */
  maxCount: number;
  /** Availability zones; empty for none. */
  zones: AvailabilityZone[];
}

/** The system pool, which runs only critical add-ons once the cluster has user pools. */
export interface SystemPoolSettings extends NodePoolSize {
  /**
   * AKS name of the system pool. Every cluster is created with "system" (SYSTEM_POOL_NAME); AKS
   * cannot change a pool's VM size or zones, so a new name (with the new size or zones) replaces
   * the pool of a running cluster (adoptsInlinePool).
   */
  name: string;
}

/** A user pool: where workloads run. */
export interface UserPoolSettings extends NodePoolSize {
  /** AKS name of the pool: 1-12 lowercase letters or digits. */
  name: string;
  /** Kubernetes labels on its nodes. */
  labels: Record<string, string>;
  /** Taints on its nodes, `key=value:Effect`. */
  taints: string[];
}

/** The cluster network: Azure CNI overlay with Cilium by default. */
export interface ClusterNetworkSettings {
  plugin: "azure" | "kubenet" | "none";
  /** Only for the azure plugin. */
  pluginMode?: "overlay";
  policy: "cilium" | "calico" | "azure" | "none";
  /** Pod addresses (overlay, kubenet, bring-your-own CNI). */
  podCidr: string;
  serviceCidr: string;
  /** Inside serviceCidr. */
  dnsServiceIp: string;
}

/** A weekly planned maintenance window for upgrades. */
export interface MaintenanceWindowSettings {
  dayOfWeek: DayOfWeek;
  /** Hour of the day it starts, 0-23. */
  startHour: number;
  /** At least 4. */
  durationHours: number;
  /** Offset from UTC of startHour, such as +01:00. */
  utcOffset: string;
}

/**
 * How AKS upgrades the nodes of a pool (AgentPoolUpgradeSettings of the 2025-09-01 API that
 * azure-native 3.28 sends). A node is upgraded by surging a new node, draining an old one and
 * deleting it; the drain honours PodDisruptionBudgets, so one budget that allows no disruption
 * (`maxUnavailable: 0`, `minAvailable: 100%`, or a minimum equal to the replicas) would hold the
 * drain until the timeout and then fail the whole upgrade (UnsatisfiablePDB, "Schedule", AKS's
 * default). With "Cordon" AKS instead cordons the node it cannot drain, labels it
 * `kubernetes.azure.com/upgrade-status=Quarantined`, keeps one surge node in its place and goes
 * on with the other nodes (learn.microsoft.com/azure/aks/upgrade-cluster, "Optimize for
 * undrainable node behavior"; the UndrainableNodeBehavior enum doc in the SDK). The operation
 * then ends Failed with the quarantined nodes still on the old version, for an operator to drain
 * (docs/day-two-azure.md): the platform keeps running and every other node is upgraded. Cordon
 * needs a surge node to move onto, so maxSurge is never 0 here.
 */
export interface PoolUpgradeSettings {
  /** Nodes added during an upgrade, a count ("1") or a percentage of the pool ("33%", rounded up). */
  maxSurge: string;
  /** Minutes AKS waits for a node's pods to be evicted (PDBs honoured) before it gives up on the node. */
  drainTimeoutInMinutes: number;
  /** What AKS does with a node it could not drain in time. */
  undrainableNodeBehavior: "Cordon" | "Schedule";
}

/** Every cluster setting, every default filled in: what the profile builders below take. */
export interface AksClusterSettings {
  kubernetesVersion: string;
  skuTier: AksSkuTier;
  upgradeChannel: UpgradeChannel;
  nodeOsUpgradeChannel: NodeOsUpgradeChannel;
  adminGroupObjectIds: string[];
  authorizedIpRanges: string[];
  privateCluster: boolean;
  deployerClusterAdmin: boolean;
  systemPool: SystemPoolSettings;
  userPools: UserPoolSettings[];
  network: ClusterNetworkSettings;
  kubeloginMode: KubeloginMode;
  maintenanceWindow?: MaintenanceWindowSettings;
  poolUpgrade: PoolUpgradeSettings;
}

/**
 * The secure-by-default baseline of AksClusterArgs (what an unset field means). Local accounts off,
 * Entra ID with Azure RBAC, OIDC and workload identity are not settings: every cluster has them.
 * Equal to the stack config's dev defaults; prod's (stacks/environments.ts) differ in tier,
 * channels, zonal pool size and maintenance window.
 */
export const AKS_CLUSTER_DEFAULTS: Readonly<
  Omit<AksClusterSettings, "maintenanceWindow"> & {
    /** A user pool's size when not given; its zones default to the system pool's. */
    userPool: Omit<NodePoolSize, "zones">;
    /** What a maintenance window that gives only its day and hour gets. */
    maintenanceWindow: Pick<MaintenanceWindowSettings, "durationHours" | "utcOffset">;
  }
> = {
  kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
  skuTier: "Free",
  upgradeChannel: "patch",
  nodeOsUpgradeChannel: "NodeImage",
  adminGroupObjectIds: [],
  authorizedIpRanges: [],
  privateCluster: false,
  deployerClusterAdmin: true,
  systemPool: { name: "system", vmSize: "Standard_D2s_v5", minCount: 1, maxCount: 3, zones: [] },
  userPools: [],
  userPool: { vmSize: "Standard_D4s_v5", minCount: 1, maxCount: 3 },
  network: { plugin: "azure", pluginMode: "overlay", policy: "cilium", podCidr: "10.244.0.0/16", serviceCidr: "10.0.0.0/16", dnsServiceIp: "10.0.0.10" },
  kubeloginMode: "azurecli",
  maintenanceWindow: { durationHours: 4, utcOffset: "+00:00" },
  // 33%: Microsoft's recommendation for production pools (at least one node on small pools);
  // 30 minutes: AKS's own default drain timeout, stated so that a refresh shows no drift.
  poolUpgrade: { maxSurge: "33%", drainTimeoutInMinutes: 30, undrainableNodeBehavior: "Cordon" },
};

/** `defaults` with every field of `given` that is set (undefined counts as unset). */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const result = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined) (result as Record<string, unknown>)[key] = value;
  return result;
}

/** The settings part of AksClusterArgs: every field optional, AKS_CLUSTER_DEFAULTS when unset. */
export interface AksClusterSettingsArgs {
  /** Kubernetes version: a minor (1.36) lets the upgrade channel pick patches. Default DEFAULT_KUBERNETES_VERSION. */
  kubernetesVersion?: string;
  /** AKS pricing tier; Standard has an SLA. Default "Free". */
  skuTier?: AksSkuTier;
  /** AKS auto-upgrade channel. Default "patch". */
  upgradeChannel?: UpgradeChannel;
  /** Node OS image upgrades. Default "NodeImage" (weekly images with the security patches). */
  nodeOsUpgradeChannel?: NodeOsUpgradeChannel;
  /** Entra groups that get cluster admin through AKS RBAC. Default none. */
  adminGroupObjectIds?: string[];
  /** Public API server allow list. Default none: open to all, still behind Entra ID. */
  authorizedIpRanges?: string[];
  /** API server reachable only inside the VNet. Default false. */
  privateCluster?: boolean;
  /**
   * Grant the principal running Pulumi AKS RBAC Cluster Admin, without which it cannot use
   * `provider` (local accounts are off). Default true; turn it off when the deployer changes from
   * run to run (CI with several identities) and grant roles yourself.
   */
  deployerClusterAdmin?: boolean;
  /** The system pool. Default "system", Standard_D2s_v5, 1-3 nodes, no zones. */
  systemPool?: Partial<SystemPoolSettings>;
  /** User pools. Default none: everything runs on the (then untainted) system pool. Each: Standard_D4s_v5, 1-3 nodes, the system pool's zones, no labels or taints. */
  userPools?: (Pick<UserPoolSettings, "name"> & Partial<UserPoolSettings>)[];
  /** The network. Default Azure CNI overlay, Cilium, pods 10.244.0.0/16, services 10.0.0.0/16, DNS 10.0.0.10. */
  network?: Partial<ClusterNetworkSettings>;
  /** How kubelogin gets a token for `provider` (the runner needs kubelogin). Default "azurecli". */
  kubeloginMode?: KubeloginMode;
  /** A weekly maintenance window (durationHours default 4, utcOffset default +00:00). Default none. */
  maintenanceWindow?: Pick<MaintenanceWindowSettings, "dayOfWeek" | "startHour"> & Partial<MaintenanceWindowSettings>;
  /** How every pool's nodes are upgraded. Default maxSurge 33%, drain timeout 30 minutes, undrainable nodes cordoned. */
  poolUpgrade?: Partial<PoolUpgradeSettings>;
}

/** AksClusterSettingsArgs with every default filled in. */
export function resolveAksClusterSettings(args: AksClusterSettingsArgs): AksClusterSettings {
  const d = AKS_CLUSTER_DEFAULTS;
  const systemPool = withDefaults<SystemPoolSettings>({ ...d.systemPool, zones: [...d.systemPool.zones] }, args.systemPool);
  const userPool = { ...d.userPool, zones: systemPool.zones, labels: {}, taints: [] };
  return {
    kubernetesVersion: args.kubernetesVersion ?? d.kubernetesVersion,
    skuTier: args.skuTier ?? d.skuTier,
    upgradeChannel: args.upgradeChannel ?? d.upgradeChannel,
    nodeOsUpgradeChannel: args.nodeOsUpgradeChannel ?? d.nodeOsUpgradeChannel,
    adminGroupObjectIds: args.adminGroupObjectIds ?? [],
    authorizedIpRanges: args.authorizedIpRanges ?? [],
    privateCluster: args.privateCluster ?? d.privateCluster,
    deployerClusterAdmin: args.deployerClusterAdmin ?? d.deployerClusterAdmin,
    systemPool,
    userPools: (args.userPools ?? []).map((pool) => withDefaults<UserPoolSettings>({ name: pool.name, ...userPool }, pool)),
    network: withDefaults<ClusterNetworkSettings>({ ...d.network }, args.network),
    kubeloginMode: args.kubeloginMode ?? d.kubeloginMode,
    maintenanceWindow: args.maintenanceWindow && withDefaults<MaintenanceWindowSettings>(
        { ...d.maintenanceWindow, dayOfWeek: args.maintenanceWindow.dayOfWeek, startHour: args.maintenanceWindow.startHour },
        args.maintenanceWindow,
      ),
    poolUpgrade: withDefaults<PoolUpgradeSettings>({ ...d.poolUpgrade }, args.poolUpgrade),
  };
}

/**
 * The system pool every cluster of this component is created with: the one pool in the cluster's
 * `agentPoolProfiles`, adopted afterwards as a containerservice.AgentPool of the same name. Also
 * the default of `systemPool.name`.
 */
export const SYSTEM_POOL_NAME = "system";

/**
 * Whether a system pool of this name is the pool the cluster was created with, which the
 * AgentPool adopts (import), rather than a replacement it creates. AKS cannot change a pool's VM
 * size or zones (learn.microsoft.com/azure/aks/manage-node-pools, "Limitations";
 * reliability-availability-zones-configure), so a new size or new zones need a new pool under a
 * new name. The engine creates it before it deletes the old one (deletions run last), which AKS
 * needs: every cluster must keep a System pool (learn.microsoft.com/azure/aks/use-system-pools).
 *
 * The decision is by name alone and so stable for each URN: an `import` option added later to a
 * pool the engine created could be read as a new import and replace it. The program cannot tell a
 * new stack from a running one, so a new stack must start with the default name (README).
 */
export function adoptsInlinePool(poolName: string): boolean {
  return poolName === SYSTEM_POOL_NAME;
}

/** Keeps everything but critical add-ons (CoreDNS, metrics-server, konnectivity...) off the system pool. */
export const CRITICAL_ADDONS_ONLY_TAINT = "CriticalAddonsOnly=true:NoSchedule";

/**
 * ManagedCluster inputs that only count when the cluster is created (its `ignoreChanges`).
 *
 * `agentPoolProfiles`: ARM wants one System pool in it to create a cluster, and after that every
 * pool changes through the agent-pool API (containerservice.AgentPool), never through a cluster
 * PUT: a changed inline entry is applied by a cluster PUT that sets every pool of the cluster
 * Scaling (pulumi/pulumi-azure-native#4264, closed won't-fix), and after a refresh the inline list
 * also holds the AgentPool-managed pools (azure-native's Read merges what changed in Azure into the
 * inputs), which a program that lists only the system pool would diff against on every preview
 * (#2719). The SDK says it too: "The Azure API does not currently allow this property to be
 * updated directly" (ManagedCluster class doc).
 */
export const CLUSTER_CREATE_ONLY_INPUTS = ["agentPoolProfiles"] as const;

/**
 * On each containerservice.AgentPool: the node count the cluster autoscaler owns. `count` is only
 * the size a pool starts with; after that the autoscaler moves it between minCount and maxCount,
 * and without this every `pulumi up` would try to scale the pool back.
 */
export const AUTOSCALED_COUNT = ["count"] as const;

/**
 * Cluster inputs that AKS's upgrade channel changes by itself, so Pulumi must leave them alone on
 * an existing cluster. `rapid` and `stable` move the minor and the patch; `patch` moves the
 * patch, which changes `kubernetesVersion` only when it names one (1.36.2): on a minor (1.36)
 * AKS keeps the alias, and "updating the cluster with the same <major.minor> ... will not
 * trigger an upgrade" (ManagedCluster.kubernetesVersion in the azure-native SDK). Sending the
 * version the cluster had before the channel moved it fails with `OperationNotAllowed:
 * Downgrading` (Azure/AKS#3573), and every refresh shows a diff.
 *
 * Ignoring it never replaces the cluster; the configured version then only applies when the
 * cluster is created. A deliberate upgrade is `az aks upgrade`, then the config follows
 * (docs/getting-started.md, "Upgrade Kubernetes on purpose").
 */
export function channelOwnedProperties(settings: Pick<AksClusterSettings, "upgradeChannel" | "kubernetesVersion">): string[] {
  return channelOwnsVersion(settings) ? ["kubernetesVersion"] : [];
}

/** Whether the cluster's upgrade channel moves the version it was given (see channelOwnedProperties). */
export function channelOwnsVersion(settings: Pick<AksClusterSettings, "upgradeChannel" | "kubernetesVersion">): boolean {
  const patchVersion = settings.kubernetesVersion.split(".").length === 3;
  return settings.upgradeChannel === "rapid" || settings.upgradeChannel === "stable" || (settings.upgradeChannel === "patch" && patchVersion);
}

/**
 * AgentPool inputs that the cluster's channels change by themselves, for its `ignoreChanges`
 * (beside AUTOSCALED_COUNT). Where the upgrade channel moves the cluster's version it moves every
 * pool's `orchestratorVersion` with it (AKS upgrades the pools after the control plane): sending
 * the configured version back would be a downgrade AKS refuses, and every refresh would show it
 * as drift. The rule is channelOwnsVersion's, for the same reason: on a minor (1.36) with the
 * patch channel AKS keeps the alias in `orchestratorVersion` and reports the patch it runs in
 * `currentOrchestratorVersion` (both AgentPool docs in azure-native 3.28), so the config's minor
 * then still upgrades the pools on purpose, after the cluster.
 *
 * What the node OS channel changes (`nodeImageVersion`), and `currentOrchestratorVersion`, are
 * outputs of AgentPool and ManagedCluster in azure-native 3.28, never inputs, so they cannot
 * show in a preview's diff; test/aks-channels.test.ts reads the SDK's declarations to keep that
 * true.
 */
export function channelOwnedPoolProperties(settings: Pick<AksClusterSettings, "upgradeChannel" | "kubernetesVersion">): string[] {
  return channelOwnsVersion(settings) ? ["orchestratorVersion"] : [];
}

/** The managed maintenance configurations AKS reads, by their fixed names. */
export const MAINTENANCE_CONFIG_NAMES = ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"] as const;

/**
 * A DNS prefix for the API server FQDN: 1-54 letters, digits and '-', starting and ending with a
 * letter or digit. Derived from the component name, so it stays stable.
 */
export function dnsPrefixFor(name: string): string {
  const prefix = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 54)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return prefix || "aks";
}

/** Zones as ARM takes them: absent rather than an empty list. */
function zonesOrUndefined(zones: readonly string[]): string[] | undefined {
  return zones.length > 0 ? [...zones] : undefined;
}

/**
 * What every pool of a cluster shares, from the component's args: the one place to add a setting
 * that all pools (inline system pool, system AgentPool, user pools) must carry, such as a subnet.
 */
export interface PoolContext {
  /** Node OS image of every pool. */
  osSku: NodeOsSku;
  /**
   * Every pool's `orchestratorVersion`: the cluster's version. A cluster PUT (azure-native
   * sends the inline pool list from the state, which a refresh fills with every pool as Azure
   * reports it, version included) is refused unless the versions of all its pools are given or
   * none are (NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged), so every pool states it.
   */
  orchestratorVersion: string;
  /** How every pool's nodes are upgraded. */
  upgrade: PoolUpgradeSettings;
  /** The subnet every pool's nodes go in (AksClusterArgs.nodeSubnetId); undefined: the VNet AKS manages. */
  vnetSubnetID?: pulumi.Input<string>;
}

/** What every pool is: Linux scale sets the autoscaler sizes, starting at the minimum. */
function poolBase(pool: Pick<NodePoolSize, "vmSize" | "minCount" | "maxCount" | "zones">, context: PoolContext) {
  return {
    type: "VirtualMachineScaleSets",
    osType: "Linux",
    osSKU: context.osSku,
    vmSize: pool.vmSize,
    enableAutoScaling: true,
    count: pool.minCount,
    minCount: pool.minCount,
    maxCount: pool.maxCount,
    availabilityZones: zonesOrUndefined(pool.zones),
    vnetSubnetID: context.vnetSubnetID,
    orchestratorVersion: context.orchestratorVersion,
    upgradeSettings: poolUpgradeSettings(context.upgrade),
  };
}

/**
 * A pool's `upgradeSettings` with every field AKS would otherwise fill in stated (a refresh then
 * reads back what the program sends): maxUnavailable 0 (surge, never take a node away first) and
 * no soak time, both AKS's defaults.
 */
export function poolUpgradeSettings(upgrade: PoolUpgradeSettings) {
  return {
    maxSurge: upgrade.maxSurge,
    maxUnavailable: "0",
    drainTimeoutInMinutes: upgrade.drainTimeoutInMinutes,
    nodeSoakDurationInMinutes: 0,
    undrainableNodeBehavior: upgrade.undrainableNodeBehavior,
  };
}

/**
 * The system pool's settings. It is tainted CriticalAddonsOnly only when the cluster has user
 * pools: with none (the dev default), tainting it would leave Flux, Vault and tenant workloads no
 * node to run on.
 */
function systemPool(settings: AksClusterSettings, context: PoolContext) {
  return {
    mode: "System",
    ...poolBase(settings.systemPool, context),
    nodeTaints: settings.userPools.length > 0 ? [CRITICAL_ADDONS_ONLY_TAINT] : undefined,
  };
}

/**
 * The inline system pool the cluster is created with (`agentPoolProfiles`). Create-only: see
 * CLUSTER_CREATE_ONLY_INPUTS; later changes go through systemAgentPoolProfile.
 */
export function systemPoolProfile(settings: AksClusterSettings, context: PoolContext) {
  return { name: settings.systemPool.name, ...systemPool(settings, context) };
}

/** The system pool as a containerservice.AgentPool (plus cluster and group). */
export function systemAgentPoolProfile(settings: AksClusterSettings, context: PoolContext) {
  return { agentPoolName: settings.systemPool.name, ...systemPool(settings, context) };
}

/** A user pool's own settings, for a containerservice.AgentPool (plus cluster and group). */
export function userPoolProfile(pool: UserPoolSettings, context: PoolContext) {
  return {
    agentPoolName: pool.name,
    mode: "User",
    ...poolBase(pool, context),
    nodeLabels: Object.keys(pool.labels).length > 0 ? { ...pool.labels } : undefined,
    nodeTaints: pool.taints.length > 0 ? [...pool.taints] : undefined,
  };
}

/** The ARM ID of an agent pool: the cluster's ID and `/agentPools/<name>`, as the AKS REST API names it. */
export function agentPoolId(clusterId: string, poolName: string): string {
  return `${clusterId}/agentPools/${poolName}`;
}

/**
 * The network profile. `networkPluginMode` exists only for Azure CNI; the pod CIDR only matters
 * when pods do not take VNet addresses (overlay, kubenet, bring-your-own CNI); Cilium as the
 * network policy engine means the Cilium dataplane ("Azure CNI powered by Cilium").
 */
export function networkProfile(network: ClusterNetworkSettings) {
  const overlay = network.plugin === "azure" && network.pluginMode === "overlay";
  return {
    networkPlugin: network.plugin,
    networkPluginMode: network.plugin === "azure" ? network.pluginMode : undefined,
    networkPolicy: network.policy,
    networkDataplane: network.policy === "cilium" ? "cilium" : undefined,
    podCidr: overlay || network.plugin !== "azure" ? network.podCidr : undefined,
    serviceCidr: network.serviceCidr,
    dnsServiceIP: network.dnsServiceIp,
    loadBalancerSku: "standard",
  };
}

/**
 * Who may reach the API server: only the VNet for a private cluster, else the allow list when
 * there is one (undefined: open to all, still behind Entra ID).
 */
export function apiServerAccessProfile(settings: Pick<AksClusterSettings, "privateCluster" | "authorizedIpRanges">) {
  if (settings.privateCluster) return { enablePrivateCluster: true };
  if (settings.authorizedIpRanges.length > 0) return { authorizedIPRanges: [...settings.authorizedIpRanges] };
  return undefined;
}

/** A weekly window in the shape of containerservice MaintenanceWindowArgs. */
export function maintenanceWindow(window: MaintenanceWindowSettings) {
  return {
    schedule: { weekly: { dayOfWeek: window.dayOfWeek, intervalWeeks: 1 } },
    startTime: `${String(window.startHour).padStart(2, "0")}:00`,
    durationHours: window.durationHours,
    utcOffset: window.utcOffset,
  };
}

/** The Azure CLI's public client application: the client id of a person signed in with `az login`. */
export const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/** A principal type a role assignment for the deployer can name. */
export type DeployerPrincipalType = "User" | "ServicePrincipal";

/**
 * Whether the principal running Pulumi is a person or a service principal, from the client id
 * azure-native reports: the Azure CLI's own client id means a person signed in with `az login`;
 * anything else (client secret or certificate, OIDC federation in CI, managed identity) is a
 * service principal. The one case this gets wrong, az CLI signed in as a service principal, is
 * what `AksClusterArgs.deployerPrincipalType` is for.
 */
export function deployerPrincipalType(clientId: string): DeployerPrincipalType {
  return clientId === AZURE_CLI_CLIENT_ID ? "User" : "ServicePrincipal";
}
