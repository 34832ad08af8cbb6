/** Custom role definitions: a name that no other platform of the Entra tenant can have. */
import { roleNameScopeTag } from "../../components/azure/custom-role";
import { get, mandatory, ofType, PlatformPolicy } from "../types";

const DEFINITION = "azure-native:authorization:RoleDefinition";

/**
 * Every custom role definition's name ends with its scope's tag (customRoleName): names are
 * unique in the whole Entra tenant, so a name made of the environment alone collides with the
 * same environment of another subscription or another platform, and ARM refuses the second
 * definition (RoleDefinitionWithSameNameExists). Values not known yet (a preview) are not judged.
 */
export const customRoleNamesScoped: PlatformPolicy = {
  name: "custom-role-names-scoped",
  description: "Every custom role definition's name carries a tag of the scope it is defined at, so that no other platform of the Entra tenant can take it.",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, DEFINITION).flatMap((definition) => {
      // The scope is a path parameter, which CrossGuard's outputs lack; the one assignable scope is the same id.
      const [name, scope] = [get(definition.props, "roleName"), get(definition.props, "scope") ?? get(definition.props, "assignableScopes", "0")];
      if (typeof name !== "string" || typeof scope !== "string") return [];
      const tag = roleNameScopeTag(scope);
      return name.endsWith(`, ${tag})`)
        ? []
        : [{ urn: definition.urn, message: `role definition "${name}" must end with its scope's tag ", ${tag})" (customRoleName): custom role names are unique in the whole Entra tenant` }];
    }),
};
