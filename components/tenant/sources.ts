/**
 * A tenant's non-Git Flux sources, from its config: Helm charts (HelmRepository + HelmRelease),
 * OCI artifacts and buckets (each a source + a Kustomization). All in the tenant namespace, all
 * reconciled as the tenant's reconciler into that namespace.
 *
 * `provider: azure` on an OCIRepository or Bucket authenticates, under Flux's lockdown
 * (flux-install.ts lockdownFlags), as the account the object names in its own namespace
 * (`serviceAccountName`, an account TenantIdentities federated with a tenant identity), or
 * `flux-workload-identity` there, which the platform does not create: never as source-controller's
 * own identity.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { bucket, helmRelease, helmRepository, HelmDriftMode, kustomization, ociRepository, SourceKind, FluxObject } from "../kubernetes/flux-manifests";
import { fluxResource } from "../kubernetes/flux-resource";
import { GUARDRAIL_LABEL, managedLabels } from "../kubernetes/labels";

export interface HelmReleaseSource {
  /** Name of the HelmRepository and the HelmRelease (and the Helm release). */
  name: string;
  /** `https://` Helm repository or `oci://` registry. */
  repository: string;
  chart: string;
  /** Chart version or semver range. */
  version: string;
  /** Helm values. Default none. */
  values?: Record<string, unknown>;
  /** Go duration, e.g. "10m". */
  interval: string;
  /** helm-controller's drift detection: "enabled" (default) detects and corrects, "warn" only reports, "disabled" neither. */
  driftDetection?: HelmDriftMode;
}

export interface OciSource {
  /** Name of the OCIRepository and its Kustomization. */
  name: string;
  /** `oci://` artifact URL. */
  url: string;
  /** Exactly one of tag and semver. */
  tag?: string;
  semver?: string;
  provider: "generic" | "azure";
  /** With `azure`: the tenant account whose identity pulls (AcrPull on the registry). */
  serviceAccountName?: string;
  /** Path in the artifact, e.g. `./`. */
  path: string;
  interval: string;
}

export interface BucketSource {
  /** Name of the Bucket and its Kustomization. */
  name: string;
  bucketName: string;
  /** e.g. `<account>.blob.core.windows.net`. */
  endpoint: string;
  provider: "generic" | "azure" | "aws" | "gcp";
  /** With `azure`: the tenant account whose identity reads (Storage Blob Data Reader on the container). */
  serviceAccountName?: string;
  path: string;
  interval: string;
}

export interface FluxSourcesArgs {
  /** Kubernetes provider of the cluster; the ambient default is never used. */
  provider: k8s.Provider;
  /** The tenant namespace: where the objects go and what they deploy into. */
  namespace: pulumi.Input<string>;
  /** The account HelmReleases and Kustomizations impersonate (Tenant.serviceAccountName). */
  serviceAccountName: pulumi.Input<string>;
  /** Decrypt SOPS-encrypted Secrets in OCI and bucket content. */
  sops: boolean;
  helmReleases?: HelmReleaseSource[];
  ociRepositories?: OciSource[];
  buckets?: BucketSource[];
  /** Kustomization timeout. Default "5m". */
  timeout?: string;
  /** The Flux install (Flux.ready) and the tenant (Tenant.ready: its namespace and RBAC); every object waits for them. */
  fluxReady?: pulumi.Input<pulumi.Resource>[];
}

export class FluxSources extends pulumi.ComponentResource {
  /** `<Kind>/<name>` of every Flux object created, in creation order. */
  readonly objects: pulumi.Output<string[]>;

  constructor(name: string, args: FluxSourcesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:FluxSources", name, {}, opts);
    // Guardrail-labelled: the tenant whose namespace these live in may not change them (tenantGuardrailPolicy).
    const labels = { ...managedLabels(), [GUARDRAIL_LABEL]: "true" };
    const baseOpts = { parent: this, provider: args.provider, dependsOn: args.fluxReady ?? [] };
    const created: string[] = [];
    const add = (logical: string, object: FluxObject, objectName: string, dependsOn: pulumi.Resource[] = []) => {
      created.push(`${object.kind}/${objectName}`);
      return fluxResource(logical, object, { name: objectName, namespace: args.namespace, labels }, {
        ...baseOpts,
        dependsOn: [...baseOpts.dependsOn, ...dependsOn],
      });
    };
    const sync = (source: { kind: SourceKind; name: string; path: string; interval: string }, after: pulumi.Resource) =>
      add(
        `${name}-${source.name}-sync`,
        kustomization<pulumi.Input<string>>({
          source: { kind: source.kind, name: source.name },
          path: source.path,
          interval: source.interval,
          timeout: args.timeout ?? "5m",
          serviceAccountName: args.serviceAccountName,
          targetNamespace: args.namespace,
          sops: args.sops,
        }),
        source.name,
        [after],
      );

    for (const release of args.helmReleases ?? []) {
      const repo = add(`${name}-${release.name}-repo`, helmRepository({ url: release.repository, interval: release.interval }), release.name);
      add(
        `${name}-${release.name}-release`,
        helmRelease<pulumi.Input<string>>({
          chart: release.chart,
          version: release.version,
          repositoryName: release.name,
          interval: release.interval,
          values: release.values ?? {},
          serviceAccountName: args.serviceAccountName,
          targetNamespace: args.namespace,
          driftDetection: release.driftDetection,
        }),
        release.name,
        [repo],
      );
    }
    for (const oci of args.ociRepositories ?? []) {
      const source = add(`${name}-${oci.name}-oci`, ociRepository(oci), oci.name);
      sync({ kind: "OCIRepository", ...oci }, source);
    }
    for (const b of args.buckets ?? []) {
      const source = add(`${name}-${b.name}-bucket`, bucket(b), b.name);
      sync({ kind: "Bucket", ...b }, source);
    }

    this.objects = pulumi.output(created);
    this.registerOutputs({ objects: this.objects });
  }
}
