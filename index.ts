/**
 * The gitops-platform program: load and validate the stack config (nothing is created when it is
 * invalid), build the platform, export what operators need.
 *
 * An async function, which the Pulumi Node runtime calls and whose result are the stack outputs:
 * validating the config against the previous deployment (loadPlatform) has to wait for that
 * deployment's outputs before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { GitOpsPlatform } from "./components/platform";
import { DEPLOYED_SETTINGS_OUTPUT, deployedSettingsOf, loadPlatform } from "./stacks";
import { platformArgs } from "./stacks/component-args";
import { CONTRACT_OUTPUT, platformContract } from "./stacks/contract";
import { withoutUndefinedOutputs } from "./stacks/stack-outputs";

export = async () => {
  const { config, notificationAddresses, tenantNotificationAddresses, tenantStacks } = await loadPlatform();
  const platform = await GitOpsPlatform.build("platform", platformArgs({ config, notificationAddresses, tenantNotificationAddresses, tenantStacks }));

  return withoutUndefinedOutputs({
    environment: config.environment,
    resourceGroupName: platform.resourceGroup.name,
    clusterName: platform.cluster.name,
    oidcIssuerUrl: platform.cluster.oidcIssuerUrl,
    /** Secret: the user kubeconfig (needs kubelogin and an AKS RBAC role). */
    kubeconfig: platform.cluster.kubeconfig,
    keyVaultName: platform.keyVault.name,
    keyVaultUri: platform.keyVault.vaultUri,
    /** The SOPS key earlier versions shared between tenants, while kept (`flux.sharedSopsKey`): for re-encrypting only. */
    sharedSopsKeyId: platform.flux.sopsKeyId,
    vaultAddress: platform.vault?.address,
    /** Trust this CA to talk to Vault over TLS. */
    vaultCaCertificate: platform.vault?.caCertificate,
    tenants: Object.fromEntries(
      Object.entries(platform.tenants).map(([name, t]) => [
        name,
        {
          namespace: t.ref.namespace,
          gitRepository: t.git?.repositoryUrl,
          deployKey: t.git?.deployKeyPublic,
          /** Put this in `.sops.yaml` at the root of the tenant's repository: it encrypts with the tenant's own key. */
          sopsConfig: t.sops?.sopsConfig,
          sopsKeyId: t.sops?.keyId,
          /** The tenant's own Key Vault (SecretProviderClass `keyvaultName`), when `keyVault.enabled`. */
          keyVaultName: t.azure?.keyVault?.name,
          keyVaultUri: t.azure?.keyVault?.vaultUri,
          /** The Entra tenant of the vault and identities (SecretProviderClass `tenantId`). */
          tenantId: t.azure?.tenantId,
          /** Per identity: its client id (SecretProviderClass `clientID`, AZURE_CLIENT_ID) and the accounts that act as it. */
          identities: t.azure?.identityOutputs,
          /**
           * The tenant's own container registry (`registry.enabled`): push to `<loginServer>/<image>:<tag>`
           * from the workflows in `tenants[].registry.push`, logging in with `azure/login` as
           * `clientId` in `tenantId` (OIDC, no secret); Pods name the image without a pull secret.
           */
          registry: t.registry && {
            loginServer: t.registry.loginServer,
            name: t.registry.name,
            clientId: t.registry.pushIdentity?.clientId,
            tenantId: t.registry.pushIdentity?.tenantId,
          },
        },
      ]),
    ),
    fluxInstall: pulumi.output(config.flux.install),
    /** Client ids of the GitHub Actions identities (also written to the repository as variables); undefined without `ci`. */
    ciPreviewClientId: platform.ci?.previewClientId,
    ciDeployClientId: platform.ci?.deployClientId,
    /** Per tenant stack: its deployer's client id (also the variable AZURE_CLIENT_ID_DEPLOY_<STACK>) and the GitHub environment it trusts. */
    tenantDeployers: platform.tenantDeployers
      ? Object.fromEntries(Object.entries(platform.tenantDeployers.deployers).map(([stack, d]) => [stack, { clientId: d.clientId, environment: d.environment.environment }]))
      : undefined,
    /** Public: the Sealed Secrets certificate to seal with (`kubeseal --cert`), when `sealedSecrets.enabled`. */
    sealedSecretsCertificate: platform.sealedSecrets?.certificate,
    /** Where the audit logs go (KQL: docs/operating.md, "Audit and metrics"); undefined without `monitoring.enabled`. */
    logAnalyticsWorkspaceId: platform.monitoring?.logAnalyticsWorkspaceId,
    /** Where managed Prometheus writes (PromQL in its Prometheus explorer); undefined without `monitoring.prometheus`. */
    azureMonitorWorkspaceId: platform.monitoring?.azureMonitorWorkspaceId,
    /** What the tenant stacks build on (stacks/contract.ts): the cluster without admin credentials, and the registry of tenants they own. */
    [CONTRACT_OUTPUT]: platformContract(config, tenantStacks, "platform", {
      kubeconfig: platform.cluster.kubeconfig,
      oidcIssuerUrl: platform.cluster.oidcIssuerUrl,
      resourceGroupName: platform.resourceGroup.name,
      vaultAddress: platform.vault?.address,
    }),
    /** What the next deployment checks its config against (stacks/deployed.ts); read back by loadPlatform. */
    [DEPLOYED_SETTINGS_OUTPUT]: deployedSettingsOf(config),
  });
};
