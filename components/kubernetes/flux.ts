/**
 * Flux v2 on an AKS cluster: installed with the fluxcd-community `flux2` Helm chart or as the
 * AKS `microsoft.flux` extension, optionally locked down for multi-tenancy, with SOPS decryption
 * through a Key Vault key and workload identity (chart only), and notifications for flux-system.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import { KeyVault } from "../azure/key-vault";
import { WorkloadIdentity } from "../azure/workload-identity";
import { FLUX_HELM_CHART, FLUX_HELM_REPOSITORY, fluxExtensionSettings, fluxHelmValues, KUSTOMIZE_CONTROLLER, sopsConfig } from "./flux-install";
import { FluxNotifications, NotificationTarget } from "./notifications";
import { DEFAULT_FLUX_NAMESPACE, RECONCILER_SERVICE_ACCOUNT } from "./tenant";

export interface FluxClusterArgs {
  /** AKS cluster (resource) name; the extension is installed on it. */
  name: pulumi.Input<string>;
  /** Resource group of the cluster; the SOPS identity is created there too. */
  resourceGroupName: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL, which the SOPS identity's federated credential trusts. */
  oidcIssuerUrl: pulumi.Input<string>;
  /** Azure region for the SOPS identity. */
  location: pulumi.Input<string>;
}

export interface FluxSopsArgs {
  /** The vault the SOPS key is created in (RBAC mode). */
  keyVault: KeyVault;
  /**
   * The key's name in the vault, used as given. Default `flux-sops-<random suffix>`, new for
   * every key created (KeyArgs.uniqueSuffix); a key that already exists keeps its name.
   */
  keyName?: string;
}

export interface FluxArgs {
  /** Kubernetes provider of the cluster (helm mode, notifications); the ambient default is never used. */
  provider: k8s.Provider;
  /** "helm": the flux2 chart through Helm; "aks-extension": the microsoft.flux cluster extension. */
  install: "helm" | "aks-extension";
  /**
   * flux2 chart version (helm, required), or microsoft.flux extension version (aks-extension:
   * pinned with auto-upgrade off when given; when not, AKS upgrades minor versions on the stable train).
   */
  version?: string;
  /**
   * No cross-namespace references, and impersonation: with "helm", Kustomizations/HelmReleases
   * that name no account run as the tenant reconciler (`--default-service-account`); the
   * extension's default is its own `flux-applier` instead, so tenant objects always name theirs.
   */
  multitenancy: boolean;
  /** Namespace of the controllers. Default "flux-system". */
  namespace?: string;
  cluster: FluxClusterArgs;
  /** Node pools the controllers' pods need (AksCluster.workloadNodesReady); the install waits for them. */
  nodesReady?: pulumi.Resource[];
  /**
   * Decrypt SOPS-encrypted Secrets with a Key Vault key, through kustomize-controller's workload
   * identity. "helm" only: the extension gives kustomize-controller no workload identity.
   */
  sops?: FluxSopsArgs;
  /** Alerts on errors of Flux objects in the Flux namespace (tenants need their own, see FluxNotifications). */
  notifications?: NotificationTarget[];
  /** Azure tags for the SOPS identity. */
  tags?: pulumi.Input<Record<string, string>>;
  /** Protect the SOPS key: without it, the Secrets encrypted in Git cannot be decrypted. Default: the vault's setting. */
  protect?: boolean;
}

export class Flux extends pulumi.ComponentResource {
  /** The namespace the controllers run in. */
  readonly namespace: pulumi.Output<string>;
  /** The install (Helm release or cluster extension): every Flux object must depend on these, as they bring the CRDs. */
  readonly ready: pulumi.Resource[];
  /** The versioned Key Vault key URI SOPS encrypts with (`azure_keyvault`), when SOPS is on. */
  readonly sopsKeyId?: pulumi.Output<string>;
  /** A `.sops.yaml` for tenant repositories, when SOPS is on. */
  readonly sopsConfig?: pulumi.Output<string>;
  /** Client id of kustomize-controller's Azure identity, when SOPS is on. */
  readonly sopsIdentityClientId?: pulumi.Output<string>;

  constructor(name: string, args: FluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:Flux", name, {}, opts);
    const namespace = args.namespace ?? DEFAULT_FLUX_NAMESPACE;
    if (args.sops && args.install === "aks-extension") {
      throw new pulumi.RunError(
        `Flux ${name}: sops is not supported with install "aks-extension": microsoft.flux federates only source-controller and image-reflector-controller, so kustomize-controller has no Azure identity to decrypt with`,
      );
    }

    let sops: { clientId: pulumi.Output<string>; tenantId: pulumi.Output<string>; waitFor: pulumi.Resource[] } | undefined;
    if (args.sops) {
      // SOPS's azkv backend calls Key Vault Encrypt/Decrypt with RSA-OAEP-256, not wrap/unwrap
      // (getsops/sops azkv/keysource.go), so those are the only operations the key allows.
      const key = args.sops.keyVault.createKey(
        `${name}-sops-key`,
        { keyName: args.sops.keyName ?? "flux-sops", uniqueSuffix: args.sops.keyName === undefined, kty: "RSA", keySize: 4096, keyOps: ["encrypt", "decrypt"] },
        { parent: this, ...(args.protect !== undefined ? { protect: args.protect } : {}) },
      );
      const identity = new WorkloadIdentity(
        `${name}-sops`,
        {
          resourceGroupName: args.cluster.resourceGroupName,
          location: args.cluster.location,
          oidcIssuerUrl: args.cluster.oidcIssuerUrl,
          // The chart (or extension) creates this account; only the credential is made here.
          serviceAccounts: [{ namespace, name: KUSTOMIZE_CONTROLLER }],
          tags: args.tags,
        },
        { parent: this },
      );
      // Crypto User on this one key, not the vault: the controller can use no other key or secret.
      args.sops.keyVault.grantRole(
        `${name}-sops-crypto-user`,
        { principalId: identity.principalId, role: "Key Vault Crypto User", key, principalType: "ServicePrincipal" },
        { parent: this },
      );
      // The install waits for the identity (its client id goes into the service account), not for
      // the grant: the controller only calls Key Vault when it decrypts, and retries until the
      // grant has propagated, so no propagation wait belongs on the install's path.
      sops = { clientId: identity.clientId, tenantId: identity.tenantId, waitFor: [identity] };
      this.sopsKeyId = key.keyUriWithVersion;
      this.sopsConfig = key.keyUriWithVersion.apply(sopsConfig);
      this.sopsIdentityClientId = identity.clientId;
    }

    // The controller reads its identity at start: install it once the identity can be used.
    const installOpts = { parent: this, dependsOn: [...(sops?.waitFor ?? []), ...(args.nodesReady ?? [])] };
    let install: pulumi.Resource;
    if (args.install === "helm") {
      if (!args.version) throw new pulumi.RunError(`Flux ${name}: version (the flux2 chart version) is required with install "helm"`);
      const values = sops
        ? pulumi
            .all([sops.clientId, sops.tenantId])
            .apply(([clientId, tenantId]) =>
              fluxHelmValues({ multitenancy: args.multitenancy, defaultServiceAccount: RECONCILER_SERVICE_ACCOUNT, sops: { clientId, tenantId } }),
            )
        : fluxHelmValues({ multitenancy: args.multitenancy, defaultServiceAccount: RECONCILER_SERVICE_ACCOUNT });
      install = new k8s.helm.v3.Release(
        name,
        {
          name: "flux",
          chart: FLUX_HELM_CHART,
          version: args.version,
          repositoryOpts: { repo: FLUX_HELM_REPOSITORY },
          namespace,
          createNamespace: true,
          values,
        },
        { ...installOpts, provider: args.provider },
      );
    } else {
      const settings = fluxExtensionSettings({ multitenancy: args.multitenancy });
      install = new kubernetesconfiguration.Extension(
        name,
        {
          resourceGroupName: args.cluster.resourceGroupName,
          clusterName: args.cluster.name,
          clusterRp: "Microsoft.ContainerService",
          clusterResourceName: "managedClusters",
          extensionName: "flux",
          extensionType: "microsoft.flux",
          // Pinned when a version is given: it then only changes through a reviewed config change.
          autoUpgradeMinorVersion: args.version === undefined,
          releaseTrain: args.version === undefined ? "stable" : undefined,
          version: args.version,
          scope: { cluster: { releaseNamespace: namespace } },
          configurationSettings: settings,
        },
        installOpts,
      );
    }
    this.ready = [install];
    this.namespace = pulumi.output(namespace);

    if (args.notifications && args.notifications.length > 0) {
      new FluxNotifications(
        `${name}-notifications`,
        { provider: args.provider, namespace, notifications: args.notifications, fluxReady: this.ready },
        { parent: this },
      );
    }

    this.registerOutputs({
      namespace: this.namespace,
      sopsKeyId: this.sopsKeyId,
      sopsConfig: this.sopsConfig,
      sopsIdentityClientId: this.sopsIdentityClientId,
    });
  }
}
