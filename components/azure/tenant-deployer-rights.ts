/**
 * What a tenant stack's deployer may do, as plain data and a model of how Azure RBAC for
 * Kubernetes decides (no Pulumi imports: policies and tests read it). The model follows
 * kubeguard/guard (authz/providers/azure/rbac/checkaccessreqhelper.go), the authorizer AKS runs:
 * - a namespaced request is checked against the scope `<clusterId>/namespaces/<namespace>`, a
 *   cluster-scoped one against `<clusterId>` (getScope): an assignment on a namespace never
 *   covers a cluster-scoped kind or another namespace;
 * - a kind of a group Azure knows is the data action `managedClusters/[<group>/]<resource>/<verb>`,
 *   a subresource `<resource>/<subresource>/action` (getResourceAndAction), create/update/patch
 *   are `write`;
 * - a custom resource is `managedClusters/customresources/<verb>`, with its group and resource as
 *   request attributes an assignment's ABAC condition can test (getCustomResourceOperationsMap,
 *   setAuthInfoResourceAttributes).
 */

export const CLUSTER_DATA = "Microsoft.ContainerService/managedClusters";

export const DEPLOYER_VERBS = ["read", "write", "delete"] as const;
export type DeployerVerb = (typeof DEPLOYER_VERBS)[number];

/**
 * The custom resources a tenant side creates, by API group: Flux's sources, Kustomizations,
 * HelmReleases, Alerts and Providers (components/kubernetes/flux-manifests.ts, FLUX_API), as the
 * plural resources the API server authorizes (what guard sends as `:kind`).
 */
export const TENANT_DEPLOYER_CUSTOM_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  "source.toolkit.fluxcd.io": ["gitrepositories", "ocirepositories", "helmrepositories", "buckets"],
  "kustomize.toolkit.fluxcd.io": ["kustomizations"],
  "helm.toolkit.fluxcd.io": ["helmreleases"],
  "notification.toolkit.fluxcd.io": ["alerts", "providers"],
};

/**
 * The role's data actions: Secrets (the deploy key's and the webhook addresses'; core group, no
 * group segment) and custom resources (narrowed by the assignment's condition), each read, write
 * and delete. Nothing on Pods, service accounts or their tokens, Roles, RoleBindings, namespaces.
 */
export const TENANT_DEPLOYER_DATA_ACTIONS: readonly string[] = [
  ...DEPLOYER_VERBS.map((verb) => `${CLUSTER_DATA}/secrets/${verb}`),
  ...DEPLOYER_VERBS.map((verb) => `${CLUSTER_DATA}/customresources/${verb}`),
];

/** Tags of a tenant deployer's identity: the stack it deploys, and its namespaces (space-separated), which the policy checks its grants against. */
export const TENANT_STACK_TAG = "gitops-platform-tenant-stack";
export const TENANT_NAMESPACES_TAG = "gitops-platform-tenant-namespaces";

/** Azure's limits on one tag value, and the tags a deployer's namespaces may take (of 50 per resource; the platform's own tags take a few). */
const TAG_VALUE_CHARS = 256;
export const MAX_NAMESPACE_TAGS = 40;

/**
 * A deployer's namespaces as tags: space-separated, in as many tags as 256-character values need
 * (`...-namespaces`, `...-namespaces-2`, ...), so a shard of hundreds of tenants still fits.
 * Undefined when even MAX_NAMESPACE_TAGS tags cannot hold them.
 */
export function namespaceTags(namespaces: readonly string[]): Record<string, string> | undefined {
  const chunks: string[] = [];
  for (const namespace of namespaces) {
    const last = chunks[chunks.length - 1];
    if (last !== undefined && last.length + 1 + namespace.length <= TAG_VALUE_CHARS) chunks[chunks.length - 1] = `${last} ${namespace}`;
    else chunks.push(namespace);
  }
  if (chunks.length > MAX_NAMESPACE_TAGS) return undefined;
  return Object.fromEntries(chunks.map((chunk, i) => [i === 0 ? TENANT_NAMESPACES_TAG : `${TENANT_NAMESPACES_TAG}-${i + 1}`, chunk]));
}

/** The namespaces namespaceTags wrote into a tag map. */
export function namespacesFromTags(tags: Readonly<Record<string, unknown>> | undefined): string[] {
  const keys = Object.keys(tags ?? {}).filter((key) => key === TENANT_NAMESPACES_TAG || new RegExp(`^${TENANT_NAMESPACES_TAG}-\\d+$`).test(key));
  return keys.flatMap((key) => String(tags![key]).split(/\s+/).filter(Boolean));
}

/** The scope of a namespace assignment under Azure RBAC for Kubernetes. */
export function namespaceScope(clusterId: string, namespace: string): string {
  return `${clusterId}/namespaces/${namespace}`;
}

/** `<clusterId>/namespaces/<ns>` split, or undefined for any other scope. */
export function parseNamespaceScope(scope: string): { clusterId: string; namespace: string } | undefined {
  const match = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+)\/namespaces\/([^/]+)$/i.exec(scope);
  return match ? { clusterId: match[1], namespace: match[2] } : undefined;
}

const request = (name: string) => `@Request[${CLUSTER_DATA}/customResources:${name}]`;

/**
 * The ABAC condition of a namespace assignment: custom-resource requests are allowed only for the
 * listed group and resource pairs; the role's other data actions (Secrets) pass unchanged.
 * Format: learn.microsoft.com "Azure role assignment condition format and syntax" (an
 * `!(ActionMatches{...})` per action, OR the constraint; two expressions per parentheses).
 */
export function tenantDeployerCondition(kinds: Readonly<Record<string, readonly string[]>> = TENANT_DEPLOYER_CUSTOM_RESOURCES): string {
  const pairs = Object.entries(kinds).map(
    ([group, resources]) => `(${request("group")} StringEqualsIgnoreCase '${group}'\n   AND ${request("kind")} ForAnyOfAnyValues:StringEqualsIgnoreCase {${resources.map((r) => `'${r}'`).join(", ")}})`,
  );
  const notCustom = DEPLOYER_VERBS.map((verb) => `!(ActionMatches{'${CLUSTER_DATA}/customresources/${verb}'})`).reduce((all, clause) => `(${all}\n  AND ${clause})`);
  const allowed = pairs.reduce((all, pair) => `(${all}\n  OR ${pair})`);
  return `(${notCustom}\n OR ${allowed})`;
}

/**
 * The custom resources a condition of tenantDeployerCondition's form admits (group -> resources,
 * lower-cased), or undefined when there is no condition or it is not of that form (then it
 * cannot be shown to narrow anything).
 */
export function conditionCustomResources(condition: string | undefined): Record<string, string[]> | undefined {
  if (!condition) return undefined;
  const guard = DEPLOYER_VERBS.every((verb) => condition.includes(`!(ActionMatches{'${CLUSTER_DATA}/customresources/${verb}'})`));
  if (!guard) return undefined;
  const pair = new RegExp(
    `${escape(request("group"))} StringEqualsIgnoreCase '([^']+)'\\s+AND ${escape(request("kind"))} ForAnyOfAnyValues:StringEqualsIgnoreCase \\{([^}]*)\\}`,
    "g",
  );
  const kinds: Record<string, string[]> = {};
  for (const match of condition.matchAll(pair)) {
    const resources = match[2].split(",").map((r) => r.trim().replace(/^'|'$/g, "").toLowerCase());
    kinds[match[1].toLowerCase()] = [...(kinds[match[1].toLowerCase()] ?? []), ...resources];
  }
  return Object.keys(kinds).length > 0 ? kinds : undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** API groups of the kinds Azure RBAC names itself (not custom resources): core and the built-in groups. */
function builtInGroup(group: string): boolean {
  return group === "" || group.endsWith(".k8s.io") || ["apps", "batch", "policy", "autoscaling", "extensions", "events", "storage", "discovery"].includes(group);
}

/** One request to the API server, as the authorizer sees it. */
export interface KubernetesRequest {
  verb: DeployerVerb;
  /** "" for the core group. */
  group: string;
  /** The plural resource (`secrets`, `gitrepositories`). */
  resource: string;
  /** A subresource (`exec`, `token`); its action is `<resource>/<subresource>/action`. */
  subresource?: string;
  /** Undefined: a cluster-scoped request. */
  namespace?: string;
}

/** A role assignment as the model needs it: its scope, its role's data actions, its condition. */
export interface KubernetesGrant {
  scope: string;
  dataActions: readonly string[];
  condition?: string;
}

/** The data action guard checks for a request. */
export function requestDataAction(req: KubernetesRequest): string {
  if (req.subresource) return `${CLUSTER_DATA}/${req.group ? `${req.group}/` : ""}${req.resource}/${req.subresource}/action`;
  if (builtInGroup(req.group)) return `${CLUSTER_DATA}/${req.group ? `${req.group}/` : ""}${req.resource}/${req.verb}`;
  return `${CLUSTER_DATA}/customresources/${req.verb}`;
}

/** Whether a data action pattern (`*` wildcards, as in a role definition) covers an action; case-insensitive like ARM. */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map(escape).join(".*")}$`, "i");
  return regex.test(action);
}

/** Whether the grants allow the request (Azure RBAC for Kubernetes, as modelled above), and by which grant. */
export function grantsAllow(grants: readonly KubernetesGrant[], clusterId: string, req: KubernetesRequest): boolean {
  const scope = req.namespace === undefined ? clusterId : namespaceScope(clusterId, req.namespace);
  const action = requestDataAction(req);
  return grants.some((grant) => {
    // An assignment applies to its scope and everything below it.
    const applies = scope.toLowerCase() === grant.scope.toLowerCase() || scope.toLowerCase().startsWith(`${grant.scope.toLowerCase()}/`);
    if (!applies || !grant.dataActions.some((pattern) => covers(pattern, action))) return false;
    if (!action.endsWith(`/customresources/${req.verb}`) || grant.condition === undefined) return true;
    const kinds = conditionCustomResources(grant.condition);
    return kinds?.[req.group.toLowerCase()]?.includes(req.resource.toLowerCase()) ?? false;
  });
}
