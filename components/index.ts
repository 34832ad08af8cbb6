/**
 * The component library: what a platform team imports into its own Pulumi program
 * (`import { Tenant, GitSource } from "gitops-platform/components"`). Each component takes typed
 * args and explicit providers, so any one of them works on its own.
 */
export {
  GitOpsPlatform,
  platformTags,
  tenantResourceName,
  type GitOpsPlatformArgs,
  type PlatformTenant,
  type PlatformTenantSpec,
  type PlatformFluxSettings,
  type PlatformCiSettings,
  type PlatformMonitoringSettings,
} from "./platform";
export { GitOpsTenant, type GitOpsTenantArgs, type TenantSpec, type TenantPlatform, type TenantRef } from "./tenant/gitops-tenant";

export { AksCluster, type AksClusterArgs, type KubeletIdentity } from "./azure/aks-cluster";
export {
  AKS_CLUSTER_DEFAULTS,
  DEFAULT_KUBERNETES_VERSION,
  type AksClusterSettingsArgs,
  type AksClusterSettings,
  type SystemPoolSettings,
  type UserPoolSettings,
  type ClusterNetworkSettings,
  type MaintenanceWindowSettings,
} from "./azure/aks-profiles";
export { convertKubeconfig, KUBELOGIN_MODES, type KubeloginMode } from "./azure/kubeconfig";
export { KeyVault, KEY_VAULT_DEFAULTS, type KeyVaultSettingsArgs, type KeyVaultArgs, type KeyArgs, type GrantArgs, type KeyOperation } from "./azure/key-vault";
export { keyVaultName } from "./azure/key-vault-name";
export {
  WorkloadIdentity,
  serviceAccountSubject,
  MAX_FEDERATED_CREDENTIALS,
  type WorkloadIdentityArgs,
  type ServiceAccountRef,
  type ExternalCredential,
} from "./azure/workload-identity";
export { CiIdentity, type CiIdentityArgs } from "./azure/ci-identity";
export { ContainerRegistry, CONTAINER_REGISTRY_DEFAULTS, type ContainerRegistryArgs, type RegistrySku } from "./azure/container-registry";
export { containerRegistryName, registryPushSubject, type RegistryPusher } from "./azure/container-registry-push";
export { assignRole, roleDefinitionId, BUILT_IN_ROLES, type BuiltInRole, type RoleGrant } from "./azure/roles";

export { Tenant, RECONCILER_SERVICE_ACCOUNT, type TenantArgs } from "./tenant/namespace";
export { Flux, type FluxArgs } from "./kubernetes/flux";
export type { ClusterReference } from "./cluster";
export type { AzureComponentArgs } from "./azure/common";
export { GitSource, type GitSourceArgs, type GitImageAutomationArgs, IMAGE_UPDATE_BRANCH } from "./tenant/git-source";
export { FluxSources, type FluxSourcesArgs } from "./tenant/sources";
export { FluxNotifications, type FluxNotificationsArgs, type NotificationTarget } from "./kubernetes/notifications";
export { knownHosts } from "./kubernetes/known-hosts";
export { sopsConfig, lockdownFlags, DECRYPTION_SERVICE_ACCOUNT } from "./kubernetes/flux-install";
export { TenantSops, type TenantSopsArgs } from "./tenant/sops";
export { EncryptOnlyRole, type EncryptOnlyRoleArgs } from "./azure/encrypt-only-role";
export { SecretsWriterRole, type SecretsWriterRoleArgs } from "./azure/secrets-writer-role";
export {
  TenantIdentities,
  TENANT_IDENTITY_ROLES,
  registryPullGrant,
  type TenantIdentitiesArgs,
  type TenantIdentitySpec,
  type TenantIdentityRole,
} from "./tenant/identities";
export {
  HashiCorpVault,
  VAULT_DEFAULTS,
  vaultServerEndpoint,
  type HashiCorpVaultArgs,
  type VaultSettingsArgs,
  type VaultSettings,
  // Deprecated aliases of HashiCorpVault and HashiCorpVaultArgs, for one release.
  Vault,
  type VaultArgs,
} from "./kubernetes/vault";
export type { TenantAccess } from "./kubernetes/vault-bootstrap";
export { Flagger, type FlaggerArgs, flaggerHelmValues, FLAGGER_CHART_VERSION } from "./kubernetes/flagger";
export { SealedSecrets, SEALED_SECRETS_DEFAULTS, type SealedSecretsArgs, type SealedSecretsSettingsArgs, type SealedSecretsSettings } from "./kubernetes/sealed-secrets";
export {
  PlatformMonitoring,
  AKS_LOG_CATEGORIES,
  DEFAULT_CLUSTER_LOG_CATEGORIES,
  type PlatformMonitoringArgs,
  type AksLogCategory,
} from "./azure/monitoring";
export { ClusterPrometheus, platformAlertRules, fluxScrapeConfig, type ClusterPrometheusArgs, type PlatformAlertsArgs } from "./azure/cluster-prometheus";
export type { DiagnosticsArgs } from "./azure/common";
