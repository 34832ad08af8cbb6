/**
 * How Flux is installed, as plain data: values for the fluxcd-community `flux2` Helm chart,
 * configuration settings for the AKS `microsoft.flux` extension, Flux's multi-tenancy lockdown,
 * and the `.sops.yaml` that encrypts for a tenant's Key Vault key.
 */
import { stringify } from "yaml";

/**
 * The service account Flux impersonates in every tenant namespace. Tenant creates it; Flux's
 * multi-tenancy lockdown makes it the default (`--default-service-account`), so a Kustomization
 * or HelmRelease that names no account still runs as it.
 */
export const RECONCILER_SERVICE_ACCOUNT = "flux-reconciler";

export const DEFAULT_FLUX_NAMESPACE = "flux-system";

export const FLUX_HELM_REPOSITORY = "https://fluxcd-community.github.io/helm-charts";
export const FLUX_HELM_CHART = "flux2";
export const KUSTOMIZE_CONTROLLER = "kustomize-controller";

/**
 * The service account kustomize-controller decrypts SOPS as when a tenant Kustomization names
 * none (`--default-decryption-service-account`), looked up in the Kustomization's own namespace.
 * The platform creates it in every tenant namespace, federated with that tenant's identity
 * (TenantSops); the tenant's Kustomizations also name it explicitly.
 */
export const DECRYPTION_SERVICE_ACCOUNT = "flux-decryption";

/**
 * The service account every other Flux object acts as in Azure when it names none: sources with
 * `provider: azure` (source-controller), notification providers, image repositories and
 * automations, remote-cluster kubeconfigs. The platform creates no such account, so such an
 * object fails ("the specified default service account does not exist in the object namespace",
 * fluxcd/pkg auth) instead of borrowing a controller's identity; a tenant that needs one names an
 * account of its own namespace that the platform federated.
 */
export const WORKLOAD_IDENTITY_SERVICE_ACCOUNT = "flux-workload-identity";

/** Object-level workload identity: a Flux object authenticates as an account of its own namespace (Flux >= 2.6). */
export const OBJECT_LEVEL_WORKLOAD_IDENTITY = "--feature-gates=ObjectLevelWorkloadIdentity=true";

/** The flux2 chart's values key of each controller (note the chart's `imageReflectionController`). */
export const FLUX_CONTROLLERS = {
  "source-controller": "sourceController",
  "kustomize-controller": "kustomizeController",
  "helm-controller": "helmController",
  "notification-controller": "notificationController",
  "image-reflector-controller": "imageReflectionController",
  "image-automation-controller": "imageAutomationController",
} as const;
export type FluxController = keyof typeof FLUX_CONTROLLERS;

/**
 * Flux's multi-tenancy lockdown, per controller, as command-line flags: the fluxcd website's
 * "Multi-tenancy lockdown" (installation/configuration/multitenancy.md) and its security best
 * practices (security/best-practices.md), checked against the controllers' main.go of Flux 2.8
 * (kustomize-controller v1.8.3, helm-controller v1.5.3, source-controller v1.8.2,
 * notification-controller v1.8.3, image-reflector/image-automation-controller v1.1.1):
 *
 * - `--no-cross-namespace-refs=true` on every controller that has it (all but source-controller);
 * - `--no-remote-bases=true` on kustomize-controller: a tenant's kustomization.yaml cannot pull
 *   bases from any URL, fetched from inside flux-system, past the reviewed source;
 * - `--default-service-account` on kustomize and helm controllers: impersonate the tenant's
 *   reconciler when an object names no account;
 * - workload identity lockdown: `--default-decryption-service-account` and
 *   `--default-kubeconfig-service-account` (kustomize), `--default-kubeconfig-service-account`
 *   (helm) and `--default-service-account` (source, notification, image controllers: for them it
 *   is the workload identity default), so that no object falls back to a controller's own cloud
 *   identity. Each of these needs the ObjectLevelWorkloadIdentity feature gate: without it the
 *   controller refuses to start (fluxcd/pkg auth, ErrInconsistentObjectLevelConfiguration).
 *
 * The flags `multitenancy.enabled` renders are listed too (the chart adds them), so the table is
 * the whole lockdown.
 */
export function lockdownFlags(reconciler: string): Record<FluxController, string[]> {
  const workloadIdentityDefault = [OBJECT_LEVEL_WORKLOAD_IDENTITY, `--default-service-account=${WORKLOAD_IDENTITY_SERVICE_ACCOUNT}`];
  return {
    "source-controller": workloadIdentityDefault,
    "kustomize-controller": [
      "--no-cross-namespace-refs=true",
      `--default-service-account=${reconciler}`,
      "--no-remote-bases=true",
      OBJECT_LEVEL_WORKLOAD_IDENTITY,
      `--default-decryption-service-account=${DECRYPTION_SERVICE_ACCOUNT}`,
      `--default-kubeconfig-service-account=${WORKLOAD_IDENTITY_SERVICE_ACCOUNT}`,
    ],
    "helm-controller": [
      "--no-cross-namespace-refs=true",
      `--default-service-account=${reconciler}`,
      OBJECT_LEVEL_WORKLOAD_IDENTITY,
      `--default-kubeconfig-service-account=${WORKLOAD_IDENTITY_SERVICE_ACCOUNT}`,
    ],
    "notification-controller": ["--no-cross-namespace-refs=true", ...workloadIdentityDefault],
    "image-reflector-controller": ["--no-cross-namespace-refs=true", ...workloadIdentityDefault],
    "image-automation-controller": ["--no-cross-namespace-refs=true", ...workloadIdentityDefault],
  };
}

export interface FluxHelmValuesArgs {
  /** The multi-tenancy lockdown (lockdownFlags). */
  multitenancy: boolean;
  /** The account Kustomizations and HelmReleases that name none run as, in their namespace. */
  defaultServiceAccount: string;
  /**
   * Tenants decrypt SOPS with identities of their own (object-level workload identity): turns
   * the feature gate on for kustomize-controller even without the lockdown.
   */
  sops?: boolean;
  /**
   * Install image-reflector-controller and image-automation-controller (and their CRDs), for
   * tenants that opt in to image automation. Default false: the chart's own default installs
   * both, so every stack ran two controllers (and offered every tenant the image kinds) whether
   * or not anyone pushed image updates.
   */
  imageAutomation?: boolean;
}

/**
 * Helm keeps a templated object on uninstall (and when the release is replaced) when it carries
 * this annotation (helm.sh/docs "Tell Helm Not To Uninstall a Resource"). Deleting a CRD deletes
 * every object of its kind: without it, uninstalling Flux deletes every tenant's Kustomizations
 * and sources, and their workloads with them through garbage collection.
 */
export const HELM_KEEP_ANNOTATION = { "helm.sh/resource-policy": "keep" } as const;

/** The flux2 chart's values key of the annotations on all its CRDs (charts/flux2/values.yaml `crds.annotations`, chart 2.18.x templates/*.crds.yaml). */
export function fluxCrdsKept(values: Record<string, unknown>): boolean {
  const annotations = ((values.crds ?? {}) as { annotations?: Record<string, unknown> }).annotations ?? {};
  return annotations["helm.sh/resource-policy"] === "keep";
}

/** The flux2 chart's values keys of the image automation controllers, whose `create` also gates their CRDs (chart 2.18.x `<controller>.crds.yaml`). */
export const IMAGE_CONTROLLER_KEYS = [FLUX_CONTROLLERS["image-reflector-controller"], FLUX_CONTROLLERS["image-automation-controller"]] as const;

/**
 * `flux2` chart values. `multitenancy.enabled` makes the chart add `--no-cross-namespace-refs=true`
 * and `--default-service-account` where Flux's lockdown wants them; the rest of the lockdown goes
 * into each controller's `container.additionalArgs`, which the chart appends to the container's
 * arguments (charts/flux2/templates/<controller>.yaml, chart 2.18.x). kustomize-controller gets no
 * Azure identity of its own: tenants decrypt as their own identities (TenantSops).
 */
export function fluxHelmValues(args: FluxHelmValuesArgs): Record<string, unknown> {
  const values: Record<string, unknown> = {
    multitenancy: { enabled: args.multitenancy, defaultServiceAccount: args.defaultServiceAccount },
    crds: { annotations: { ...HELM_KEEP_ANNOTATION } },
  };
  const rendered = renderedByMultitenancy(args.multitenancy, args.defaultServiceAccount);
  for (const [controller, flags] of Object.entries(lockdownFlags(args.defaultServiceAccount)) as [FluxController, string[]][]) {
    const extra = args.multitenancy ? flags.filter((flag) => !rendered[controller].includes(flag)) : [];
    if (!args.multitenancy && args.sops && controller === "kustomize-controller") extra.push(OBJECT_LEVEL_WORKLOAD_IDENTITY);
    if (extra.length > 0) values[FLUX_CONTROLLERS[controller]] = { container: { additionalArgs: extra } };
  }
  // The lockdown flags stay on the image controllers either way: the policy checks them wherever `create` is not false.
  for (const key of IMAGE_CONTROLLER_KEYS) values[key] = { create: args.imageAutomation === true, ...((values[key] ?? {}) as object) };
  return values;
}

/** What the chart itself adds with `multitenancy.enabled` (templates/<controller>.yaml, chart 2.18.x). */
function renderedByMultitenancy(enabled: boolean, defaultServiceAccount: string): Record<FluxController, string[]> {
  const none: string[] = [];
  const refs = enabled ? ["--no-cross-namespace-refs=true"] : none;
  const impersonation = enabled ? [...refs, `--default-service-account=${defaultServiceAccount || "default"}`] : none;
  return {
    "source-controller": none,
    "kustomize-controller": impersonation,
    "helm-controller": impersonation,
    "notification-controller": refs,
    "image-reflector-controller": refs,
    "image-automation-controller": refs,
  };
}

/**
 * The lockdown-relevant arguments the flux2 chart (2.18.x) renders for each controller from
 * `values`: what `multitenancy` adds, then `<controller>.container.additionalArgs`. What policies
 * read to check the lockdown on a rendered Helm release.
 */
export function renderedControllerArgs(values: Record<string, unknown>): Record<FluxController, string[]> {
  const multitenancy = (values.multitenancy ?? {}) as { enabled?: unknown; defaultServiceAccount?: unknown };
  const byChart = renderedByMultitenancy(multitenancy.enabled === true, typeof multitenancy.defaultServiceAccount === "string" ? multitenancy.defaultServiceAccount : "");
  const result = {} as Record<FluxController, string[]>;
  for (const [controller, key] of Object.entries(FLUX_CONTROLLERS) as [FluxController, string][]) {
    const container = ((values[key] ?? {}) as { container?: { additionalArgs?: unknown } }).container;
    const extra = Array.isArray(container?.additionalArgs) ? container.additionalArgs.map(String) : [];
    result[controller] = [...byChart[controller], ...extra];
  }
  return result;
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
 * settings give the controllers one shared identity, never one per tenant, so SOPS cannot use
 * them (Flux refuses `sops` with this install).
 *
 * The rest of Flux's lockdown cannot be set: the extension's documented settings ("Tutorial:
 * Deploy applications using GitOps with Flux v2": `<controller>.enabled`, `useKubeletIdentity`,
 * `workloadIdentity.*`, `helm-controller.detectDrift`, `helm-controller.outOfMemoryWatch.*`,
 * `kustomize-controller.strict-substitution-mode`, resources, concurrency, log levels,
 * `setKubeServiceHostFqdn`) have nothing for `--no-remote-bases`, feature gates or the workload
 * identity defaults. The `flux-multi-tenancy-lockdown` policy therefore refuses this install
 * while the stack has tenants.
 */
export function fluxExtensionSettings(args: FluxExtensionSettingsArgs): Record<string, string> {
  return { "multiTenancy.enforce": String(args.multitenancy) };
}

/** Only Secret payloads are encrypted; metadata stays readable for review and for Kustomize. */
export const SOPS_ENCRYPTED_REGEX = "^(data|stringData)$";

/**
 * A `.sops.yaml` that encrypts Kubernetes Secrets in a tenant repository with the tenant's Key Vault key.
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
