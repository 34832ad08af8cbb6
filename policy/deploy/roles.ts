/** Deploy rules for Azure role assignments. */
import { mandatory, ofType, PlatformPolicy } from "../types";

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";

/** A logical name that ends in a list index (`...-contributor-0`): its identity is its position. */
const POSITIONAL_SUFFIX = /-\d{1,3}$/;

/**
 * Role assignments named by their position in a list are renamed when the list is reordered or
 * an entry is inserted. Pulumi creates the renamed resource before it deletes the old one, and
 * ARM refuses a second assignment of the same principal, role and scope with 409
 * RoleAssignmentExists (docs/DESIGN.md, "Runtime facts"), so the update fails half-way.
 */
export const roleAssignmentsNamedByWhatTheyAre: PlatformPolicy = {
  name: "role-assignments-named-by-what-they-are",
  description:
    "No role assignment is told apart from its siblings only by its position in a list: a reorder would create a duplicate assignment, which ARM refuses (409 RoleAssignmentExists).",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, ASSIGNMENT)
      .filter((r) => POSITIONAL_SUFFIX.test(r.name))
      .map((r) => ({
        urn: r.urn,
        message: `role assignment ${r.name} is named by its position in a list; name it by its role and scope so a reorder does not recreate it (409 RoleAssignmentExists)`,
      })),
};
