/**
 * Flagger (fluxcd/flagger), the progressive delivery operator, as an optional platform add-on:
 * its own namespace with Pod Security `restricted`, the Helm chart pinned, and a Prometheus of its
 * own as the metrics source of canary analysis.
 *
 * Why this setup, on an AKS cluster without a service mesh:
 * - `meshProvider: kubernetes`: Flagger's Kubernetes provider runs blue/green with analysis on
 *   plain Deployments and Services (it creates `<app>-primary` and `<app>-canary` and switches the
 *   apex Service when the analysis passes). It needs nothing in the request path: no Istio add-on,
 *   no ingress controller whose canary annotations Flagger must own, no Gateway API
 *   implementation. Traffic does not shift by weight: the canary gets the load a tester sends
 *   during the analysis, then all traffic at promotion. Where the platform runs the application
 *   routing add-on (docs/ingress.md), a Canary with `spec.provider: nginx` and an `ingressRef`
 *   shifts its Ingress's traffic by weight instead: the provider is per Canary, for metrics too
 *   (flagger pkg/controller/scheduler_metrics.go), so the global one stays `kubernetes` and
 *   tenants without ingress keep blue/green. NGINX's request metrics reach this Prometheus
 *   through the controller pods' `prometheus.io/scrape` annotations.
 * - Metrics: with the Kubernetes provider Flagger's built-in `request-success-rate` and
 *   `request-duration` query the application's own `http_request_duration_seconds` histogram,
 *   labelled `kubernetes_namespace` and `kubernetes_pod_name` (flagger pkg/metrics/observers
 *   http.go, chosen for `kubernetes` in factory.go). A Prometheus here scrapes every pod annotated
 *   `prometheus.io/scrape: "true"` and writes exactly those labels. It is the platform's own, not
 *   the chart's `prometheus.install`: the chart's runs Prometheus 2.41 (2022) and binds it to a
 *   ClusterRole with `nodes/proxy` get (for cAdvisor through the API server), which lets its token
 *   execute commands in any container of any node (Kubernetes docs, kubelet authorization: some
 *   kubelet endpoints upgrade GET to WebSocket). Canary analysis needs pod discovery only.
 *   Azure Managed Prometheus needs an Entra bearer token per query, which expires within about
 *   an hour; Flagger's Prometheus provider only reads a static token or basic auth from a Secret,
 *   so it cannot query it without a token-refreshing proxy: one more moving part.
 * - `noCrossNamespaceRefs`: a Canary may only use MetricTemplates and AlertProviders of its own
 *   namespace (flagger controller.go verifyNoCrossNamespaceRefs), so a tenant cannot make Flagger
 *   query with another tenant's MetricTemplate (and the Secret it names).
 * - CRDs: Helm 3 installs the chart's `crds/` on first install and never upgrades them
 *   (`crd.create` is for Helm 2); a chart upgrade that changes the CRDs needs them applied first.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { stringify } from "yaml";
import type { ClusterReference } from "../cluster";
import { managedLabels, podSecurityLabels } from "./labels";
import type { AddonPeer } from "./network-peers";

export const FLAGGER_HELM_REPOSITORY = "https://flagger.app";
export const FLAGGER_HELM_CHART = "flagger";
/** The chart (and Flagger) version this platform is tested with. */
export const FLAGGER_CHART_VERSION = "1.44.0";
export const FLAGGER_NAMESPACE = "flagger-system";
export const FLAGGER_RELEASE_NAME = "flagger";
export const FLAGGER_MESH_PROVIDER = "kubernetes";
/** Prometheus 3.13, a long-term support release (supported until July 2027). */
export const PROMETHEUS_IMAGE = "quay.io/prometheus/prometheus:v3.13.2";
/** Name of the metrics Service (and of the Prometheus objects) in Flagger's namespace. */
export const PROMETHEUS_NAME = "flagger-prometheus";
export const PROMETHEUS_PORT = 9090;

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
  /** The Prometheus Flagger queries, e.g. `http://flagger-prometheus.flagger-system:9090`. */
  metricsServer: string;
}

/**
 * Values for the `flagger` chart (1.44.x values.yaml and templates/deployment.yaml). The chart
 * sets Flagger's container context only partly (read-only root, user 10001); this one is what
 * Pod Security `restricted` admits, on the container, where every field it checks may be set.
 */
export function flaggerHelmValues(args: FlaggerValuesArgs): Record<string, unknown> {
  return {
    meshProvider: FLAGGER_MESH_PROVIDER,
    metricsServer: args.metricsServer,
    prometheus: { install: false },
    securityContext: { enabled: true, context: RESTRICTED_CONTAINER_CONTEXT },
    noCrossNamespaceRefs: true,
    crd: { create: false },
  };
}

/**
 * prometheus.yml: one job that keeps pods annotated `prometheus.io/scrape: "true"` (port and path
 * from `prometheus.io/port` and `prometheus.io/path`) and labels their samples
 * `kubernetes_namespace` and `kubernetes_pod_name`, the labels Flagger's built-in queries select
 * on, plus the pod's own labels.
 */
export function prometheusConfig(scrapeInterval: string): string {
  const annotation = (name: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${name}`;
  return stringify({
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
    scrape_configs: [
      {
        job_name: "kubernetes-pods",
        kubernetes_sd_configs: [{ role: "pod" }],
        relabel_configs: [
          { source_labels: [annotation("scrape")], action: "keep", regex: "true" },
          { source_labels: [annotation("path")], action: "replace", regex: "(.+)", target_label: "__metrics_path__" },
          { source_labels: ["__address__", annotation("port")], action: "replace", regex: "([^:]+)(?::\\d+)?;(\\d+)", replacement: "$1:$2", target_label: "__address__" },
          { action: "labelmap", regex: "__meta_kubernetes_pod_label_(.+)" },
          { source_labels: ["__meta_kubernetes_namespace"], action: "replace", target_label: "kubernetes_namespace" },
          { source_labels: ["__meta_kubernetes_pod_name"], action: "replace", target_label: "kubernetes_pod_name" },
        ],
      },
    ],
  });
}

/** What Prometheus's pod discovery reads, cluster-wide; nothing else (no nodes, no nodes/proxy). */
export const PROMETHEUS_RULES = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];

/** Flagger's Prometheus keeps samples this long unless told otherwise (FlaggerArgs.prometheusRetention). */
export const FLAGGER_PROMETHEUS_RETENTION = "2h";

export interface FlaggerArgs {
  /** The cluster: its provider, and `ready` (node pools), which the install waits for. */
  cluster: ClusterReference;
  /** `flagger` chart version. Default FLAGGER_CHART_VERSION. */
  version?: string;
  /** Namespace of Flagger and its Prometheus, created here. Default "flagger-system". */
  namespace?: string;
  /** How long Prometheus keeps samples. Default FLAGGER_PROMETHEUS_RETENTION ("2h"): canary analyses look back minutes. */
  prometheusRetention?: string;
  /** Prometheus image. Default PROMETHEUS_IMAGE. */
  prometheusImage?: string;
}

const PROMETHEUS_POD_LABELS = { "app.kubernetes.io/name": PROMETHEUS_NAME };
/** The chart's Flagger pods (templates/deployment.yaml: the chart name and the release). */
const FLAGGER_POD_LABELS = { "app.kubernetes.io/name": "flagger", "app.kubernetes.io/instance": FLAGGER_RELEASE_NAME };

/**
 * The pods tenants admit for canary metrics: the platform's Prometheus alone. Not Flagger: it
 * sends a Canary's webhooks and MetricTemplate queries to whatever address the tenant writes
 * (flagger pkg/controller/webhook.go; noCrossNamespaceRefs checks references, not URLs), so an
 * allow for it would let one tenant's Canary reach any port of another tenant's pods. A tenant
 * that wants a load tester asks for the platform's (`tenants[].flagger.loadTester`), which admits
 * Flagger's pods on its port alone and serves only its own namespace's Canaries.
 */
export function flaggerScraper(namespace: string = FLAGGER_NAMESPACE): AddonPeer {
  return { name: PROMETHEUS_NAME, namespace, podLabels: PROMETHEUS_POD_LABELS };
}

/**
 * Flagger's own pods, which send Canary webhooks: the only peer a tenant's platform-run load
 * tester admits (flagger-loadtester.ts). Never a tenant-wide allowance (see flaggerScraper).
 */
export function flaggerController(namespace: string = FLAGGER_NAMESPACE): AddonPeer {
  return { name: "flagger", namespace, podLabels: FLAGGER_POD_LABELS };
}

/**
 * Ingress in Flagger's namespace: nothing but Flagger querying Prometheus. Without it, any pod of
 * the cluster (a tenant's, with an egress allow of its own) could query every tenant's scraped
 * series and Prometheus's target list.
 */
export function flaggerNamespacePolicies(): { name: string; spec: k8s.types.input.networking.v1.NetworkPolicySpec }[] {
  return [
    { name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } },
    {
      name: "allow-flagger-to-prometheus",
      spec: {
        podSelector: { matchLabels: PROMETHEUS_POD_LABELS },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: { matchLabels: FLAGGER_POD_LABELS } }], ports: [{ protocol: "TCP", port: PROMETHEUS_PORT }] }],
      },
    },
  ];
}

export class Flagger extends pulumi.ComponentResource {
  /** The namespace Flagger and its Prometheus run in; tenants admit ingress from it (scraping, webhooks). */
  readonly namespace: pulumi.Output<string>;
  /** The Prometheus address Flagger and tenants' MetricTemplates use. */
  readonly prometheusAddress: pulumi.Output<string>;
  /** The install: what Canary objects wait for (it brings the CRDs). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: FlaggerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:Flagger", name, {}, opts);
    const ns = args.namespace ?? FLAGGER_NAMESPACE;
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const labels = { ...managedLabels(), "app.kubernetes.io/part-of": "flagger" };

    const namespace = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: ns, labels: { ...labels, ...podSecurityLabels("restricted") } } }, k8sOpts);
    // Reading the name from the Namespace orders every object after it.
    const namespaceName = namespace.metadata.name;
    // From the plain name: the release's values stay known in a preview (policies read them).
    const address = `http://${PROMETHEUS_NAME}.${ns}:${PROMETHEUS_PORT}`;
    this.prometheus(name, args, namespaceName, labels, k8sOpts);
    for (const policy of flaggerNamespacePolicies()) {
      new k8s.networking.v1.NetworkPolicy(`${name}-${policy.name}`, { metadata: { name: policy.name, namespace: namespaceName, labels }, spec: policy.spec }, k8sOpts);
    }

    const release = new k8s.helm.v3.Release(
      name,
      {
        name: FLAGGER_RELEASE_NAME,
        chart: FLAGGER_HELM_CHART,
        version: args.version ?? FLAGGER_CHART_VERSION,
        repositoryOpts: { repo: FLAGGER_HELM_REPOSITORY },
        namespace: namespaceName,
        createNamespace: false,
        values: flaggerHelmValues({ metricsServer: address }),
      },
      { ...k8sOpts, dependsOn: [namespace, ...(args.cluster.ready ?? [])] },
    );

    this.namespace = namespaceName;
    this.prometheusAddress = pulumi.output(address);
    this.ready = [release];
    this.registerOutputs({ namespace: this.namespace, prometheusAddress: this.prometheusAddress });
  }

  /** Prometheus for canary metrics: pod discovery only, a restricted pod, samples on an emptyDir. */
  private prometheus(name: string, args: FlaggerArgs, namespace: pulumi.Output<string>, labels: Record<string, string>, k8sOpts: pulumi.CustomResourceOptions): void {
    const appLabels = PROMETHEUS_POD_LABELS;
    const meta = { name: PROMETHEUS_NAME, namespace, labels: { ...labels, ...appLabels } };
    const account = new k8s.core.v1.ServiceAccount(`${name}-prometheus`, { metadata: meta }, k8sOpts);
    // Cluster-scoped names are global: the namespace keeps two Flagger installs apart.
    const clusterName = pulumi.interpolate`${PROMETHEUS_NAME}-${namespace}`;
    const role = new k8s.rbac.v1.ClusterRole(`${name}-prometheus`, { metadata: { name: clusterName, labels }, rules: PROMETHEUS_RULES }, k8sOpts);
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-prometheus`,
      {
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
      },
      k8sOpts,
    );
    const config = new k8s.core.v1.ConfigMap(`${name}-prometheus`, { metadata: meta, data: { "prometheus.yml": prometheusConfig("10s") } }, k8sOpts);
    new k8s.apps.v1.Deployment(
      `${name}-prometheus`,
      {
        metadata: meta,
        spec: {
          replicas: 1,
          // One writer of the TSDB directory at a time.
          strategy: { type: "Recreate" },
          selector: { matchLabels: appLabels },
          template: {
            metadata: {
              labels: { ...labels, ...appLabels },
              // A new config restarts the pod: Prometheus does not reload it without the lifecycle API.
              annotations: { "checksum/config": configChecksum(prometheusConfig("10s")) },
            },
            spec: {
              serviceAccountName: account.metadata.name,
              securityContext: { runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "prometheus",
                  image: args.prometheusImage ?? PROMETHEUS_IMAGE,
                  args: [
                    "--config.file=/etc/prometheus/prometheus.yml",
                    "--storage.tsdb.path=/prometheus",
                    `--storage.tsdb.retention.time=${args.prometheusRetention ?? FLAGGER_PROMETHEUS_RETENTION}`,
                  ],
                  ports: [{ name: "http", containerPort: PROMETHEUS_PORT }],
                  readinessProbe: { httpGet: { path: "/-/ready", port: PROMETHEUS_PORT } },
                  livenessProbe: { httpGet: { path: "/-/healthy", port: PROMETHEUS_PORT } },
                  resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "1Gi" } },
                  securityContext: { ...RESTRICTED_CONTAINER_CONTEXT, runAsUser: 65534 },
                  volumeMounts: [
                    { name: "config", mountPath: "/etc/prometheus" },
                    { name: "data", mountPath: "/prometheus" },
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "data", emptyDir: {} },
              ],
            },
          },
        },
      },
      { ...k8sOpts, dependsOn: args.cluster.ready ?? [] },
    );
    new k8s.core.v1.Service(
      `${name}-prometheus`,
      { metadata: meta, spec: { selector: appLabels, ports: [{ name: "http", port: PROMETHEUS_PORT, targetPort: PROMETHEUS_PORT }] } },
      k8sOpts,
    );
  }
}

/** A short, stable digest of the config, so that a change rolls the pod. */
function configChecksum(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
