/**
 * The arguments every Azure component takes, in one place (after Azure Verified Modules' common
 * inputs: location, tags, lock, diagnostic settings), and the lock and diagnostic settings
 * implemented once. A component's Args extend this and may restate a field only to say what it
 * means there (which resources `protect` covers, for example).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as monitor from "@pulumi/azure-native/monitor";

/** Where a component sends its resources' logs and metrics. */
export interface DiagnosticsArgs {
  /** ARM id of the Log Analytics workspace. */
  workspaceId: pulumi.Input<string>;
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
   * Send the component's resource logs (every category: `allLogs`) and metrics to a Log Analytics
   * workspace through a diagnostic setting, where the resource has them. Default none.
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
 * A diagnostic setting sending every log category (`categoryGroup: allLogs`) and all metrics of
 * `resource` to a workspace (learn.microsoft.com, "Diagnostic settings in Azure Monitor": category
 * groups), or undefined without a workspace.
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
      logs: [{ categoryGroup: "allLogs", enabled: true }],
      metrics: [{ category: "AllMetrics", enabled: true }],
    },
    opts,
  );
}
