/**
 * Tenant-stack deployers (components/azure/tenant-deployer.ts) hold rights in their tenants'
 * namespaces only. An identity tagged as a tenant stack's deployer may be granted only a custom
 * role of the stack whose permissions are data actions on Secrets and custom resources (no Azure
 * action, no wildcard, nothing on Pods, service accounts or their tokens, Roles, RoleBindings or
 * namespaces), each assignment scoped to `<cluster>/namespaces/<ns>` of one of its own
 * namespaces, and custom resources narrowed by the assignment's condition to Flux's kinds.
 * Everything else would let the deployer of one tenant stack reach past its tenants: a
 * cluster-scoped write, another tenant's namespace, the platform's, or the platform's Azure
 * resources.
 */
import { CLUSTER_DATA, conditionCustomResources, namespacesFromTags, parseNamespaceScope, TENANT_DEPLOYER_DATA_ACTIONS, TENANT_STACK_TAG } from "../../components/azure/tenant-deployer-rights";
import { grantees, IDENTITY } from "../links";
import { assignedRoleGuid, CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const ROLE_DEFINITION = "azure-native:authorization:RoleDefinition";
const ALLOWED_DATA_ACTIONS = new Set(TENANT_DEPLOYER_DATA_ACTIONS.map((a) => a.toLowerCase()));
/** The only API groups a tenant deployer's custom resources may be in: Flux's toolkit. */
const FLUX_GROUP = /^[a-z]+\.toolkit\.fluxcd\.io$/;

/** What is wrong with a tenant deployer's role definition, one line per problem. */
export function deployerRoleProblems(definition: CheckedResource): string[] {
  const permissions = get(definition.props, "permissions");
  const list = Array.isArray(permissions) ? permissions : [];
  const problems: string[] = [];
  for (const permission of list) {
    const actions = get(permission, "actions");
    if (Array.isArray(actions) && actions.length > 0) problems.push(`grants Azure control-plane actions (${actions.join(", ")}); a tenant deployer needs none`);
    const dataActions = get(permission, "dataActions");
    for (const action of Array.isArray(dataActions) ? dataActions.map(String) : []) {
      if (!ALLOWED_DATA_ACTIONS.has(action.toLowerCase())) problems.push(`grants ${action}: ${why(action)}`);
    }
  }
  return problems;
}

function why(action: string): string {
  const rest = action.toLowerCase().startsWith(`${CLUSTER_DATA.toLowerCase()}/`) ? action.slice(CLUSTER_DATA.length + 1).toLowerCase() : "";
  if (!rest) return "not a Kubernetes data action of AKS";
  if (rest.includes("*")) return "a wildcard (it would cover Pods, RBAC and service-account tokens)";
  if (/(^|\/)(roles|rolebindings|clusterroles|clusterrolebindings)\//.test(rest) || rest.startsWith("rbac.authorization.k8s.io/")) return "an RBAC write would let the deployer grant itself more";
  if (rest.startsWith("serviceaccounts/")) return "service accounts and their tokens would let the deployer act as the tenant's reconciler";
  if (rest.startsWith("pods/") || rest.startsWith("apps/") || rest.startsWith("batch/")) return "workloads may run as any service account of the namespace (the tenant's reconciler among them)";
  if (rest.startsWith("namespaces/") || rest.startsWith("nodes/") || rest.includes("admissionregistration")) return "cluster-scoped";
  return "not one the tenant side creates (Secrets, Flux's kinds)";
}

function dataActionsOf(definition: CheckedResource): string[] {
  const permissions = get(definition.props, "permissions");
  return (Array.isArray(permissions) ? permissions : []).flatMap((p) => {
    const list = get(p, "dataActions");
    return Array.isArray(list) ? list.map(String) : [];
  });
}

/** A tenant deployer's namespaces, from its identity's tags. */
function taggedNamespaces(identity: CheckedResource): string[] {
  return namespacesFromTags(get(identity.props, "tags") as Record<string, unknown> | undefined);
}

export const tenantDeployerRightsScoped: PlatformPolicy = {
  name: "tenant-deployer-rights-scoped",
  description:
    "A tenant stack's deployer identity is granted only the stack's tenant-deployer role (data actions on Secrets and Flux's kinds, no Azure action), on `<cluster>/namespaces/<ns>` of its own namespaces, with custom resources narrowed to Flux's groups by the assignment's condition.",
  enforcement: mandatory,
  check: (resources) => {
    const deployers = new Map(ofType(resources, IDENTITY).filter((i) => text(get(i.props, "tags", TENANT_STACK_TAG))).map((i) => [i.urn, i]));
    if (deployers.size === 0) return [];
    const definitions = new Map(ofType(resources, ROLE_DEFINITION).map((d) => [text(get(d.props, "roleDefinitionId")).toLowerCase(), d]));
    const granteeOf = grantees(resources);
    const findings: Finding[] = [];
    for (const assignment of ofType(resources, ASSIGNMENT)) {
      const identity = granteeOf(assignment);
      if (!identity || !deployers.has(identity.urn)) continue;
      const stack = text(get(identity.props, "tags", TENANT_STACK_TAG));
      const say = (message: string) => findings.push({ urn: assignment.urn, message: `${assignment.name}: tenant stack ${stack}'s deployer ${message}` });
      const definition = definitions.get(assignedRoleGuid(assignment));
      if (!definition) {
        say(`gets role ${assignedRoleGuid(assignment)}, which is not a custom role of this stack (a built-in role such as AKS RBAC Writer runs Pods as any service account and reads every Secret)`);
      } else {
        for (const problem of deployerRoleProblems(definition)) say(`role ${definition.name} ${problem}`);
      }
      const scope = parseNamespaceScope(text(get(assignment.props, "scope")));
      const own = taggedNamespaces(identity);
      if (!scope) say(`is assigned on ${text(get(assignment.props, "scope")) || "an unknown scope"}, not on a namespace of the cluster (<cluster>/namespaces/<ns>)`);
      else if (!own.includes(scope.namespace)) say(`is assigned on namespace ${scope.namespace}, which is not one of its tenants' (${own.join(", ") || "none"})`);
      if (definition && dataActionsOf(definition).some((a) => a.toLowerCase().includes("/customresources/"))) {
        const kinds = conditionCustomResources(text(get(assignment.props, "condition")));
        if (!kinds) say("may write every custom resource of its namespaces: its assignment needs the condition that admits Flux's kinds only (tenantDeployerCondition)");
        else {
          const foreign = Object.keys(kinds).filter((group) => !FLUX_GROUP.test(group));
          if (foreign.length > 0) say(`may write custom resources of ${foreign.join(", ")}: only Flux's toolkit groups`);
        }
      }
    }
    return findings;
  },
};
