/**
 * The parsed stack config as the components' own Args: the one place that knows both. Components
 * never see PlatformConfig; their defaults
 * live with them (AKS_CLUSTER_DEFAULTS, VAULT_DEFAULTS, KeyVaultArgs), and the environment
 * profiles (profiles.ts) only say where an environment differs.
 */
import type { AksClusterSettingsArgs } from "../components/azure/aks-profiles";
import type { KeyVaultSettingsArgs } from "../components/azure/key-vault";
import {
  platformTags,
  type GitOpsPlatformArgs,
  type PlatformCiSettings,
  type PlatformFluxSettings,
  type PlatformMonitoringSettings,
  type PlatformTenantSpec,
} from "../components/platform";
import type { HashiCorpVaultOidcArgs, VaultSettings } from "../components/kubernetes/vault";
import { platformResourceGroupName } from "../components/platform-resource-group";
import type { SealedSecretsSettings } from "../components/kubernetes/sealed-secrets";
import { isProduction } from "./environments";
import type { LoadedPlatform } from "./load";
import type { ClusterConfig, FluxConfig, KeyVaultConfig, MonitoringConfig, PlatformConfig, TenantConfig, VaultConfig } from "./schema";

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

/** The `vault` section as HashiCorpVault settings; `enabled` decides whether there is one, `oidc.enabled` whether people log in. */
export function hashiCorpVaultArgs(vault: VaultConfig): VaultSettings & { oidc?: HashiCorpVaultOidcArgs } {
  const { enabled, oidc, ...settings } = vault;
  // rules-vault-oidc.ts requires clientId and clientSecretName when enabled.
  if (!oidc.enabled || !oidc.clientId || !oidc.clientSecretName) return settings;
  return { ...settings, oidc: { clientId: oidc.clientId, clientSecretName: oidc.clientSecretName, adminGroups: oidc.adminGroups, uiAddresses: oidc.uiAddresses } };
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

/** One tenant as the platform builds it (GitOpsTenant, and its Vault access). */
export function tenantSpec(tenant: TenantConfig): PlatformTenantSpec {
  return {
    name: tenant.name,
    namespace: tenant.namespace,
    groups: tenant.groups,
    quota: tenant.quota,
    services: tenant.services,
    egress: tenant.egress,
    loadTester: tenant.flagger.loadTester,
    limits: tenant.limits,
    extraApiAccess: tenant.extraApiAccess,
    git: tenant.git,
    imageAutomation: tenant.imageAutomation.enabled ? { pushBranch: tenant.imageAutomation.pushBranch, serviceAccounts: tenant.imageAutomation.serviceAccounts } : undefined,
    helmReleases: tenant.helmReleases,
    ociRepositories: tenant.ociRepositories,
    buckets: tenant.buckets,
    identities: tenant.identities,
    keyVault: tenant.keyVault.enabled,
    registryPushers: tenant.registry.push,
    notifications: tenant.notifications.map(({ addressSecret, ...target }) => target),
    vault: { namespaceWide: tenant.vault.namespaceWide, roles: tenant.vault.roles },
    ingress: tenant.ingress && { hosts: tenant.ingress.hosts, certificates: tenant.ingress.certificates },
  };
}

/** The `flux` section as the platform installs Flux. */
export function fluxSettings(flux: FluxConfig): PlatformFluxSettings {
  return {
    install: flux.install,
    version: flux.version,
    multitenancy: flux.multitenancy,
    sops: flux.sops,
    sharedSopsKey: flux.sharedSopsKey,
    notifications: flux.notifications.map(({ addressSecret, ...target }) => target),
  };
}

/** The `ci` section as CiIdentity's settings. */
export function ciSettings(ci: NonNullable<PlatformConfig["ci"]>): PlatformCiSettings {
  return {
    repository: ci.repository,
    productionEnvironment: ci.productionEnvironment,
    previewEnvironment: ci.previewEnvironment,
    driftReport: ci.driftReport,
    reviewers: ci.reviewers,
    runnerLabel: ci.runner.label,
  };
}

/** What platformArgs takes: the loaded stack (loadPlatform), or only a parsed config. */
export type PlatformArgsInput = Pick<LoadedPlatform, "config"> & Partial<Omit<LoadedPlatform, "config">>;

/** GitOpsPlatform's args from the loaded stack (loadPlatform) or a parsed config. */
export function platformArgs({ config, notificationAddresses, tenantNotificationAddresses, tenantStacks = {} }: PlatformArgsInput): GitOpsPlatformArgs {
  const vnet = config.cluster.network.vnet;
  return {
    environment: config.environment,
    production: isProduction(config.environment),
    location: config.location,
    tags: platformTags(config),
    protect: config.protect,
    resourceGroupName: platformResourceGroupName(config.environment),
    existingResourceGroupId: config.resourceGroup.existing,
    network: vnet && { addressSpace: vnet.addressSpace, nodeSubnet: vnet.nodeSubnet },
    cluster: aksClusterArgs(config.cluster),
    keyVault: keyVaultArgs(config.keyVault),
    flux: fluxSettings(config.flux),
    flagger: config.flagger.enabled ? { version: config.flagger.version, namespace: config.flagger.namespace, prometheusRetention: config.flagger.prometheusRetention } : undefined,
    githubOwner: config.github.owner,
    ci: config.ci && ciSettings(config.ci),
    vault: config.vault.enabled ? hashiCorpVaultArgs(config.vault) : undefined,
    registry: config.registry.enabled ? { sku: config.registry.sku } : undefined,
    sealedSecrets: config.sealedSecrets.enabled ? sealedSecretsArgs(config.sealedSecrets) : undefined,
    monitoring: monitoringArgs(config.monitoring),
    ingress: config.ingress.enabled ? { dnsZoneIds: config.ingress.dnsZoneIds } : undefined,
    tenants: config.tenants.map((tenant) => ({ ...tenantSpec(tenant), stack: tenantStacks[tenant.name] })),
    notificationAddresses,
    tenantNotificationAddresses,
  };
}
