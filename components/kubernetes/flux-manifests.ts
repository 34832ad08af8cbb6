/**
 * Flux object specs as plain data (the Flux 2.8 CRDs: docs/DESIGN.md, "Runtime facts"): sources, Kustomizations,
 * HelmReleases, notification Providers and Alerts. No references across namespaces anywhere:
 * with multi-tenancy on, Flux rejects them (`--no-cross-namespace-refs`), so every `sourceRef`,
 * `secretRef` and `providerRef` names an object in the same namespace, without a namespace field.
 */
import { DECRYPTION_SERVICE_ACCOUNT } from "./flux-install";

export const FLUX_API = {
  source: "source.toolkit.fluxcd.io/v1",
  kustomize: "kustomize.toolkit.fluxcd.io/v1",
  helm: "helm.toolkit.fluxcd.io/v2",
  notification: "notification.toolkit.fluxcd.io/v1beta3",
} as const;

/** A Flux object without metadata: the component adds name, namespace and labels. */
export interface FluxObject {
  apiVersion: string;
  kind: string;
  spec: Record<string, unknown>;
}

export type SourceKind = "GitRepository" | "OCIRepository" | "Bucket";

/**
 * A DNS-1123 object name from free text such as a repository name (`Team.Apps_v2` ->
 * `team-apps-v2`): lowercase, runs of other characters as '-', at most 63 characters.
 */
export function objectName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
  if (!name) throw new Error(`cannot make a Kubernetes object name from "${text}"`);
  return name;
}

/** `owner/name` -> `ssh://git@github.com/owner/name` (Flux does not take the scp-like form). */
export function githubSshUrl(repository: string): string {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(repository);
  if (!match) throw new Error(`GitHub repository must be owner/name, got "${repository}"`);
  return `ssh://git@github.com/${match[1]}/${match[2].replace(/\.git$/, "")}`;
}

export function gitRepository(args: { url: string; branch: string; interval: string; secretName: string; timeout?: string }): FluxObject {
  return {
    apiVersion: FLUX_API.source,
    kind: "GitRepository",
    spec: {
      url: args.url,
      ref: { branch: args.branch },
      interval: args.interval,
      secretRef: { name: args.secretName },
      ...(args.timeout ? { timeout: args.timeout } : {}),
    },
  };
}

/**
 * `T` is the type of the values only known at deploy time (namespace, account): `string` in
 * tests, `pulumi.Input<string>` in components, which pass the spec on unresolved.
 */
export interface KustomizationArgs<T = string> {
  source: { kind: SourceKind; name: string };
  /** Path in the source, `./envs/dev`. */
  path: string;
  interval: string;
  /** How long apply and health checks may take. */
  timeout: string;
  /** The impersonated account; always set, so nothing depends on the controller's default. */
  serviceAccountName: T;
  /** Namespace the objects land in (overrides what the manifests say). */
  targetNamespace: T;
  /** Decrypt SOPS-encrypted Secrets as the namespace's DECRYPTION_SERVICE_ACCOUNT (TenantSops). */
  sops: boolean;
}

export function kustomization<T = string>(args: KustomizationArgs<T>): FluxObject {
  return {
    apiVersion: FLUX_API.kustomize,
    kind: "Kustomization",
    spec: {
      sourceRef: { kind: args.source.kind, name: args.source.name },
      path: args.path,
      prune: true,
      wait: true,
      interval: args.interval,
      timeout: args.timeout,
      serviceAccountName: args.serviceAccountName,
      targetNamespace: args.targetNamespace,
      // Object-level workload identity: decrypt as the tenant's own account in this namespace,
      // never as kustomize-controller (kustomize-controller docs/spec/v1/kustomizations.md,
      // Decryption). Named although --default-decryption-service-account names the same account,
      // so that nothing depends on the controller's flags. Flux marks object-level identity on
      // AKS "unstable" (fluxcd/flux2#5359: AKS may tighten its token checks).
      ...(args.sops ? { decryption: { provider: "sops", serviceAccountName: DECRYPTION_SERVICE_ACCOUNT } } : {}),
    },
  };
}

/** A Helm repository; `oci://` URLs become `type: oci`. */
export function helmRepository(args: { url: string; interval: string }): FluxObject {
  const oci = args.url.startsWith("oci://");
  return {
    apiVersion: FLUX_API.source,
    kind: "HelmRepository",
    spec: { url: args.url, interval: args.interval, ...(oci ? { type: "oci" } : {}) },
  };
}

export interface HelmReleaseArgs<T = string> {
  chart: string;
  /** Chart version or semver range. */
  version: string;
  /** Name of the HelmRepository in the same namespace. */
  repositoryName: string;
  interval: string;
  values: Record<string, unknown>;
  serviceAccountName: T;
  targetNamespace: T;
  /** helm-controller's drift detection (`helmReleaseDriftDetection`). Default DEFAULT_HELM_DRIFT_DETECTION ("enabled"). */
  driftDetection?: HelmDriftMode;
}

/**
 * "enabled": helm-controller compares the release's objects in the cluster with its manifest on
 * every reconcile (a server-side dry-run apply), emits a Warning event naming what drifted, and
 * puts it back ("Cluster state of release ... has been corrected"). "warn": the Warning only.
 * "disabled": neither (the API's default). helm-controller docs/spec/v2/helmreleases.md, "Drift
 * detection".
 */
export type HelmDriftMode = "enabled" | "warn" | "disabled";

/** Drift detected and put back unless a release says otherwise (HelmReleaseArgs.driftDetection). */
export const DEFAULT_HELM_DRIFT_DETECTION: HelmDriftMode = "enabled";

/**
 * Fields other controllers own, which drift detection must leave alone: a HorizontalPodAutoscaler
 * sets `spec.replicas` of the Deployment or StatefulSet it scales, and a chart that renders
 * `replicas` would otherwise have helm-controller scale it back on every reconcile (the docs'
 * own example, "Ignore rules"). The cost: a `kubectl scale` by hand is neither reported nor undone.
 */
export const HELM_DRIFT_IGNORE = [{ paths: ["/spec/replicas"], target: { kind: "^(Deployment|StatefulSet)$" } }] as const;

/** `spec.driftDetection` of a HelmRelease; undefined (the API default, disabled) when off. */
export function helmReleaseDriftDetection(mode: HelmDriftMode): Record<string, unknown> | undefined {
  if (mode === "disabled") return undefined;
  return { mode, ignore: HELM_DRIFT_IGNORE.map((rule) => ({ paths: [...rule.paths], target: { ...rule.target } })) };
}

export function helmRelease<T = string>(args: HelmReleaseArgs<T>): FluxObject {
  const driftDetection = helmReleaseDriftDetection(args.driftDetection ?? DEFAULT_HELM_DRIFT_DETECTION);
  return {
    apiVersion: FLUX_API.helm,
    kind: "HelmRelease",
    spec: {
      interval: args.interval,
      chart: {
        spec: {
          chart: args.chart,
          version: args.version,
          sourceRef: { kind: "HelmRepository", name: args.repositoryName },
          interval: args.interval,
        },
      },
      serviceAccountName: args.serviceAccountName,
      targetNamespace: args.targetNamespace,
      install: { remediation: { retries: 3 } },
      upgrade: { remediation: { retries: 3 } },
      ...(driftDetection ? { driftDetection } : {}),
      ...(Object.keys(args.values).length > 0 ? { values: args.values } : {}),
    },
  };
}

export interface OciRepositoryArgs {
  url: string;
  tag?: string;
  semver?: string;
  /** `azure` pulls with an Azure identity (see serviceAccountName); `generic` anonymously. */
  provider: "generic" | "azure";
  interval: string;
  /**
   * With `azure`: the account of the object's namespace whose federated identity pulls
   * (object-level workload identity). Unset: source-controller's `--default-service-account`.
   */
  serviceAccountName?: string;
}

export function ociRepository(args: OciRepositoryArgs): FluxObject {
  if ((args.tag === undefined) === (args.semver === undefined)) {
    throw new Error(`OCIRepository ${args.url}: needs exactly one of tag or semver`);
  }
  return {
    apiVersion: FLUX_API.source,
    kind: "OCIRepository",
    spec: {
      url: args.url,
      ref: args.tag !== undefined ? { tag: args.tag } : { semver: args.semver },
      provider: args.provider,
      interval: args.interval,
      ...(args.serviceAccountName ? { serviceAccountName: args.serviceAccountName } : {}),
    },
  };
}

export interface BucketArgs {
  bucketName: string;
  endpoint: string;
  /** `azure`/`aws`/`gcp` authenticate with a cloud identity (see serviceAccountName). */
  provider: "generic" | "azure" | "aws" | "gcp";
  interval: string;
  /** The account of the object's namespace whose federated identity reads (not with `generic`: the CRD refuses it). */
  serviceAccountName?: string;
}

export function bucket(args: BucketArgs): FluxObject {
  return {
    apiVersion: FLUX_API.source,
    kind: "Bucket",
    spec: {
      bucketName: args.bucketName,
      endpoint: args.endpoint,
      provider: args.provider,
      interval: args.interval,
      ...(args.serviceAccountName && args.provider !== "generic" ? { serviceAccountName: args.serviceAccountName } : {}),
    },
  };
}

/** The Flux kinds that emit events an Alert can forward. */
export const ALERT_EVENT_KINDS = ["Kustomization", "GitRepository", "HelmRelease", "HelmRepository", "OCIRepository", "Bucket"] as const;

export function notificationProvider(args: { type: "slack" | "msteams" | "generic"; channel?: string; secretName: string }): FluxObject {
  return {
    apiVersion: FLUX_API.notification,
    kind: "Provider",
    spec: {
      type: args.type,
      // The webhook address lives only in the Secret (key `address`), never in the spec.
      secretRef: { name: args.secretName },
      ...(args.channel ? { channel: args.channel } : {}),
    },
  };
}

/**
 * An Alert on every object of the Flux kinds in the Alert's own namespace. No `namespace` in
 * the event sources: with multi-tenancy, notification-controller drops events from any namespace
 * other than the Alert's ("cross-namespace references have been blocked"), so each namespace
 * that should alert needs its own Alert.
 */
export function alert(args: { providerName: string; severity: "info" | "error" }): FluxObject {
  return {
    apiVersion: FLUX_API.notification,
    kind: "Alert",
    spec: {
      providerRef: { name: args.providerName },
      eventSeverity: args.severity,
      eventSources: ALERT_EVENT_KINDS.map((kind) => ({ kind, name: "*" })),
    },
  };
}

/**
 * Which events a notification target gets: "errors" (every failure) or "changes" (failures, and
 * every object Flux created, changed or deleted in the cluster, which is how it reports the drift
 * it corrects).
 */
export type NotificationEvents = "errors" | "changes";

/**
 * Messages of the info events that say Flux changed something in the cluster, as Go regular
 * expressions (RE2; notification-controller compiles each inclusionList entry with regexp.Compile
 * and matches it anywhere in the message: internal/server/event_handlers.go, messageIsIncluded).
 * Every other info event ("Reconciliation finished in 1.2s, next run in 5m0s", "Health check
 * passed in ...", "Dependencies do not meet ready condition ...", a source's "stored artifact
 * for ...") matches none of them.
 * - kustomize-controller: after a server-side apply or a garbage collection that changed
 *   something, one event whose lines are the change set, `<Kind>/<namespace>/<name> <action>`
 *   (`Kind/<name>` when cluster-scoped), only the actions that change something (created,
 *   configured, deleted; unchanged and skipped left out): kustomization_controller.go (apply,
 *   prune, HasChanged) and fluxcd/pkg ssa/changeset.go (ChangeSetEntry.String). A `configured`
 *   on a revision that did not change is an object someone edited in the cluster: drift, put back.
 * - helm-controller, drift correction (`driftDetection.mode: enabled`): "Cluster state of release
 *   <ns>/<name>.v<n> has been corrected:" followed by the change set (correct_cluster_drift.go,
 *   a Normal event, so info). The detection itself ("... has drifted from the desired state") is
 *   a Warning, which every target gets as an error.
 * - helm-controller, releases: "Helm install|upgrade|uninstall succeeded for release ...",
 *   "Helm rollback to previous release ... succeeded" (reconcile/install.go, upgrade.go,
 *   uninstall.go, rollback_remediation.go).
 */
export const CHANGE_EVENT_PATTERNS = [
  "(^|\\n)[A-Za-z0-9.-]+/\\S+ (created|configured|deleted)(\\n|$)",
  "^Cluster state of release \\S+ has been corrected",
  "^Helm (install|upgrade|uninstall) succeeded for release ",
  "^Helm rollback to previous release \\S+ with chart \\S+ succeeded",
] as const;

/** The kinds whose controllers change objects in the cluster (sources only fetch). */
export const CHANGE_EVENT_KINDS = ["Kustomization", "HelmRelease"] as const;

/**
 * An Alert on the changes Flux makes in the Alert's own namespace: info events, narrowed by the
 * inclusion list to the ones that say what Flux created, changed or deleted. It comes beside the
 * errors Alert (`alert`), not instead of it: an inclusion list applies to error events too, and
 * would drop every failure that is not a change.
 */
export function changesAlert(args: { providerName: string }): FluxObject {
  return {
    apiVersion: FLUX_API.notification,
    kind: "Alert",
    spec: {
      providerRef: { name: args.providerName },
      eventSeverity: "info",
      eventSources: CHANGE_EVENT_KINDS.map((kind) => ({ kind, name: "*" })),
      inclusionList: [...CHANGE_EVENT_PATTERNS],
    },
  };
}
