/**
 * Per-environment defaults (what the stack config fills in when a key is unset). A dev platform is
 * small and cheap; a prod platform is zonal, HA and protected. Anything here can be overridden in
 * the stack file. ("Profile" means only ARM's profiles in this project: agentPoolProfiles,
 * networkProfile, in components/azure/aks-profiles.ts.)
 */
import { AKS_CLUSTER_DEFAULTS, type DayOfWeek } from "../components/azure/aks-profiles";
import { KEY_VAULT_DEFAULTS } from "../components/azure/key-vault";
import { CONTAINER_REGISTRY_DEFAULTS, type RegistrySku } from "../components/azure/container-registry";
import { PLATFORM_MONITORING_DEFAULTS } from "../components/azure/monitoring";
import { VAULT_DEFAULTS } from "../components/kubernetes/vault";

export interface EnvironmentDefaults {
  readonly production: boolean;
  readonly protect: boolean;
  readonly skuTier: "Free" | "Standard" | "Premium";
  readonly upgradeChannel: "rapid" | "stable" | "patch" | "node-image" | "none";
  readonly nodeOsUpgradeChannel: "None" | "Unmanaged" | "NodeImage" | "SecurityPatch";
  readonly systemPool: { vmSize: string; minCount: number; maxCount: number; zones: string[] };
  readonly maintenanceWindow?: { dayOfWeek: DayOfWeek; startHour: number; durationHours: number; utcOffset: string };
  /** The platform VNet the nodes go in, or undefined for the VNet AKS manages (no service endpoint). */
  readonly vnet?: { addressSpace: string; nodeSubnet: string };
  readonly keyVault: {
    sku: "standard" | "premium";
    purgeProtection: boolean;
    softDeleteRetentionDays: number;
    networkDefaultAction: "Allow" | "Deny";
  };
  readonly vault: { replicas: number; storageSize: string; auditStorageSize: string };
  /** The SKU of each tenant's container registry. */
  readonly registrySku: RegistrySku;
  /** Audit logs and metrics (PlatformMonitoring): on, and how long the logs stay. */
  readonly monitoring: { enabled: boolean; retentionDays: number };
}

export { DAYS_OF_WEEK, type DayOfWeek } from "../components/azure/aks-profiles";

/**
 * Where no environment says otherwise: the components' own secure-by-default baselines
 * (AKS_CLUSTER_DEFAULTS, KEY_VAULT_DEFAULTS, VAULT_DEFAULTS). The profiles below only say where an
 * environment differs from them, so a default lives in one place.
 */
const BASELINE: EnvironmentDefaults = {
  production: false,
  protect: false,
  skuTier: AKS_CLUSTER_DEFAULTS.skuTier,
  upgradeChannel: AKS_CLUSTER_DEFAULTS.upgradeChannel,
  nodeOsUpgradeChannel: AKS_CLUSTER_DEFAULTS.nodeOsUpgradeChannel,
  systemPool: {
    vmSize: AKS_CLUSTER_DEFAULTS.systemPool.vmSize,
    minCount: AKS_CLUSTER_DEFAULTS.systemPool.minCount,
    maxCount: AKS_CLUSTER_DEFAULTS.systemPool.maxCount,
    zones: [...AKS_CLUSTER_DEFAULTS.systemPool.zones],
  },
  keyVault: {
    sku: KEY_VAULT_DEFAULTS.sku,
    purgeProtection: KEY_VAULT_DEFAULTS.purgeProtection,
    softDeleteRetentionDays: KEY_VAULT_DEFAULTS.softDeleteRetentionDays,
    networkDefaultAction: KEY_VAULT_DEFAULTS.networkDefaultAction,
  },
  vault: { replicas: VAULT_DEFAULTS.replicas, storageSize: VAULT_DEFAULTS.storageSize, auditStorageSize: VAULT_DEFAULTS.auditStorageSize },
  registrySku: CONTAINER_REGISTRY_DEFAULTS.sku,
  // Off unless an environment says so: it costs per GB and per sample (docs/operating.md, "Audit and metrics").
  monitoring: { enabled: false, retentionDays: PLATFORM_MONITORING_DEFAULTS.retentionDays },
};

/**
 * Dev: a Key Vault that can be purged and recreated (no purge protection, the shortest
 * retention, no firewall: dev nodes stay in the VNet AKS manages) and one Vault replica.
 */
export const DEV_DEFAULTS: EnvironmentDefaults = {
  ...BASELINE,
  keyVault: { ...BASELINE.keyVault, purgeProtection: false, softDeleteRetentionDays: 7, networkDefaultAction: "Allow" },
  vault: { ...BASELINE.vault, replicas: 1 },
  // Basic: 10 GiB and the lowest price (about 0.17 USD a day per registry); one per tenant.
  registrySku: "Basic",
};

/** Prod: protected, an SLA, zonal and larger pools, stable upgrades in a window, a platform VNet, premium keys, more Vault storage. */
export const PROD_DEFAULTS: EnvironmentDefaults = {
  ...BASELINE,
  production: true,
  protect: true,
  skuTier: "Standard",
  upgradeChannel: "stable",
  nodeOsUpgradeChannel: "SecurityPatch",
  systemPool: { vmSize: "Standard_D4s_v5", minCount: 3, maxCount: 6, zones: ["1", "2", "3"] },
  maintenanceWindow: { dayOfWeek: "Sunday", startHour: 2, durationHours: 4, utcOffset: "+00:00" },
  // The ranges AKS itself uses for the VNet it would manage; prod's Key Vault denies by default, so
  // its nodes need a subnet of the platform's own to be let through.
  vnet: { addressSpace: "10.224.0.0/12", nodeSubnet: "10.224.0.0/16" },
  keyVault: { ...BASELINE.keyVault, sku: "premium" },
  vault: { ...BASELINE.vault, storageSize: "20Gi", auditStorageSize: "10Gi" },
  // An audit trail of the cluster and the Key Vault, kept 90 days, and managed Prometheus.
  monitoring: { enabled: true, retentionDays: 90 },
};

/** `prod`, `production` and `prod-<anything>` get the production profile and its rules. */
export function isProduction(environment: string): boolean {
  return environment === "prod" || environment === "production" || environment.startsWith("prod-");
}

/**
 * The platform VNet a parsed `cluster.network.vnet` means: unset takes the environment's default,
 * `null` turns it off. Config rules and the derived config read it the same way.
 */
export function effectiveVnet(environment: string, vnet: EnvironmentDefaults["vnet"] | null | undefined): EnvironmentDefaults["vnet"] {
  return vnet === undefined ? environmentDefaults(environment).vnet : (vnet ?? undefined);
}

export function environmentDefaults(environment: string): EnvironmentDefaults {
  return isProduction(environment) ? PROD_DEFAULTS : DEV_DEFAULTS;
}
