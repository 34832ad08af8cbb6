/**
 * The parsed stack config as the components' own Args: the one place that knows both. Components
 * never see PlatformConfig (except GitOpsPlatform, through a type-only import); their defaults
 * live with them (AKS_CLUSTER_DEFAULTS, VAULT_DEFAULTS, KeyVaultArgs), and the environment
 * profiles (profiles.ts) only say where an environment differs.
 */
import type { AksClusterSettingsArgs } from "../components/azure/aks-profiles";
import type { KeyVaultSettingsArgs } from "../components/azure/key-vault";
import type { GitOpsPlatformArgs, PlatformComponentArgs, PlatformMonitoringSettings } from "../components/platform";
import type { VaultSettings } from "../components/kubernetes/vault";
import type { SealedSecretsSettings } from "../components/kubernetes/sealed-secrets";
import { isProduction } from "./environments";
import type { ClusterConfig, KeyVaultConfig, MonitoringConfig, PlatformConfig, VaultConfig } from "./schema";

/** The `cluster` section as AksCluster settings; `network.vnet` becomes a PlatformNetwork instead. */
export function aksClusterArgs(cluster: ClusterConfig): AksClusterSettingsArgs {
  const { vnet, ...network } = cluster.network;
  return { ...cluster, network };
}

/** The `keyVault` section as KeyVault settings. */
export function keyVaultArgs(keyVault: KeyVaultConfig): KeyVaultSettingsArgs {
  return {
    sku: keyVault.sku,
    purgeProtection: keyVault.purgeProtection,
    softDeleteRetentionDays: keyVault.softDeleteRetentionDays,
    networkDefaultAction: keyVault.networkDefaultAction,
    allowedIpRanges: keyVault.allowedIpRanges,
  };
}

/** The `vault` section as HashiCorpVault settings; `enabled` decides whether there is one. */
export function hashiCorpVaultArgs(vault: VaultConfig): VaultSettings {
  const { enabled, ...settings } = vault;
  return settings;
}

/** The `monitoring` section as the platform's monitoring settings; `enabled` decides whether there are any. */
export function monitoringArgs(monitoring: MonitoringConfig): PlatformMonitoringSettings | undefined {
  const { enabled, ...settings } = monitoring;
  return enabled ? settings : undefined;
}

/** The `sealedSecrets` section as SealedSecrets settings; `enabled` decides whether there is a controller. */
export function sealedSecretsArgs(sealedSecrets: PlatformConfig["sealedSecrets"]): SealedSecretsSettings {
  return { chartVersion: sealedSecrets.chartVersion, keyGenerations: sealedSecrets.keyGenerations };
}

export function platformComponentArgs(config: PlatformConfig): PlatformComponentArgs {
  return {
    production: isProduction(config.environment),
    cluster: aksClusterArgs(config.cluster),
    keyVault: keyVaultArgs(config.keyVault),
    vault: config.vault.enabled ? hashiCorpVaultArgs(config.vault) : undefined,
    registry: config.registry.enabled ? { sku: config.registry.sku } : undefined,
    sealedSecrets: config.sealedSecrets.enabled ? sealedSecretsArgs(config.sealedSecrets) : undefined,
    monitoring: monitoringArgs(config.monitoring),
  };
}

/** GitOpsPlatform's args from the loaded stack (loadPlatform) or a parsed config. */
export function platformArgs(loaded: Omit<GitOpsPlatformArgs, "components">): GitOpsPlatformArgs {
  return { ...loaded, components: platformComponentArgs(loaded.config) };
}
