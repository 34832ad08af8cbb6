/** Role assignments: workload identities never get broad roles, and say what kind of principal they grant. */
import { federation, grantee, IDENTITY, ownName, unlinkedMessage } from "../links";
import { CheckedResource, get, mandatory, ofType, PlatformPolicy } from "../types";

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

function roleGuid(roleDefinitionId: unknown): string {
  return String(roleDefinitionId ?? "").split("/").pop()!.toLowerCase();
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

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
    return ofType(resources, ASSIGNMENT).flatMap((a) => {
      const role = PRIVILEGED_ROLES[roleGuid(get(a.props, "roleDefinitionId"))];
      if (!role) return [];
      const target = grantee(a, resources);
      const identity = target ? [...identities.values()].find((i) => i.urn === target.urn) : undefined;
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

export const ROLE_POLICIES = [noPrivilegedRolesForWorkloads, roleAssignmentPrincipalType];
