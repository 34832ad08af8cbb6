/**
 * The gitops-platform program: load and validate the stack config (nothing is created when it is
 * invalid), build the platform, export what operators need.
 */
import * as pulumi from "@pulumi/pulumi";
import { GitOpsPlatform } from "./components/platform";
import { loadPlatform } from "./stacks";

const { config, notificationAddresses } = loadPlatform();
const platform = new GitOpsPlatform("platform", { config, notificationAddresses });

export const environment = config.environment;
export const resourceGroupName = platform.resourceGroup.name;
export const clusterName = platform.cluster.name;
export const oidcIssuerUrl = platform.cluster.oidcIssuerUrl;
/** Secret: the user kubeconfig (needs kubelogin and an AKS RBAC role). */
export const kubeconfig = platform.cluster.kubeconfig;
export const keyVaultName = platform.keyVault.name;
export const keyVaultUri = platform.keyVault.vaultUri;
export const sopsKeyId = platform.flux.sopsKeyId;
/** Put this in `.sops.yaml` at the root of a tenant repository to encrypt with the platform key. */
export const sopsConfig = platform.flux.sopsConfig;
export const vaultAddress = platform.vault?.address;
/** Trust this CA to talk to Vault over TLS. */
export const vaultCaCertificate = platform.vault?.caCertificate;
export const tenants = Object.fromEntries(
  Object.entries(platform.tenants).map(([name, t]) => [
    name,
    {
      namespace: t.tenant.namespace,
      gitRepository: t.git?.repositoryUrl,
      deployKey: t.git?.deployKeyPublic,
    },
  ]),
);
export const fluxInstall = pulumi.output(config.flux.install);
/** Client ids of the GitHub Actions identities (also written to the repository as variables); undefined without `ci`. */
export const ciPreviewClientId = platform.ci?.previewClientId;
export const ciDeployClientId = platform.ci?.deployClientId;
