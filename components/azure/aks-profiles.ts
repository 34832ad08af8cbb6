/**
 * Pure pieces of the AKS cluster: the ARM profiles the AksCluster component sends, built from the
 * `cluster` section of the stack config. No Pulumi resources here, so tests call them directly.
 */
import type { ClusterConfig } from "../../stacks/schema";

/** Node OS image of every pool. */
export type NodeOsSku = "AzureLinux" | "Ubuntu";

/** The name of the inline system pool. */
export const SYSTEM_POOL_NAME = "system";

/** Keeps everything but critical add-ons (CoreDNS, metrics-server, konnectivity...) off the system pool. */
export const CRITICAL_ADDONS_ONLY_TAINT = "CriticalAddonsOnly=true:NoSchedule";

/**
 * The node counts the cluster autoscaler owns. `count` is only the size a pool starts with; after
 * that the autoscaler moves it between minCount and maxCount, and without these every
 * `pulumi up` would try to scale the pools back.
 */
export const AUTOSCALED_COUNT = {
  /** On the ManagedCluster: every inline pool (the system pool). */
  cluster: ["agentPoolProfiles[*].count"],
  /** On each containerservice.AgentPool. */
  agentPool: ["count"],
} as const;

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
 * The inline system pool. It is tainted CriticalAddonsOnly only when the cluster has user pools:
 * with none (the dev default), tainting it would leave Flux, Vault and tenant workloads no node
 * to run on.
 */
export function systemPoolProfile(settings: ClusterConfig, osSku: NodeOsSku) {
  const pool = settings.systemPool;
  return {
    name: SYSTEM_POOL_NAME,
    mode: "System",
    ...autoscaledPool(pool, osSku),
    nodeTaints: settings.userPools.length > 0 ? [CRITICAL_ADDONS_ONLY_TAINT] : undefined,
  };
}

/** What every pool shares: Linux scale sets the autoscaler sizes, starting at the minimum. */
function autoscaledPool(pool: ClusterConfig["systemPool"], osSku: NodeOsSku) {
  return {
    type: "VirtualMachineScaleSets",
    osType: "Linux",
    osSKU: osSku,
    vmSize: pool.vmSize,
    enableAutoScaling: true,
    count: pool.minCount,
    minCount: pool.minCount,
    maxCount: pool.maxCount,
    availabilityZones: zonesOrUndefined(pool.zones),
  };
}

/** A user pool's own settings, for a containerservice.AgentPool (plus cluster and group). */
export function userPoolProfile(pool: ClusterConfig["userPools"][number], osSku: NodeOsSku) {
  return {
    agentPoolName: pool.name,
    mode: "User",
    ...autoscaledPool(pool, osSku),
    nodeLabels: Object.keys(pool.labels).length > 0 ? { ...pool.labels } : undefined,
    nodeTaints: pool.taints.length > 0 ? [...pool.taints] : undefined,
  };
}

/**
 * The network profile. `networkPluginMode` exists only for Azure CNI; the pod CIDR only matters
 * when pods do not take VNet addresses (overlay, kubenet, bring-your-own CNI); Cilium as the
 * network policy engine means the Cilium dataplane ("Azure CNI powered by Cilium").
 */
export function networkProfile(network: ClusterConfig["network"]) {
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
export function apiServerAccessProfile(settings: Pick<ClusterConfig, "privateCluster" | "authorizedIpRanges">) {
  if (settings.privateCluster) return { enablePrivateCluster: true };
  if (settings.authorizedIpRanges.length > 0) return { authorizedIPRanges: [...settings.authorizedIpRanges] };
  return undefined;
}

/** A weekly window in the shape of containerservice MaintenanceWindowArgs. */
export function maintenanceWindow(window: NonNullable<ClusterConfig["maintenanceWindow"]>) {
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
