/**
 * The arguments every Azure component takes, in one place (after Azure Verified Modules' common
 * inputs: location, tags, lock, diagnostic settings), and the lock and diagnostic settings
 * implemented once. A component's Args extend this and may restate a field only to say what it
 * means there (which resources `protect` covers, for example).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as monitor from "@pulumi/azure-native/monitor";

/** Where a component sends its resources' logs and metrics, and which. */
export interface DiagnosticsArgs {
  /** ARM id of the Log Analytics workspace. */
  workspaceId: pulumi.Input<string>;
  /**
   * The resource log categories to send (e.g. `kube-audit-admin` on a cluster, `AuditEvent` on a
   * Key Vault). Default: every category the resource has (`categoryGroup: allLogs`), which on a
   * cluster includes `kube-audit`, every read of the API server: pick categories there.
   */
  logCategories?: string[];
  /** Send the resource's platform metrics (`AllMetrics`) too. Default true. */
  metrics?: boolean;
  /**
   * "Dedicated": resource-specific tables (AKSAuditAdmin, AKSControlPlane, AZKVAuditLogs), typed
   * and cheaper to query; "AzureDiagnostics": the one shared legacy table. Default: ARM's
   * (AzureDiagnostics). Only for resources whose logs have resource-specific tables.
   */
  destinationType?: "Dedicated" | "AzureDiagnostics";
}

export interface AzureComponentArgs {
  /** Resource group of the component's resources. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region, e.g. `westeurope`. */
  location: pulumi.Input<string>;
  /** Azure tags on the component's resources that take tags. Default none. */
  tags?: pulumi.Input<Record<string, string>>;
  /** Protect the component's stateful resources from deletion (each component says which). Default false. */
  protect?: boolean;
  /**
   * An Azure management lock on the component's stateful resource, which holds against anyone in
   * Azure, not only against Pulumi (`protect`): "CanNotDelete" refuses deletion until the lock is
   * removed. A lock holds for the resource's children too: under "CanNotDelete" on a cluster a
   * node pool cannot be deleted (a system pool rotation must lift it first), on a Key Vault no
   * key can be deleted or replaced. ("ReadOnly" also refuses every write, including the ones AKS
   * and Key Vault make to operate: the components that cannot run under it refuse it.)
   * Default none.
   */
  lock?: "CanNotDelete" | "ReadOnly";
  /**
   * Send the component's resource logs (every category, `allLogs`, unless `logCategories` says
   * which) and metrics to a Log Analytics workspace through a diagnostic setting, where the
   * resource has them. Default none.
   */
  diagnostics?: DiagnosticsArgs;
}

/** A lock on `resource` (its ARM id as the scope), or undefined without a level. */
export function resourceLock(
  name: string,
  resource: pulumi.CustomResource & { id: pulumi.Output<string> },
  level: AzureComponentArgs["lock"],
  opts: pulumi.CustomResourceOptions,
): authorization.ManagementLockByScope | undefined {
  if (level === undefined) return undefined;
  return new authorization.ManagementLockByScope(
    `${name}-lock`,
    {
      scope: resource.id,
      lockName: "gitops-platform",
      level,
      notes: "Set by gitops-platform: remove it (pulumi up without the lock) before deleting on purpose.",
    },
    // Deleted before the resource: it depends on the resource, and Pulumi deletes in reverse order.
    { ...opts, dependsOn: [resource] },
  );
}

/**
 * The `logs` and `metrics` lists of a diagnostic setting: the named categories, or every category
 * (`categoryGroup: allLogs`; learn.microsoft.com, "Diagnostic settings in Azure Monitor": category
 * groups), and `AllMetrics` unless metrics are off.
 */
export function diagnosticSettingLists(diagnostics: DiagnosticsArgs) {
  const categories = diagnostics.logCategories;
  const logs = categories && categories.length > 0 ? categories.map((category) => ({ category, enabled: true })) : [{ categoryGroup: "allLogs", enabled: true }];
  const metrics = diagnostics.metrics === false ? [] : [{ category: "AllMetrics", enabled: true }];
  return { logs, metrics };
}

/**
 * A diagnostic setting sending `resource`'s logs and metrics to a workspace (diagnosticSettingLists),
 * or undefined without a workspace.
 */
export function diagnosticSetting(
  name: string,
  resource: pulumi.CustomResource & { id: pulumi.Output<string> },
  diagnostics: DiagnosticsArgs | undefined,
  opts: pulumi.CustomResourceOptions,
): monitor.DiagnosticSetting | undefined {
  if (diagnostics === undefined) return undefined;
  return new monitor.DiagnosticSetting(
    `${name}-diagnostics`,
    {
      name: "gitops-platform",
      resourceUri: resource.id,
      workspaceId: diagnostics.workspaceId,
      ...diagnosticSettingLists(diagnostics),
      ...(diagnostics.destinationType ? { logAnalyticsDestinationType: diagnostics.destinationType } : {}),
    },
    opts,
  );
}
