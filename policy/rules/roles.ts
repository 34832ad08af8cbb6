/** Role assignments: workload identities never get broad roles, and say what kind of principal they grant. */
import { BUILT_IN_ROLES } from "../../components/azure/role-ids";
import { federation, grantees, IDENTITY, ownName, unlinkedMessage } from "../links";
import { assignedRoleGuid, CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";
import { AbacExpression, conditionAllows, parseAbacCondition } from "./abac";

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";

/** Roles that can do anything to resources or hand out access. */
export const PRIVILEGED_ROLES: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

/** What Kubernetes puts in a service account token's subject. */
const SERVICE_ACCOUNT_SUBJECT = "system:serviceaccount:";
const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";


/**
 * Who may act as each managed identity of the stack, by principal id: the subjects of its
 * federated credentials, linked to it through policy/links.ts (the credential's plain
 * `resourceName` in synth; under CrossGuard, whose props are outputs without that path
 * parameter, its propertyDependencies). `unlinked` are credentials that name no identity there.
 */
function federationByPrincipal(resources: readonly CheckedResource[]): {
  identities: Map<string, { urn: string; name: string; credentials: { issuer: string; subject: string }[] }>;
  unlinked: CheckedResource[];
} {
  const { byIdentity, unlinked } = federation(resources);
  const identities = new Map<string, { urn: string; name: string; credentials: { issuer: string; subject: string }[] }>();
  for (const identity of ofType(resources, IDENTITY)) {
    const principalId = text(get(identity.props, "principalId"));
    const credentials = (byIdentity.get(identity.urn) ?? []).map((c) => ({ issuer: text(get(c.props, "issuer")), subject: text(get(c.props, "subject")) }));
    if (principalId) identities.set(principalId, { urn: identity.urn, name: ownName(identity, "resourceName"), credentials });
  }
  return { identities, unlinked };
}

/**
 * Workload identities never hold a privileged role. A workload identity is one that code running
 * in the cluster can act as (a managed identity with a federated credential for a Kubernetes
 * service account), or a service principal the stack does not define (it cannot tell what runs
 * as it, so it assumes the worst). A managed identity federated with GitHub Actions is the
 * pipeline, not a workload: the CI deploy identity holds Contributor on the resource group, which
 * is its job. But no privileged identity may be federated with the `pull_request` subject, which
 * every pull request in the repository can present.
 */
export const noPrivilegedRolesForWorkloads: PlatformPolicy = {
  name: "no-privileged-roles-for-workloads",
  description:
    "Workload identities (federated with a Kubernetes service account, or service principals the stack does not define) and identities pull requests can use never get Owner, Contributor, User Access Administrator or Role Based Access Control Administrator.",
  enforcement: mandatory,
  check: (resources) => {
    const { identities, unlinked } = federationByPrincipal(resources);
    const identitiesByUrn = new Map([...identities.values()].map((i) => [i.urn, i]));
    const granteeOf = grantees(resources);
    return ofType(resources, ASSIGNMENT).flatMap((a) => {
      const role = PRIVILEGED_ROLES[assignedRoleGuid(a)];
      if (!role) return [];
      const target = granteeOf(a);
      const identity = target ? identitiesByUrn.get(target.urn) : undefined;
      const workload = identity
        ? identity.credentials.some((c) => c.subject.startsWith(SERVICE_ACCOUNT_SUBJECT))
        : get(a.props, "principalType") === "ServicePrincipal";
      if (workload) return [{ urn: a.urn, message: `${a.name}: grants ${role} to a workload identity; grant a narrow built-in role instead` }];
      // A credential that names no identity may be this identity's, federated with anything.
      if (target && unlinked.length > 0) return [{ urn: a.urn, message: `${a.name}: grants ${role} to identity ${target.name}; ${unlinkedMessage("no-privileged-roles-for-workloads", unlinked)}` }];
      const fromPullRequests = identity?.credentials.find((c) => c.issuer === GITHUB_ACTIONS_ISSUER && c.subject.endsWith(":pull_request"));
      if (fromPullRequests) {
        return [
          {
            urn: a.urn,
            message: `${a.name}: grants ${role} to an identity every pull request can use (${fromPullRequests.subject}); previews get read-only roles`,
          },
        ];
      }
      return [];
    });
  },
};

export const roleAssignmentPrincipalType: PlatformPolicy = {
  name: "role-assignment-principal-type",
  description: "Every role assignment sets principalType (a new identity otherwise fails with PrincipalNotFound while Entra replicates).",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, ASSIGNMENT)
      .filter((a) => typeof get(a.props, "principalType") !== "string")
      .map((a) => ({ urn: a.urn, message: `${a.name}: principalType must be set` })),
};

/** Roles whose holder may create role assignments (Microsoft.Authorization/roleAssignments/write). */
const ROLE_ASSIGNMENT_WRITERS: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUIDS_IN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Probes: a role and a principal that no condition names (checked against the condition's text). */
const PROBE_GUIDS = ["00000000-0000-4000-8000-00000000a001", "00000000-0000-4000-8000-00000000a002", "00000000-0000-4000-8000-00000000a003"];
const PRINCIPAL_TYPES = ["ServicePrincipal", "User", "Group"] as const;

/**
 * What a role-assignment-writing grant's ABAC condition lets its holder do, found by evaluating
 * the condition (policy/rules/abac.ts) for probe assignments: every role the condition or the
 * platform names, the privileged ones, one nobody names; principals of each type; its own
 * principal. The probes stand for every value a real request could carry, because a condition
 * only compares the request's values with the ones it names.
 */
function conditionProblems(name: string, role: string, principalId: string, tree: AbacExpression, text: string, readsNothing: ReadonlySet<string>): Finding[] {
  const named = new Set((text.match(GUIDS_IN) ?? []).map((g) => g.toLowerCase()));
  const [unknownRole, otherPrincipal] = PROBE_GUIDS.filter((g) => !named.has(g) && g !== principalId.toLowerCase());
  const roles = [...new Set([...named, ...Object.values(BUILT_IN_ROLES), ...Object.keys(PRIVILEGED_ROLES), ...Object.keys(ROLE_ASSIGNMENT_WRITERS), unknownRole])];
  const problems: Finding[] = [];
  for (const action of ["write", "delete"] as const) {
    const verb = action === "write" ? "create" : "delete";
    const allows = (roleGuid: string, principal: string, principalType: string) =>
      conditionAllows(tree, { action, roleDefinitionGuid: roleGuid, principalId: principal, principalType });
    const admitted = roles.filter((r) => PRINCIPAL_TYPES.some((t) => allows(r, otherPrincipal, t)));
    const say = (what: string) => problems.push({ message: `${name}: the ${role} condition lets it ${verb} role assignments ${what}` });
    if (admitted.includes(unknownRole)) say("of any role; list the roles it may assign");
    const privileged = admitted.filter((r) => PRIVILEGED_ROLES[r]).map((r) => PRIVILEGED_ROLES[r]);
    if (privileged.length > 0) say(`of ${privileged.join(", ")}`);
    // A group or a person may get only a role that reads and decrypts nothing (readsNothing).
    const types = PRINCIPAL_TYPES.filter((t) => t !== "ServicePrincipal" && admitted.some((r) => !readsNothing.has(r) && allows(r, otherPrincipal, t)));
    if (types.length > 0) say(`for principals of type ${types.join(", ")}; allow only ServicePrincipal`);
    if (admitted.some((r) => PRINCIPAL_TYPES.some((t) => allows(r, principalId, t)))) say(`for its own principal (${principalId}); exclude it`);
  }
  return problems;
}

/**
 * A grant of a role that may write role assignments (Role Based Access Control Administrator,
 * User Access Administrator, Owner) carries a condition that constrains the roles it may assign
 * (none of the privileged ones), the principal types (ServicePrincipal only) and excludes its own
 * principal; otherwise whoever holds it can grant itself anything, as issue 13 showed with the CI
 * deploy identity. Conditions are evaluated, not pattern-matched: a condition the evaluator
 * cannot parse, or a grant whose principal is not known, is reported as undecidable rather than
 * passed. (Under CrossGuard a value still unknown during a preview, such as a condition built
 * from a new identity's principal id, makes the policy SDK's unknown-checking proxy report that
 * the policy cannot run during preview; `up` evaluates it with the real value.)
 */
export const rbacAdministrationConstrained: PlatformPolicy = {
  name: "rbac-administration-constrained",
  description:
    "Grants of Role Based Access Control Administrator, User Access Administrator or Owner carry an ABAC condition that limits them to listed non-privileged roles, to service principals, and never to their own principal.",
  enforcement: mandatory,
  check: (resources) => {
    const readsNothing = rolesThatReadNothing(resources);
    return ofType(resources, ASSIGNMENT).flatMap((a) => {
      const role = ROLE_ASSIGNMENT_WRITERS[assignedRoleGuid(a)];
      if (!role) return [];
      const condition = get(a.props, "condition");
      if (typeof condition !== "string" || condition.trim() === "") {
        return [{ urn: a.urn, message: `${a.name}: grants ${role} without a condition, so it may assign any role to anyone, itself included` }];
      }
      const principalId = text(get(a.props, "principalId"));
      if (!GUID.test(principalId)) return [{ urn: a.urn, message: `${a.name}: cannot decide, its principalId is not a known GUID` }];
      let tree: AbacExpression;
      try {
        tree = parseAbacCondition(condition);
      } catch (error) {
        return [{ urn: a.urn, message: `${a.name}: cannot decide, its condition does not parse (${(error as Error).message})` }];
      }
      return conditionProblems(a.name, role, principalId, tree, condition, readsNothing).map((finding) => ({ ...finding, urn: a.urn }));
    });
  },
};

/**
 * Data actions that reveal nothing: a key's public part and encrypting with it; writing,
 * deleting and recovering a secret and reading its metadata (its name and attributes, never its
 * value: learn.microsoft.com, Key Vault secret data actions). Not getSecret, nor backup, whose
 * file restores into another vault where someone may read it.
 */
const NON_READING_DATA_ACTIONS = new Set([
  "microsoft.keyvault/vaults/keys/read",
  "microsoft.keyvault/vaults/keys/encrypt/action",
  "microsoft.keyvault/vaults/secrets/setsecret/action",
  "microsoft.keyvault/vaults/secrets/readmetadata/action",
  "microsoft.keyvault/vaults/secrets/update/action",
  "microsoft.keyvault/vaults/secrets/delete",
  "microsoft.keyvault/vaults/secrets/recover/action",
]);

/**
 * GUIDs of the custom roles the stack defines that grant no control-plane action and only data
 * actions that read and decrypt nothing (the SOPS encrypt-only role): a condition may let such a
 * role go to groups, whose members gain no access to anything by it.
 */
function rolesThatReadNothing(resources: readonly CheckedResource[]): Set<string> {
  const guids = new Set<string>();
  for (const definition of ofType(resources, "azure-native:authorization:RoleDefinition")) {
    const permissions = get(definition.props, "permissions");
    if (!Array.isArray(permissions) || permissions.length === 0) continue;
    const harmless = permissions.every((p) => {
      const list = (key: string) => (Array.isArray(get(p, key)) ? (get(p, key) as unknown[]).map((x) => String(x).toLowerCase()) : []);
      return list("actions").length === 0 && list("dataActions").every((action) => NON_READING_DATA_ACTIONS.has(action));
    });
    const guid = text(get(definition.props, "roleDefinitionId")) || text(get(definition.props, "name"));
    if (harmless && GUID.test(guid)) guids.add(guid.toLowerCase());
  }
  return guids;
}

export const ROLE_POLICIES = [noPrivilegedRolesForWorkloads, roleAssignmentPrincipalType, rbacAdministrationConstrained];
