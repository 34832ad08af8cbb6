/**
 * How Flux is installed, as plain data: values for the fluxcd-community `flux2` Helm chart,
 * configuration settings for the AKS `microsoft.flux` extension, and the `.sops.yaml` that
 * encrypts for the Key Vault key kustomize-controller decrypts with.
 */
import { stringify } from "yaml";

export const FLUX_HELM_REPOSITORY = "https://fluxcd-community.github.io/helm-charts";
export const FLUX_HELM_CHART = "flux2";
export const KUSTOMIZE_CONTROLLER = "kustomize-controller";

/** The Azure workload identity a controller acts as. */
export interface ControllerIdentity {
  clientId: string;
  tenantId: string;
}

export interface FluxHelmValuesArgs {
  /** Lock-down: no cross-namespace references, impersonation of `defaultServiceAccount`. */
  multitenancy: boolean;
  /** The account Kustomizations and HelmReleases that name none run as, in their namespace. */
  defaultServiceAccount: string;
  /** kustomize-controller's identity for SOPS with Azure Key Vault. */
  sops?: ControllerIdentity;
}

/**
 * `flux2` chart values. Multi-tenancy adds `--no-cross-namespace-refs=true` and
 * `--default-service-account` to the kustomize and helm controllers. For SOPS, kustomize-controller's
 * service account carries the identity's client and tenant id, and the chart puts
 * `kustomizeController.labels` on the pod template too, where the workload identity webhook
 * looks for `azure.workload.identity/use` (fluxcd/website, integrations/azure.md).
 */
export function fluxHelmValues(args: FluxHelmValuesArgs): Record<string, unknown> {
  const values: Record<string, unknown> = {
    multitenancy: { enabled: args.multitenancy, defaultServiceAccount: args.defaultServiceAccount },
  };
  if (args.sops) {
    values.kustomizeController = {
      serviceAccount: {
        annotations: {
          "azure.workload.identity/client-id": args.sops.clientId,
          "azure.workload.identity/tenant-id": args.sops.tenantId,
        },
      },
      labels: { "azure.workload.identity/use": "true" },
    };
  }
  return values;
}

export interface FluxExtensionSettingsArgs {
  multitenancy: boolean;
}

/**
 * `configurationSettings` of the `microsoft.flux` extension. The extension enforces
 * multi-tenancy by default and documents `multiTenancy.enforce=false` as the opt-out
 * (learn.microsoft.com, "Application deployments with GitOps (Flux v2)", Opt out of
 * multi-tenancy); it is always stated here. Unlike the flux2 chart, the extension's default
 * service account for impersonation is `flux-applier`, which exists only in the namespaces of
 * its own fluxConfigurations, not the tenant's `flux-reconciler`: every tenant Kustomization and
 * HelmRelease therefore names its account (flux-manifests.ts). No `workloadIdentity.*`: those
 * settings federate source-controller and image-reflector-controller only, never
 * kustomize-controller, so SOPS cannot use them (Flux refuses `sops` with this install).
 */
export function fluxExtensionSettings(args: FluxExtensionSettingsArgs): Record<string, string> {
  return { "multiTenancy.enforce": String(args.multitenancy) };
}

/** Only Secret payloads are encrypted; metadata stays readable for review and for Kustomize. */
export const SOPS_ENCRYPTED_REGEX = "^(data|stringData)$";

/**
 * A `.sops.yaml` that encrypts Kubernetes Secrets in a tenant repository with the Key Vault key.
 * `keyId` must be the versioned key URI (`https://<vault>.vault.azure.net/keys/<name>/<version>`):
 * SOPS's azkv parser requires the version segment.
 */
export function sopsConfig(keyId: string): string {
  if (!/^https:\/\/[^/]+\/keys\/[^/]+\/[^/]+$/.test(keyId)) {
    throw new Error(`SOPS needs a versioned Key Vault key URI, got "${keyId}"`);
  }
  return stringify({
    creation_rules: [{ path_regex: String.raw`.*\.ya?ml$`, encrypted_regex: SOPS_ENCRYPTED_REGEX, azure_keyvault: keyId }],
  });
}
