/**
 * What `tenants[].extraApiAccess` may not reach (issue 22, item 8), resource by resource, so each
 * problem lands at the key path of the resource that causes it. tenantRuleEscalation
 * (tenant-policy.ts) already refuses RBAC, escalating verbs and whole API groups; this adds the
 * subresource and wildcard forms RBAC matches beyond what a rule names, and kinds a Role cannot
 * grant. The policy tenant-roles-cannot-escalate asks the same of every Role bound to a tenant.
 */
import { FLUX_API_GROUPS, IMAGE_API_GROUP, PolicyRule, READ_VERBS } from "../components/tenant/namespace-policy";
import { CLUSTER_SCOPED_KINDS } from "../components/kubernetes/api-limits";
import type { ParsedPlatform } from "./config-shape";

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

/**
 * API groups whose objects' status others enforce or trust: core (quota admission enforces a
 * ResourceQuota's status.hard and status.used; a Service's status.loadBalancer is the address
 * others route to) and Flux's (a source's status.artifact is what the appliers download).
 */
const PROTECTED_STATUS_GROUPS: Readonly<Record<string, string>> = {
  "": "core status is what quota admission and other controllers enforce (resourcequotas/status holds the quota's hard and used)",
  ...Object.fromEntries(
    [...FLUX_API_GROUPS, IMAGE_API_GROUP].map((group) => [group, "Flux's controllers write it and trust it (a source's status.artifact is the URL and digest the appliers fetch)"]),
  ),
};

/** The plural resource name RBAC uses for a kind (kubectl api-resources): Namespace -> namespaces, IngressClass -> ingressclasses. */
export function pluralResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/**
 * Resources of cluster-scoped kinds, whatever their group: the deploy rules' kinds, and those of
 * add-ons an AKS cluster may run (Cilium's nodes and identities, CSI snapshots, Gatekeeper).
 */
const CLUSTER_SCOPED_RESOURCES: ReadonlySet<string> = new Set([
  ...[...CLUSTER_SCOPED_KINDS].map(pluralResource),
  "ciliumnodes",
  "ciliumidentities",
  "ciliumexternalworkloads",
  "ciliumloadbalancerippools",
  "ciliumcidrgroups",
  "volumesnapshotclasses",
  "volumesnapshotcontents",
  "constrainttemplates",
]);

/** A problem with one resource of a rule: the index in `resources`, and why. */
export interface ResourceReach {
  index: number;
  message: string;
}

/**
 * Why each resource of `rule` reaches past what a tenant's Role may grant, or [] when none does.
 * RBAC matches `*` against every resource and subresource of the rule's groups, and `*\/name`
 * against that subresource of every resource (ResourceMatches, kubernetes pkg/apis/rbac/v1/
 * evaluation_helpers.go); `pods/*` matches nothing.
 */
export function tenantAccessReach(rule: PolicyRule): ResourceReach[] {
  const writes = rule.verbs.some((verb) => !READ_VERBS.includes(verb));
  const problems: ResourceReach[] = [];
  rule.resources.forEach((resource, index) => {
    const [name, subresource] = resource.split("/");
    const report = (message: string) => problems.push({ index, message });
    if (subresource === "token") {
      report(`"${resource}" mints service account tokens (serviceaccounts/token: any account of the namespace, its Vault role and Azure identity with it); pods get projected tokens without any grant`);
      return;
    }
    if (subresource === "*") {
      report(`"${resource}" matches no subresource: RBAC has no wildcard for them ("*/status" is every resource's status, "*" every resource with all its subresources)`);
      return;
    }
    if (name !== "*" && CLUSTER_SCOPED_RESOURCES.has(name)) {
      report(`"${resource}" is of a cluster-scoped kind: a Role in the tenant's namespace cannot grant it (Kubernetes ignores the rule)`);
      return;
    }
    if (subresource === undefined && name.startsWith("cluster")) {
      report(`"${resource}" is a Cluster* kind, cluster-scoped by convention (clusterroles, clusterissuers, clusterpolicies): a Role in the tenant's namespace cannot grant it`);
      return;
    }
    if (!writes) return;
    for (const group of rule.apiGroups) {
      const why = PROTECTED_STATUS_GROUPS[group];
      if (why === undefined) continue;
      const label = group === "" ? "the core group" : group;
      if (subresource === "status" || (name === "*" && subresource === undefined)) {
        const form = subresource === "status" ? `"${resource}"` : `"*" (every resource of ${label} with its subresources${group === "" ? ", serviceaccounts/token among them" : ""})`;
        report(`${form} in ${label} lets the tenant write status: ${why}; name the kinds themselves, which never match their status`);
        return;
      }
    }
  });
  return problems;
}

export function checkTenantAccess(config: ParsedPlatform, report: Report): void {
  config.tenants.forEach((tenant, i) => {
    tenant.extraApiAccess.forEach((rule, j) => {
      for (const problem of tenantAccessReach(rule)) report(["tenants", i, "extraApiAccess", j, "resources", problem.index], problem.message);
    });
  });
}
