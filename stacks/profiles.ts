/**
 * Per-environment defaults. A dev platform is small and cheap; a prod platform is zonal, HA and
 * protected. Anything here can be overridden in the stack file.
 */
import type { DayOfWeek } from "../components/azure/aks-profiles";

export interface Profile {
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
}

export { DAYS_OF_WEEK, type DayOfWeek } from "../components/azure/aks-profiles";

export const DEV_PROFILE: Profile = {
  production: false,
  protect: false,
  skuTier: "Free",
  upgradeChannel: "patch",
  nodeOsUpgradeChannel: "NodeImage",
  systemPool: { vmSize: "Standard_D2s_v5", minCount: 1, maxCount: 3, zones: [] },
  keyVault: { sku: "standard", purgeProtection: false, softDeleteRetentionDays: 7, networkDefaultAction: "Allow" },
  vault: { replicas: 1, storageSize: "5Gi", auditStorageSize: "5Gi" },
};

export const PROD_PROFILE: Profile = {
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
  keyVault: { sku: "premium", purgeProtection: true, softDeleteRetentionDays: 90, networkDefaultAction: "Deny" },
  vault: { replicas: 3, storageSize: "20Gi", auditStorageSize: "10Gi" },
};

/** `prod`, `production` and `prod-<anything>` get the production profile and its rules. */
export function isProduction(environment: string): boolean {
  return environment === "prod" || environment === "production" || environment.startsWith("prod-");
}

export function profileFor(environment: string): Profile {
  return isProduction(environment) ? PROD_PROFILE : DEV_PROFILE;
}
