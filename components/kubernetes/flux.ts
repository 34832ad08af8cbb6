/**
 * Flux v2 on an AKS cluster: installed with the fluxcd-community `flux2` Helm chart or as the
 * AKS `microsoft.flux` extension, locked down for multi-tenancy (lockdownFlags), with SOPS
 * decryption through each tenant's own identity and key (object-level workload identity, chart
 * only: TenantSops makes the per-tenant parts), and notifications for flux-system.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import { KeyVault } from "../azure/key-vault";
import type { ClusterReference } from "../cluster";
import { FLUX_HELM_CHART, FLUX_HELM_REPOSITORY, fluxExtensionSettings, fluxHelmValues } from "./flux-install";
import { FluxNotifications, NotificationTarget } from "./notifications";
import { DEFAULT_FLUX_NAMESPACE, RECONCILER_SERVICE_ACCOUNT } from "./flux-install";

/** @deprecated Use ClusterReference (with `provider` and `ready`). */
export type FluxClusterArgs = Omit<ClusterReference, "provider" | "ready">;

/**
 * SOPS through object-level workload identity: kustomize-controller runs with the
 * ObjectLevelWorkloadIdentity gate and decrypts each Kustomization as the account it names (or
 * DECRYPTION_SERVICE_ACCOUNT) in the Kustomization's namespace; it has no Azure identity of its
 * own. Each tenant's key, identity and account come from TenantSops.
 */
export interface FluxSopsArgs {
  /** The vault of the shared key. */
  keyVault: KeyVault;
  /**
   * Keep the one key that earlier versions of this platform encrypted every tenant's secrets
   * with (logical name `<name>-sops-key`), so that existing files can be re-encrypted for each
   * tenant's own key (`sops updatekeys`, by a platform admin: Crypto Officer on the vault). No
   * identity in the cluster may decrypt with it any more. Default false.
   */
  sharedKey?: boolean;
  /** The shared key's name for a stack that creates it now. Default `flux-sops-<random suffix>`; an existing key keeps its name. */
  keyName?: string;
}

export interface FluxArgs {
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
  /**
   * The cluster: its provider (helm mode, notifications), name and group (the extension), and
   * `ready` (node pools the controllers' pods need), which the install waits for. An AksCluster.
   */
  cluster: ClusterReference;
  /**
   * Decrypt SOPS-encrypted Secrets with each tenant's own identity (object-level workload
   * identity). "helm" only: the extension's settings cannot turn the feature gate on.
   */
  sops?: FluxSopsArgs;
  /** Alerts on errors of Flux objects in the Flux namespace (tenants need their own, see FluxNotifications). */
  notifications?: NotificationTarget[];
  /** Azure tags (unused since kustomize-controller has no Azure identity; kept for compatibility). */
  tags?: pulumi.Input<Record<string, string>>;
  /**
   * Install Flux's image automation controllers (image-reflector, image-automation), for tenants
   * that push image updates to Git. "helm" only. Default false: neither controller nor their CRDs.
   */
  imageAutomation?: boolean;
  /**
   * Protect the shared SOPS key (without it, the Secrets encrypted in Git cannot be decrypted)
   * and the install, Helm release or extension (replacing or deleting it uninstalls Flux; the
   * chart's CRDs are kept, see HELM_KEEP_ANNOTATION, but every tenant stops reconciling). Default: the vault's setting for
   * the key, false for the install.
   */
  protect?: boolean;
}

export class Flux extends pulumi.ComponentResource {
  /** The namespace the controllers run in. */
  readonly namespace: pulumi.Output<string>;
  /** The install (Helm release or cluster extension): every Flux object must depend on these, as they bring the CRDs. */
  readonly ready: pulumi.Resource[];
  /** The shared key's versioned URI, when it is kept (FluxSopsArgs.sharedKey): what existing files name. Encrypt with a tenant's key instead. */
  readonly sopsKeyId?: pulumi.Output<string>;

  constructor(name: string, args: FluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:Flux", name, {}, opts);
    const namespace = args.namespace ?? DEFAULT_FLUX_NAMESPACE;
    if (args.sops && args.install === "aks-extension") {
      throw new pulumi.RunError(
        `Flux ${name}: sops is not supported with install "aks-extension": microsoft.flux federates only source-controller and image-reflector-controller, so kustomize-controller has no Azure identity to decrypt with, and its settings cannot turn on object-level workload identity for one per tenant`,
      );
    }

    if (args.imageAutomation && args.install === "aks-extension") {
      throw new pulumi.RunError(
        `Flux ${name}: imageAutomation is not supported with install "aks-extension": its settings cannot put the multi-tenancy lockdown on the image controllers`,
      );
    }

    if (args.sops?.sharedKey) {
      // Kept for migration only: nothing in the cluster is granted to decrypt with it (see FluxSopsArgs.sharedKey).
      const key = args.sops.keyVault.createKey(
        `${name}-sops-key`,
        { keyName: args.sops.keyName ?? "flux-sops", uniqueSuffix: args.sops.keyName === undefined, kty: "RSA", keySize: 4096, keyOps: ["encrypt", "decrypt"] },
        { parent: this, ...(args.protect !== undefined ? { protect: args.protect } : {}) },
      );
      this.sopsKeyId = key.keyUriWithVersion;
    }

    const installOpts = { parent: this, dependsOn: args.cluster.ready ?? [] };
    let install: pulumi.Resource;
    if (args.install === "helm") {
      if (!args.version) throw new pulumi.RunError(`Flux ${name}: version (the flux2 chart version) is required with install "helm"`);
      const values = fluxHelmValues({ multitenancy: args.multitenancy, defaultServiceAccount: RECONCILER_SERVICE_ACCOUNT, sops: args.sops !== undefined, imageAutomation: args.imageAutomation });
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
        { ...installOpts, provider: args.cluster.provider, protect: args.protect ?? false },
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
        // Deleting the extension uninstalls Flux, its CRDs and with them every tenant's Flux objects.
        { ...installOpts, protect: args.protect ?? false },
      );
    }
    this.ready = [install];
    this.namespace = pulumi.output(namespace);

    if (args.notifications && args.notifications.length > 0) {
      new FluxNotifications(
        `${name}-notifications`,
        { provider: args.cluster.provider, namespace, notifications: args.notifications, fluxReady: this.ready },
        { parent: this },
      );
    }

    this.registerOutputs({
      namespace: this.namespace,
      sopsKeyId: this.sopsKeyId,
    });
  }
}
