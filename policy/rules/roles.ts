/** Role assignments: workload identities never get broad roles, and say what kind of principal they grant. */
import { get, mandatory, ofType, PlatformPolicy } from "../types";

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";

/** Roles that can do anything to resources or hand out access. */
export const PRIVILEGED_ROLES: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
};

function roleGuid(roleDefinitionId: unknown): string {
  return String(roleDefinitionId ?? "").split("/").pop()!.toLowerCase();
}

export const noPrivilegedRolesForWorkloads: PlatformPolicy = {
  name: "no-privileged-roles-for-workloads",
  description: "Workload identities (managed identities, service principals) never get Owner, Contributor or User Access Administrator.",
  enforcement: mandatory,
  check: (resources) => {
    const identities = new Set(ofType(resources, IDENTITY).map((r) => String(get(r.props, "principalId") ?? "")));
    return ofType(resources, ASSIGNMENT).flatMap((a) => {
      const role = PRIVILEGED_ROLES[roleGuid(get(a.props, "roleDefinitionId"))];
      const principalId = String(get(a.props, "principalId") ?? "");
      const workload = get(a.props, "principalType") === "ServicePrincipal" || identities.has(principalId);
      return role && workload ? [{ urn: a.urn, message: `${a.name}: grants ${role} to a workload identity; grant a narrow built-in role instead` }] : [];
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
