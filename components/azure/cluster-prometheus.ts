/**
 * Managed Prometheus for one AKS cluster, the set the official template creates
 * (Azure/prometheus-collector AddonBicepTemplate/FullAzureMonitorMetricsProfile.bicep): a data
 * collection endpoint and a data collection rule that forwards the `Microsoft-PrometheusMetrics`
 * stream to the Azure Monitor workspace, and the rule's association with the cluster, which is
 * how the metrics addon finds where to send. The addon itself is the cluster's
 * `azureMonitorProfile.metrics` (AksCluster `managedPrometheus`), an in-place cluster update.
 *
 * Besides the default targets (kubelet, cAdvisor, node exporter, kube-state-metrics), the addon
 * scrapes what `ama-metrics-prometheus-config` in kube-system lists (learn.microsoft.com,
 * "Customize scraping of Prometheus metrics in Azure Monitor": none of its ConfigMaps exists by
 * default, the addon reads them within minutes): here Flux's controllers. And a Prometheus rule
 * group alerts on failing Flux reconciliations and on a Vault that is sealed or down.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as alertsmanagement from "@pulumi/azure-native/alertsmanagement";
import * as monitor from "@pulumi/azure-native/monitor";
import { stringify } from "yaml";
import type { ClusterReference } from "../cluster";
import { FLUX_CONTROLLERS } from "../kubernetes/flux-install";

/** The ConfigMap the metrics addon reads custom scrape jobs from (its ReplicaSet, cluster-wide targets). */
export const PROMETHEUS_SCRAPE_CONFIG_MAP = { namespace: "kube-system", name: "ama-metrics-prometheus-config", key: "prometheus-config" } as const;

/** The scrape job of Flux's controllers. */
export const FLUX_SCRAPE_JOB = "flux-controllers";

/**
 * The Flux metrics worth paying for: the reconcile duration histogram per object and the
 * controller-runtime counters (reconciles by result, errors) that say a reconciliation failed.
 * Flux 2.8 no longer exports `gotk_reconcile_condition` (fluxcd.io, "Flux Prometheus metrics":
 * object state comes from kube-state-metrics' custom resource config, which the addon's
 * kube-state-metrics does not take); everything else the controllers export (Go runtime, REST
 * client, workqueue internals) is dropped before ingestion, which is billed per sample.
 */
export const FLUX_KEPT_METRICS = "gotk_reconcile_duration_seconds.*|controller_runtime_reconcile_total|controller_runtime_reconcile_errors_total|workqueue_depth";

/**
 * The name the official template and the Azure CLI give the endpoint and the rule,
 * `MSProm-<region>-<cluster>`, cut to ARM's limit (44 for an endpoint, 64 for a rule) without a
 * trailing non-alphanumeric character (azure-cli acs/azuremonitormetrics defaults.py). AKS does not
 * need the name: it finds the rule through the association. The portal and the CLI's
 * `--disable-azure-monitor-metrics` look for these names, so they are kept.
 */
export function prometheusCollectionName(location: string, clusterName: string, maxLength: 44 | 64): string {
  const name = `MSProm-${location}-${clusterName}`.replace(/_/g, "").slice(0, maxLength);
  return name.replace(/[^A-Za-z0-9]+$/, "");
}

/**
 * The scrape config (Prometheus `scrape_configs`) for Flux's controllers in `namespace`: every pod
 * of a Flux controller (the flux2 chart labels them `app: <controller>`, as Flux's own manifests
 * do) on its `http-prom` port (8080, the chart's controller templates). The chart's `allow-scraping`
 * NetworkPolicy lets every namespace reach port 8080 in flux-system (charts/flux2/templates/
 * policies.yaml, chart 2.18.x), so the addon in kube-system gets through.
 */
export function fluxScrapeConfig(namespace: string): string {
  const controllers = Object.keys(FLUX_CONTROLLERS).join("|");
  return stringify({
    scrape_configs: [
      {
        job_name: FLUX_SCRAPE_JOB,
        scrape_interval: "30s",
        kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
        relabel_configs: [
          { source_labels: ["__meta_kubernetes_pod_label_app"], action: "keep", regex: controllers },
          { source_labels: ["__meta_kubernetes_pod_container_port_name"], action: "keep", regex: "http-prom" },
          // Only running pods: an old pod of a rollout that is still listed would fail its scrape.
          { source_labels: ["__meta_kubernetes_pod_phase"], action: "keep", regex: "Running" },
          { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
          { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
          { source_labels: ["__meta_kubernetes_pod_label_app"], target_label: "app" },
        ],
        metric_relabel_configs: [{ source_labels: ["__name__"], action: "keep", regex: FLUX_KEPT_METRICS }],
      },
    ],
  });
}

/** What the alert rules watch. */
export interface PlatformAlertsArgs {
  /** Flux's namespace; alerts on its controllers' failing reconciliations. Undefined: no Flux alert. */
  fluxNamespace?: string;
  /** Vault's StatefulSet; alerts when fewer of its pods are ready than it has. Undefined: no Vault alert. */
  vault?: { namespace: string; statefulSet: string };
}

/**
 * The alert rules (Prometheus rule syntax, as PrometheusRuleGroup takes it). Flux: a controller
 * whose reconciliations keep failing; each failed attempt counts once in
 * controller_runtime_reconcile_errors_total, and a failing object is retried at its retry
 * interval, so errors in two consecutive 10-minute windows mean it did not recover. Vault: the
 * chart's readiness probe is `/v1/sys/health?standbyok=true`, which answers 503 while a server is
 * sealed, so a sealed, uninitialised-and-stuck or crashed pod shows as not ready in
 * kube-state-metrics (`kube_statefulset_status_replicas_ready`, in the addon's minimal ingestion
 * profile); 10 minutes leaves room for the rollout Job's restarts, one pod at a time.
 */
export function platformAlertRules(args: PlatformAlertsArgs) {
  const rules = [];
  if (args.fluxNamespace !== undefined) {
    rules.push({
      alert: "FluxReconciliationFailing",
      expression: `sum by (cluster, app) (increase(controller_runtime_reconcile_errors_total{job="${FLUX_SCRAPE_JOB}",namespace="${args.fluxNamespace}"}[10m])) > 0`,
      for: "PT20M",
      severity: 2,
      annotations: { description: "A Flux controller ({{ $labels.app }}) keeps failing reconciliations: run flux get all -A --status-selector ready=false" },
    });
  }
  if (args.vault !== undefined) {
    const selector = `{namespace="${args.vault.namespace}",statefulset="${args.vault.statefulSet}"}`;
    rules.push({
      alert: "VaultNotReady",
      expression: `kube_statefulset_status_replicas_ready${selector} < kube_statefulset_status_replicas${selector}`,
      for: "PT10M",
      severity: 1,
      annotations: { description: "A Vault server is not ready (sealed, not initialised or down): kubectl -n vault get pods; vault status" },
    });
  }
  return rules.map((rule) => ({ ...rule, enabled: true, resolveConfiguration: { autoResolved: true, timeToResolve: "PT10M" } }));
}

export interface ClusterPrometheusArgs {
  /** Resource group of the endpoint, the rule and the alert rules. */
  resourceGroupName: pulumi.Input<string>;
  /** Region of the Azure Monitor workspace (the endpoint and rule live there). */
  location: string;
  tags?: pulumi.Input<Record<string, string>>;
  /** ARM id of the Azure Monitor workspace. */
  azureMonitorWorkspaceId: pulumi.Input<string>;
  /** The cluster, with managed Prometheus on (`azureMonitorProfile.metrics.enabled`), and its ARM id. */
  cluster: ClusterReference & { id: pulumi.Input<string> };
  /** Scrape Flux's controllers in this namespace. Default: no Flux scrape job. */
  fluxNamespace?: string;
  /** Alert rules (platformAlertRules); default none. */
  alerts?: PlatformAlertsArgs;
  /** Action groups the alerts notify (ARM ids). Default none: alerts show in Azure Monitor only. */
  actionGroupIds?: pulumi.Input<string>[];
}

export class ClusterPrometheus extends pulumi.ComponentResource {
  readonly dataCollectionEndpoint: monitor.DataCollectionEndpoint;
  readonly dataCollectionRule: monitor.DataCollectionRule;
  readonly association: monitor.DataCollectionRuleAssociation;
  readonly scrapeConfig?: k8s.core.v1.ConfigMap;
  readonly alertRules?: alertsmanagement.PrometheusRuleGroup;

  constructor(name: string, args: ClusterPrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:ClusterPrometheus", name, {}, opts);
    const child = { parent: this };
    const clusterName = pulumi.output(args.cluster.name);
    const common = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };

    this.dataCollectionEndpoint = new monitor.DataCollectionEndpoint(
      `${name}-dce`,
      { ...common, dataCollectionEndpointName: clusterName.apply((c) => prometheusCollectionName(args.location, c, 44)), kind: "Linux" },
      child,
    );
    this.dataCollectionRule = new monitor.DataCollectionRule(
      `${name}-dcr`,
      {
        ...common,
        dataCollectionRuleName: clusterName.apply((c) => prometheusCollectionName(args.location, c, 64)),
        kind: "Linux",
        description: "Managed Prometheus of the gitops-platform cluster",
        dataCollectionEndpointId: this.dataCollectionEndpoint.id,
        dataSources: { prometheusForwarder: [{ name: "PrometheusDataSource", streams: ["Microsoft-PrometheusMetrics"], labelIncludeFilter: {} }] },
        destinations: { monitoringAccounts: [{ name: "MonitoringAccount1", accountResourceId: args.azureMonitorWorkspaceId }] },
        dataFlows: [{ streams: ["Microsoft-PrometheusMetrics"], destinations: ["MonitoringAccount1"] }],
      },
      child,
    );
    // After the cluster (its id): `az aks create --enable-azure-monitor-metrics` also creates the
    // association once the cluster exists (azure-cli ensure_azure_monitor_profile_prerequisites,
    // create flow); the addon waits for it. Deleting it stops the collection.
    this.association = new monitor.DataCollectionRuleAssociation(
      `${name}-dcra`,
      {
        resourceUri: args.cluster.id,
        associationName: pulumi.output(args.cluster.location).apply((l) => clusterName.apply((c) => prometheusCollectionName(l, c, 64))),
        dataCollectionRuleId: this.dataCollectionRule.id,
        description: "Association of data collection rule. Deleting this association will break the data collection for this AKS Cluster.",
      },
      child,
    );

    if (args.fluxNamespace !== undefined) {
      // kube-system exists in every cluster; the addon merges this job into its own config. The
      // platform owns this ConfigMap: one made by hand before fails the create ("already exists")
      // and has to be deleted, its jobs moved here, first.
      this.scrapeConfig = new k8s.core.v1.ConfigMap(
        `${name}-scrape-config`,
        {
          metadata: { name: PROMETHEUS_SCRAPE_CONFIG_MAP.name, namespace: PROMETHEUS_SCRAPE_CONFIG_MAP.namespace },
          data: { [PROMETHEUS_SCRAPE_CONFIG_MAP.key]: fluxScrapeConfig(args.fluxNamespace) },
        },
        { ...child, provider: args.cluster.provider },
      );
    }

    const rules = platformAlertRules(args.alerts ?? {});
    if (rules.length > 0) {
      const actions = (args.actionGroupIds ?? []).map((actionGroupId) => ({ actionGroupId }));
      this.alertRules = new alertsmanagement.PrometheusRuleGroup(
        `${name}-alerts`,
        {
          ...common,
          description: "gitops-platform: Flux reconciliations and Vault health",
          // Evaluated against the workspace, on this cluster's series only (their `cluster` label).
          scopes: [args.azureMonitorWorkspaceId, args.cluster.id],
          clusterName,
          interval: "PT1M",
          rules: rules.map((rule) => ({ ...rule, actions })),
        },
        { ...child, dependsOn: [this.association] },
      );
    }
    this.registerOutputs({});
  }
}
