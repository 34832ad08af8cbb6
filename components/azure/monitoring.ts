/**
 * Audit logs and metrics: a Log Analytics workspace for the control-plane and Key Vault audit
 * logs (diagnostic settings), and an Azure Monitor workspace for managed Prometheus. The pieces
 * that need the cluster (the data collection rule, its association, the scrape config and the
 * alert rules) are ClusterPrometheus (cluster-prometheus.ts), created once the cluster exists.
 */
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { AzureComponentArgs, DiagnosticsArgs } from "./common";

/**
 * The AKS control-plane log categories (learn.microsoft.com, "Monitor AKS" reference: resource
 * logs of Microsoft.ContainerService/managedClusters) a diagnostic setting may name.
 */
export const AKS_LOG_CATEGORIES = [
  "kube-audit-admin",
  "kube-audit",
  "guard",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "cluster-autoscaler",
  "cloud-controller-manager",
  "csi-azuredisk-controller",
  "csi-azurefile-controller",
  "csi-snapshot-controller",
] as const;
export type AksLogCategory = (typeof AKS_LOG_CATEGORIES)[number];

/**
 * An audit trail at a sane cost: `kube-audit-admin` is every write to the API server (create,
 * update, patch, delete: who changed what), without the gets, lists and watches that `kube-audit`
 * adds, which controllers and Flux issue all the time and which make it many times larger;
 * `guard` is the Entra ID / Azure RBAC authentication and authorization decisions (who was let
 * in or refused); `cluster-autoscaler` says why nodes came and went. The apiserver, controller
 * manager and scheduler logs are for debugging and can be added when needed.
 */
export const DEFAULT_CLUSTER_LOG_CATEGORIES: readonly AksLogCategory[] = ["kube-audit-admin", "guard", "cluster-autoscaler"];

/** Key Vault's one log category: every data-plane and management call, who made it, from where, and the result. */
/** A registry's audit trail: logins, and pushes, pulls and deletes of repositories. */
export const REGISTRY_LOG_CATEGORIES = ["ContainerRegistryLoginEvents", "ContainerRegistryRepositoryEvents"] as const;

export const KEY_VAULT_LOG_CATEGORIES = ["AuditEvent"] as const;

export interface PlatformMonitoringArgs extends Omit<AzureComponentArgs, "lock" | "diagnostics"> {
  /** Days the Log Analytics workspace keeps logs (30-730; the first 31 days cost nothing extra). Default 30. */
  retentionDays?: number;
  /**
   * A daily ingestion cap in GB for the Log Analytics workspace; past it, collection stops until
   * the next day (audit logs included). Default none.
   */
  dailyCapGb?: number;
  /** Create an Azure Monitor workspace for managed Prometheus. Default true. */
  prometheus?: boolean;
  /** Protect the workspaces (the audit log and metrics history) from deletion. Default false. */
  protect?: boolean;
}

export const PLATFORM_MONITORING_DEFAULTS = { retentionDays: 30, prometheus: true } as const;

/** The Log Analytics workspace's inputs besides group, region and tags: pure, for tests. */
export function logAnalyticsWorkspaceSettings(args: Pick<PlatformMonitoringArgs, "retentionDays" | "dailyCapGb">) {
  const retentionDays = args.retentionDays ?? PLATFORM_MONITORING_DEFAULTS.retentionDays;
  if (!Number.isInteger(retentionDays) || retentionDays < 30 || retentionDays > 730) {
    throw new Error(`retentionDays must be a whole number of days from 30 to 730, got ${retentionDays}`);
  }
  if (args.dailyCapGb !== undefined && !(args.dailyCapGb > 0)) throw new Error(`dailyCapGb must be more than 0, got ${args.dailyCapGb}`);
  return {
    // Pay-as-you-go per GB ingested, the SKU every new workspace gets (learn.microsoft.com,
    // "Azure Monitor Logs pricing details").
    sku: { name: "PerGB2018" },
    retentionInDays: retentionDays,
    ...(args.dailyCapGb !== undefined ? { workspaceCapping: { dailyQuotaGb: args.dailyCapGb } } : {}),
    features: {
      // No shared-key ingestion: diagnostic settings and the Azure Monitor agent use Entra ID.
      disableLocalAuth: true,
      // Readers of the cluster's or the vault's logs need rights on that resource, not the whole workspace.
      enableLogAccessUsingOnlyResourcePermissions: true,
    },
  };
}

export class PlatformMonitoring extends pulumi.ComponentResource {
  readonly logAnalytics: operationalinsights.Workspace;
  /** ARM id of the Log Analytics workspace: where diagnostic settings send logs. */
  readonly logAnalyticsWorkspaceId: pulumi.Output<string>;
  /** The Azure Monitor workspace managed Prometheus writes to, when `prometheus`. */
  readonly azureMonitorWorkspace?: monitor.AzureMonitorWorkspace;
  /** ARM id of the Azure Monitor workspace, when `prometheus`. */
  readonly azureMonitorWorkspaceId?: pulumi.Output<string>;

  constructor(name: string, args: PlatformMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:PlatformMonitoring", name, {}, opts);
    const common = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };
    const protect = args.protect ?? false;
    this.logAnalytics = new operationalinsights.Workspace(
      `${name}-logs`,
      { ...common, ...logAnalyticsWorkspaceSettings(args) },
      { parent: this, protect },
    );
    this.logAnalyticsWorkspaceId = this.logAnalytics.id;
    if (args.prometheus ?? PLATFORM_MONITORING_DEFAULTS.prometheus) {
      this.azureMonitorWorkspace = new monitor.AzureMonitorWorkspace(`${name}-metrics`, common, { parent: this, protect });
      this.azureMonitorWorkspaceId = this.azureMonitorWorkspace.id;
    }
    this.registerOutputs({ logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId, azureMonitorWorkspaceId: this.azureMonitorWorkspaceId });
  }

  /**
   * The cluster's diagnostic setting: the given control-plane categories into resource-specific
   * tables (AKSAuditAdmin, AKSControlPlane; learn.microsoft.com, "AKSAuditAdmin" table reference),
   * no platform metrics (managed Prometheus has them, and AKS's platform metrics stay queryable in
   * Azure Monitor without an export).
   */
  clusterDiagnostics(categories: readonly string[] = DEFAULT_CLUSTER_LOG_CATEGORIES): DiagnosticsArgs {
    return { workspaceId: this.logAnalyticsWorkspaceId, logCategories: [...categories], metrics: false, destinationType: "Dedicated" };
  }

  /** The Key Vault's diagnostic setting: AuditEvent into AZKVAuditLogs, and its metrics (availability, latency, saturation). */
  keyVaultDiagnostics(): DiagnosticsArgs {
    return { workspaceId: this.logAnalyticsWorkspaceId, logCategories: [...KEY_VAULT_LOG_CATEGORIES], metrics: true, destinationType: "Dedicated" };
  }

  /**
   * A container registry's diagnostic setting: who logged in, and every push, pull and delete
   * (learn.microsoft.com, "Monitoring Azure Container Registry data reference": categories
   * ContainerRegistryLoginEvents and ContainerRegistryRepositoryEvents, tables of the same names).
   */
  registryDiagnostics(): DiagnosticsArgs {
    return { workspaceId: this.logAnalyticsWorkspaceId, logCategories: [...REGISTRY_LOG_CATEGORIES], metrics: false, destinationType: "Dedicated" };
  }
}
