/**
 * Audit logs and metrics: the workspaces (PlatformMonitoring), the diagnostic settings' lists,
 * managed Prometheus (ClusterPrometheus: endpoint, rule, association, Flux scrape config, alert
 * rules), and the cluster's metrics addon as an in-place update.
 */
import { ContainerRegistry } from "../components/azure/container-registry";
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { AksCluster } from "../components/azure/aks-cluster";
import { CLUSTER_CREATE_ONLY_INPUTS } from "../components/azure/aks-profiles";
import {
  ClusterPrometheus,
  FLUX_SCRAPE_JOB,
  fluxScrapeConfig,
  platformAlertRules,
  prometheusCollectionName,
  PROMETHEUS_SCRAPE_CONFIG_MAP,
} from "../components/azure/cluster-prometheus";
import { diagnosticSettingLists } from "../components/azure/common";
import { KeyVault } from "../components/azure/key-vault";
import { DEFAULT_CLUSTER_LOG_CATEGORIES, logAnalyticsWorkspaceSettings, PlatformMonitoring } from "../components/azure/monitoring";
import { FLUX_CONTROLLERS } from "../components/kubernetes/flux-install";
import { monitoringArgs } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import { dependsOn, run, TEST_TODAY } from "./helpers";
import { replacements } from "./replacement-check";

const CLUSTER = "azure-native:containerservice:ManagedCluster";
const SETTING = "azure-native:monitor:DiagnosticSetting";
const base = { resourceGroupName: "rg", location: "westeurope" };

test("diagnostic settings: every category and AllMetrics by default (as before), the named categories when given, metrics off on request", () => {
  assert.deepEqual(diagnosticSettingLists({ workspaceId: "w" }), {
    logs: [{ categoryGroup: "allLogs", enabled: true }],
    metrics: [{ category: "AllMetrics", enabled: true }],
  });
  assert.deepEqual(diagnosticSettingLists({ workspaceId: "w", logCategories: ["kube-audit-admin", "guard"], metrics: false }), {
    logs: [
      { category: "kube-audit-admin", enabled: true },
      { category: "guard", enabled: true },
    ],
    metrics: [],
  });
});

test("the Log Analytics workspace: pay-as-you-go, 30 days by default, no shared-key ingestion, a cap only when asked, retention within 30-730", () => {
  const settings = logAnalyticsWorkspaceSettings({});
  assert.deepEqual(settings.sku, { name: "PerGB2018" });
  assert.equal(settings.retentionInDays, 30);
  assert.equal(settings.features.disableLocalAuth, true);
  assert.equal("workspaceCapping" in settings, false);
  assert.deepEqual(logAnalyticsWorkspaceSettings({ retentionDays: 90, dailyCapGb: 2 }).workspaceCapping, { dailyQuotaGb: 2 });
  assert.throws(() => logAnalyticsWorkspaceSettings({ retentionDays: 7 }), /30 to 730/);
  assert.throws(() => logAnalyticsWorkspaceSettings({ dailyCapGb: 0 }), /more than 0/);
});

test("PlatformMonitoring: the workspaces, protected on request; the cluster sends its audit categories to resource-specific tables, the vault AuditEvent", async () => {
  const result = await run(() => {
    const monitoring = new PlatformMonitoring("mon", { ...base, retentionDays: 90, protect: true });
    const aks = new AksCluster("aks", { ...base, diagnostics: monitoring.clusterDiagnostics(), managedPrometheus: true });
    new KeyVault("kv", { ...base, environment: "prod", diagnostics: monitoring.keyVaultDiagnostics() });
    return { name: aks.name };
  });
  const logs = result.one("azure-native:operationalinsights:Workspace");
  assert.equal(logs.values.retentionInDays, 90);
  assert.ok(logs.protect && result.one("azure-native:monitor:AzureMonitorWorkspace").protect);
  const cluster = result.one(CLUSTER);
  const [clusterSetting, vaultSetting] = ["aks-diagnostics", "kv-diagnostics"].map((name) => result.one(SETTING, name));
  assert.equal(clusterSetting.values.resourceUri, cluster.id);
  assert.equal(clusterSetting.values.workspaceId, logs.id);
  assert.deepEqual(
    clusterSetting.values.logs,
    DEFAULT_CLUSTER_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
  );
  assert.ok(!JSON.stringify(clusterSetting.values.logs).includes('"kube-audit"'), "not every read of the API server");
  assert.equal(clusterSetting.values.logAnalyticsDestinationType, "Dedicated");
  assert.deepEqual(vaultSetting.values.logs, [{ category: "AuditEvent", enabled: true }]);
  assert.deepEqual(vaultSetting.values.metrics, [{ category: "AllMetrics", enabled: true }]);
  assert.deepEqual(cluster.values.azureMonitorProfile, { metrics: { enabled: true } });
});

test("PlatformMonitoring without Prometheus has no Azure Monitor workspace", async () => {
  const result = await run(() => new PlatformMonitoring("mon", { ...base, prometheus: false }));
  assert.equal(result.ofType("azure-native:monitor:AzureMonitorWorkspace").length, 0);
  assert.equal(result.ofType("azure-native:operationalinsights:Workspace").length, 1);
});

test("the metrics addon is an in-place cluster update: not create-only, not ignored, no input that replaces the cluster changes", async () => {
  const cluster = (managedPrometheus?: boolean) => run(() => new AksCluster("platform-aks", { ...base, skuTier: "Standard", managedPrometheus }), { stack: "prod" });
  // One after another: the mock engine runs one program at a time.
  const before = await cluster();
  const on = await cluster(true);
  const off = await cluster(false);
  assert.equal("azureMonitorProfile" in before.one(CLUSTER).values, false, "unset leaves the cluster's setting alone");
  assert.deepEqual(off.one(CLUSTER).values.azureMonitorProfile, { metrics: { enabled: false } });
  assert.ok(!(CLUSTER_CREATE_ONLY_INPUTS as readonly string[]).includes("azureMonitorProfile"));
  assert.ok(!on.one(CLUSTER).ignoreChanges.some((path) => path.startsWith("azureMonitorProfile")));
  assert.deepEqual(replacements(before.resources, on.resources), []);
  assert.deepEqual(replacements(on.resources, off.resources), []);
});

test("collection names follow the official template (MSProm-<region>-<cluster>) within ARM's limits, ending on a letter or digit", () => {
  assert.equal(prometheusCollectionName("westeurope", "platform-aks1234", 64), "MSProm-westeurope-platform-aks1234");
  const long = prometheusCollectionName("westeurope", "a-very-long-cluster-name-that-goes-on-and-on", 44);
  assert.equal(long.length <= 44, true);
  assert.match(long, /[A-Za-z0-9]$/);
  // 18 characters of prefix leave 26: 25 x and a "-", which goes.
  assert.equal(prometheusCollectionName("westeurope", "x".repeat(25) + "-tail", 44), `MSProm-westeurope-${"x".repeat(25)}`);
});

test("the Flux scrape job: every Flux controller's pods in the namespace, on http-prom, keeping only the metrics the alerts and queries use", () => {
  const config = parse(fluxScrapeConfig("flux-system")) as { scrape_configs: Record<string, unknown>[] };
  assert.equal(config.scrape_configs.length, 1);
  const job = config.scrape_configs[0] as {
    job_name: string;
    kubernetes_sd_configs: { role: string; namespaces: { names: string[] } }[];
    relabel_configs: { source_labels: string[]; action?: string; regex?: string }[];
    metric_relabel_configs: { action: string; regex: string }[];
  };
  assert.equal(job.job_name, FLUX_SCRAPE_JOB);
  assert.deepEqual(job.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["flux-system"] } }]);
  const keepApp = job.relabel_configs.find((r) => r.action === "keep" && r.source_labels[0] === "__meta_kubernetes_pod_label_app");
  assert.deepEqual(keepApp?.regex?.split("|").sort(), Object.keys(FLUX_CONTROLLERS).sort());
  assert.ok(job.relabel_configs.some((r) => r.action === "keep" && r.regex === "http-prom"));
  assert.ok(job.relabel_configs.some((r) => r.action === "keep" && r.source_labels[0] === "__meta_kubernetes_pod_phase" && r.regex === "Running"));
  const kept = new RegExp(`^(?:${job.metric_relabel_configs[0].regex})$`);
  for (const metric of ["controller_runtime_reconcile_errors_total", "gotk_reconcile_duration_seconds_bucket", "workqueue_depth"]) assert.match(metric, kept);
  for (const metric of ["go_goroutines", "rest_client_requests_total", "gotk_reconcile_condition"]) assert.doesNotMatch(metric, kept);
});

test("alert rules: Flux reconciliations failing for 20 minutes, a Vault pod not ready for 10; none without targets", () => {
  assert.deepEqual(platformAlertRules({}), []);
  const [flux, vault] = platformAlertRules({ fluxNamespace: "flux-system", vault: { namespace: "vault", statefulSet: "vault" } });
  assert.equal(flux.alert, "FluxReconciliationFailing");
  assert.match(flux.expression, /increase\(controller_runtime_reconcile_errors_total\{job="flux-controllers",namespace="flux-system"\}\[10m\]\)\) > 0/);
  assert.equal(flux.for, "PT20M");
  assert.equal(vault.alert, "VaultNotReady");
  assert.equal(
    vault.expression,
    'kube_statefulset_status_replicas_ready{namespace="vault",statefulset="vault"} < kube_statefulset_status_replicas{namespace="vault",statefulset="vault"}',
  );
  assert.equal(vault.severity, 1);
});

test("ClusterPrometheus: the rule sends Prometheus metrics to the workspace, the association ties it to the cluster, Flux is scraped from kube-system's ConfigMap", async () => {
  const workspaceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Monitor/accounts/amw";
  const actionGroup = "/subscriptions/s/resourceGroups/rg/providers/microsoft.insights/actionGroups/oncall";
  const result = await run(() => {
    const aks = new AksCluster("aks", { ...base, managedPrometheus: true });
    new ClusterPrometheus("prom", {
      ...base,
      azureMonitorWorkspaceId: workspaceId,
      cluster: aks,
      fluxNamespace: "flux-system",
      alerts: { fluxNamespace: "flux-system", vault: { namespace: "vault", statefulSet: "vault" } },
      actionGroupIds: [actionGroup],
    });
  });
  const cluster = result.one(CLUSTER);
  const dce = result.one("azure-native:monitor:DataCollectionEndpoint");
  const dcr = result.one("azure-native:monitor:DataCollectionRule");
  const dcra = result.one("azure-native:monitor:DataCollectionRuleAssociation");
  assert.equal(dcr.values.dataCollectionEndpointId, dce.id);
  assert.deepEqual(dcr.values.destinations, { monitoringAccounts: [{ name: "MonitoringAccount1", accountResourceId: workspaceId }] });
  assert.deepEqual(dcr.values.dataFlows, [{ streams: ["Microsoft-PrometheusMetrics"], destinations: ["MonitoringAccount1"] }]);
  assert.equal(dcra.values.resourceUri, cluster.id);
  assert.equal(dcra.values.dataCollectionRuleId, dcr.id);
  assert.ok(dependsOn(result, dcra, cluster) && dependsOn(result, dcra, dcr), "the association comes after the cluster and the rule");
  assert.match(String(dcr.values.dataCollectionRuleName), /^MSProm-westeurope-aks/);
  const configMap = result.one("kubernetes:core/v1:ConfigMap");
  const metadata = configMap.values.metadata as { name: string; namespace: string };
  assert.deepEqual(metadata, { name: PROMETHEUS_SCRAPE_CONFIG_MAP.name, namespace: "kube-system" });
  assert.equal((configMap.values.data as Record<string, string>)[PROMETHEUS_SCRAPE_CONFIG_MAP.key], fluxScrapeConfig("flux-system"));
  const rules = result.one("azure-native:alertsmanagement:PrometheusRuleGroup");
  assert.deepEqual(rules.values.scopes, [workspaceId, cluster.id]);
  assert.equal(rules.values.clusterName, cluster.outputs.name);
  const list = rules.values.rules as { alert: string; actions: { actionGroupId: string }[] }[];
  assert.deepEqual(list.map((r) => r.alert), ["FluxReconciliationFailing", "VaultNotReady"]);
  assert.ok(list.every((r) => r.actions[0].actionGroupId === actionGroup));
});

test("ClusterPrometheus without Flux or alerts: only the collection itself", async () => {
  const result = await run(() => {
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    new ClusterPrometheus("prom", {
      ...base,
      azureMonitorWorkspaceId: "amw",
      cluster: { ...base, id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c", name: "c", oidcIssuerUrl: "https://issuer", provider },
    });
  });
  assert.equal(result.ofType("kubernetes:core/v1:ConfigMap").length, 0);
  assert.equal(result.ofType("azure-native:alertsmanagement:PrometheusRuleGroup").length, 0);
  assert.equal(result.ofType("azure-native:monitor:DataCollectionRuleAssociation").length, 1);
});

test("config: monitoring off in dev, on in prod with 90 days; the platform gets settings only when enabled", () => {
  const parse = (raw: Record<string, unknown>, stack: string) => {
    const result = parsePlatformConfig(raw, stack, { today: TEST_TODAY });
    if (!result.ok) assert.fail(result.problems.join("\n"));
    return result.config;
  };
  const dev = parse({ environment: "dev" }, "dev");
  assert.equal(dev.monitoring.enabled, false);
  assert.equal(monitoringArgs(dev.monitoring), undefined);
  const prod = parse({ environment: "prod", cluster: { authorizedIpRanges: ["203.0.113.0/24"] } }, "prod");
  assert.deepEqual(monitoringArgs(prod.monitoring), {
    retentionDays: 90,
    clusterLogCategories: [...DEFAULT_CLUSTER_LOG_CATEGORIES],
    prometheus: true,
    alertActionGroupIds: [],
  });
  const devOn = parse({ environment: "dev", monitoring: { enabled: true, prometheus: false, dailyCapGb: 1.5 } }, "dev");
  assert.deepEqual(monitoringArgs(devOn.monitoring), { retentionDays: 30, dailyCapGb: 1.5, clusterLogCategories: [...DEFAULT_CLUSTER_LOG_CATEGORIES], prometheus: false, alertActionGroupIds: [] });
});

test("a registry's diagnostic setting: logins and repository events, no metrics, resource-specific tables", async () => {
  const result = await run(() => {
    const monitoring = new PlatformMonitoring("mon", { ...base, prometheus: false });
    new ContainerRegistry("acr", { ...base, purpose: "web", environment: "dev", diagnostics: monitoring.registryDiagnostics() });
    return {};
  });
  const setting = result.one(SETTING, "acr-diagnostics");
  assert.equal(setting.values.resourceUri, result.one("azure-native:containerregistry:Registry").id);
  assert.deepEqual(setting.values.logs, [
    { category: "ContainerRegistryLoginEvents", enabled: true },
    { category: "ContainerRegistryRepositoryEvents", enabled: true },
  ]);
  assert.equal(setting.values.logAnalyticsDestinationType, "Dedicated");
});
