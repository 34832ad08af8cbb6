/**
 * Flagger (fluxcd/flagger), the progressive delivery operator, as an optional platform add-on:
 * its own namespace with Pod Security `restricted`, the Helm chart pinned, and the Prometheus the
 * chart bundles as the metrics source of canary analysis.
 *
 * Why this setup, on an AKS cluster without a service mesh:
 * - `meshProvider: kubernetes`: Flagger's Kubernetes provider runs blue/green with analysis on
 *   plain Deployments and Services (it creates `<app>-primary` and `<app>-canary` and switches the
 *   apex Service when the analysis passes). It needs nothing in the request path: no Istio add-on,
 *   no ingress controller whose canary annotations Flagger must own, no Gateway API
 *   implementation. Traffic does not shift by weight: the canary gets the load a tester sends
 *   during the analysis, then all traffic at promotion. Gradual shifting needs a router
 *   (`nginx`, `istio`, `gatewayapi`), which can be added later by changing meshProvider.
 * - Metrics: with the Kubernetes provider Flagger's built-in `request-success-rate` and
 *   `request-duration` query the application's own `http_request_duration_seconds` histogram,
 *   labelled `kubernetes_namespace` and `kubernetes_pod_name` (flagger pkg/metrics/observers
 *   http.go, chosen for `kubernetes` in factory.go). The chart's bundled Prometheus
 *   (`prometheus.install`, templates/prometheus.yaml) scrapes every pod annotated
 *   `prometheus.io/scrape: "true"` and writes exactly those labels, and the chart then points
 *   Flagger at it (`-metrics-server=http://flagger-prometheus:9090`, templates/deployment.yaml).
 *   Azure Managed Prometheus needs an Entra bearer token per query, which expires within about
 *   an hour; Flagger's Prometheus provider only reads a static token or basic auth from a Secret,
 *   so it cannot query it without a token-refreshing proxy: one more moving part.
 * - `noCrossNamespaceRefs`: a Canary may only use MetricTemplates and AlertProviders of its own
 *   namespace (flagger controller.go verifyNoCrossNamespaceRefs), so a tenant cannot make Flagger
 *   query with another tenant's MetricTemplate (and the Secret it names).
 * - CRDs: Helm 3 installs the chart's `crds/` on first install and never upgrades them
 *   (`crd.create` is for Helm 2); a chart upgrade that changes the CRDs needs them applied first.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterReference } from "../cluster";
import { managedLabels, podSecurityLabels } from "./labels";

export const FLAGGER_HELM_REPOSITORY = "https://flagger.app";
export const FLAGGER_HELM_CHART = "flagger";
/** The chart (and Flagger) version this platform is tested with. */
export const FLAGGER_CHART_VERSION = "1.44.0";
export const FLAGGER_NAMESPACE = "flagger-system";
export const FLAGGER_RELEASE_NAME = "flagger";
export const FLAGGER_MESH_PROVIDER = "kubernetes";

/** A container security context that Pod Security `restricted` admits. */
export const RESTRICTED_CONTAINER_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 10001,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export interface FlaggerValuesArgs {
  /** How long the bundled Prometheus keeps samples, a Prometheus duration. */
  prometheusRetention: string;
}

/**
 * Values for the `flagger` chart (1.44.x values.yaml and templates). Both containers get a
 * restricted security context: the chart sets Flagger's only partly (read-only root, user 10001)
 * and Prometheus's not at all unless asked (`prometheus.securityContext.enabled`), and the chart
 * puts the context on the container, where every field `restricted` checks may be set.
 */
export function flaggerHelmValues(args: FlaggerValuesArgs): Record<string, unknown> {
  return {
    meshProvider: FLAGGER_MESH_PROVIDER,
    prometheus: { install: true, retention: args.prometheusRetention, securityContext: { enabled: true, context: RESTRICTED_CONTAINER_CONTEXT } },
    securityContext: { enabled: true, context: RESTRICTED_CONTAINER_CONTEXT },
    noCrossNamespaceRefs: true,
    crd: { create: false },
  };
}

export interface FlaggerArgs {
  /** The cluster: its provider, and `ready` (node pools), which the install waits for. */
  cluster: ClusterReference;
  /** `flagger` chart version. Default FLAGGER_CHART_VERSION. */
  version?: string;
  /** Namespace of Flagger and its Prometheus, created here. Default "flagger-system". */
  namespace?: string;
  /** How long the bundled Prometheus keeps samples. Default "2h": canary analyses look back minutes. */
  prometheusRetention?: string;
}

export class Flagger extends pulumi.ComponentResource {
  /** The namespace Flagger and its Prometheus run in; tenants admit ingress from it for scraping. */
  readonly namespace: pulumi.Output<string>;
  /** The Prometheus address MetricTemplates in tenant namespaces use. */
  readonly prometheusAddress: pulumi.Output<string>;
  /** The install: what Canary objects wait for (it brings the CRDs). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: FlaggerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:Flagger", name, {}, opts);
    const ns = args.namespace ?? FLAGGER_NAMESPACE;
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const labels = { ...managedLabels(), "app.kubernetes.io/part-of": "flagger" };

    const namespace = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: ns, labels: { ...labels, ...podSecurityLabels("restricted") } } }, k8sOpts);
    const release = new k8s.helm.v3.Release(
      name,
      {
        name: FLAGGER_RELEASE_NAME,
        chart: FLAGGER_HELM_CHART,
        version: args.version ?? FLAGGER_CHART_VERSION,
        repositoryOpts: { repo: FLAGGER_HELM_REPOSITORY },
        // Reading the name from the Namespace orders the release after it.
        namespace: namespace.metadata.name,
        createNamespace: false,
        values: flaggerHelmValues({ prometheusRetention: args.prometheusRetention ?? "2h" }),
      },
      { ...k8sOpts, dependsOn: [namespace, ...(args.cluster.ready ?? [])] },
    );

    this.namespace = namespace.metadata.name;
    // The chart names the service `<fullname>-prometheus`; fullname is the release name here.
    this.prometheusAddress = pulumi.interpolate`http://${FLAGGER_RELEASE_NAME}-prometheus.${this.namespace}:9090`;
    this.ready = [release];
    this.registerOutputs({ namespace: this.namespace, prometheusAddress: this.prometheusAddress });
  }
}
