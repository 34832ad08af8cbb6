/**
 * Audit logs: every AKS cluster and Key Vault has a diagnostic setting that sends its audit
 * category somewhere (a Log Analytics workspace, a storage account or an event hub). Mandatory in
 * production, advisory elsewhere (dev may run without, to save the cost).
 *
 * Azure collects no resource log until a diagnostic setting routes it (learn.microsoft.com,
 * "Diagnostic settings in Azure Monitor"): without one, nobody can say afterwards who changed
 * the cluster or read a key. The audit categories: the cluster's `kube-audit-admin` (writes) or
 * `kube-audit` (everything), Key Vault's `AuditEvent`; or a category group that contains them
 * (`audit`, `allLogs`).
 */
import { CheckedResource, Finding, get, ofType, PlatformPolicy, text } from "../types";

const SETTING = "azure-native:monitor:DiagnosticSetting";
const AUDITED = [
  { type: "azure-native:containerservice:ManagedCluster", what: "cluster", categories: ["kube-audit-admin", "kube-audit"] },
  { type: "azure-native:keyvault:Vault", what: "Key Vault", categories: ["AuditEvent"] },
] as const;
const AUDIT_GROUPS = ["audit", "allLogs"];

/** Whether a diagnostic setting has a destination and an enabled log entry among `categories` (or an audit group). */
export function sendsAuditLog(setting: CheckedResource, categories: readonly string[]): boolean {
  const destination = ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"].some((key) => text(get(setting.props, key)) !== "");
  const logs = get(setting.props, "logs");
  const entries = Array.isArray(logs) ? logs : [];
  return (
    destination &&
    entries.some(
      (entry) =>
        get(entry, "enabled") === true &&
        (categories.includes(text(get(entry, "category"))) || AUDIT_GROUPS.some((g) => g.toLowerCase() === text(get(entry, "categoryGroup")).toLowerCase())),
    )
  );
}

/**
 * The resource a diagnostic setting is attached to: the resource of the stack its `resourceUri`
 * was computed from (propertyDependencies, in synth and under CrossGuard, where `resourceUri`, an
 * ARM path parameter, is not among the outputs), else undefined.
 */
function targetsOf(setting: CheckedResource, candidates: readonly CheckedResource[]): CheckedResource[] | undefined {
  const urns = setting.links?.propertyDependencies?.["resourceUri"];
  if (urns === undefined) return undefined;
  return candidates.filter((c) => urns.includes(c.urn));
}

export const auditLogsCollected: PlatformPolicy = {
  name: "audit-logs-collected",
  description: "Every AKS cluster and Key Vault sends its audit log (kube-audit-admin or kube-audit; AuditEvent) through a diagnostic setting (advisory outside production).",
  enforcement: (context) => (context.production ? "mandatory" : "advisory"),
  check: (resources) => {
    const settings = ofType(resources, SETTING);
    const findings: Finding[] = [];
    for (const audited of AUDITED) {
      const targets = ofType(resources, audited.type);
      const linked = settings.map((s) => ({ setting: s, targets: targetsOf(s, targets) }));
      const unlinked = linked.filter((l) => l.targets === undefined).map((l) => l.setting.name);
      for (const target of targets) {
        const covered = linked.some((l) => l.targets?.includes(target) && sendsAuditLog(l.setting, audited.categories));
        if (covered) continue;
        const message =
          unlinked.length > 0
            ? `audit-logs-collected: cannot decide for ${target.name}: diagnostic setting(s) ${unlinked.join(", ")} name no resource (no propertyDependencies for resourceUri)`
            : `${target.name}: no diagnostic setting sends the ${audited.what}'s audit log (${audited.categories.join(" or ")}) to a workspace, storage account or event hub`;
        findings.push({ urn: target.urn, message });
      }
    }
    return findings;
  },
};

export const MONITORING_POLICIES = [auditLogsCollected];
