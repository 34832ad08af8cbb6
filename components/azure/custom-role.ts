/**
 * Custom Azure roles of the platform that grant data actions only, in one resource group: the
 * SOPS encrypt-only role and the Key Vault secrets write-only role. Each is defined once per
 * resource group with a GUID derived from the group's id, so it is known before anything exists
 * (the CI deploy identity's role-assignment condition names it), stable across runs, and unique
 * in the Entra tenant (role definition ids are tenant-wide).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { propagationWait } from "./propagation";
import { callerSubscriptionId } from "./roles";

/** An RFC 4122 version 5 (SHA-1, name-based) UUID: the same name always gives the same id. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 4122's URL namespace. */
const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

/** A platform role's GUID in a resource group: `gitops-platform/<key><resource group id, lower-cased>`. */
export function customRoleGuid(key: string, resourceGroupId: string): string {
  return uuidV5(`gitops-platform/${key}${resourceGroupId.toLowerCase()}`, URL_NAMESPACE);
}

/** The most of a resource group's name that goes into a role's name (ARM allows 90; role names stay well under 128). */
const ROLE_NAME_GROUP_CHARS = 40;

/**
 * A platform role's display name: its base name, the environment, the resource group it is
 * defined in and a short hash of that group's ARM id (`... (dev, rg-gitops-dev, 1a2b3c4d)`).
 * Custom role names are unique in the whole Entra tenant, across its subscriptions
 * (learn.microsoft.com/azure/role-based-access-control/custom-roles, "Custom role properties"),
 * so a second platform, or the same environment in another subscription, needs a name of its
 * own: the hash covers the subscription, the group name is for the reader. At most
 * 128 characters (the limit the docs gave before they raised it to 512).
 *
 * A new name is an in-place update of the definition: only its id (the GUID, customRoleGuid)
 * and its scope are part of its ARM address (`{scope}/providers/Microsoft.Authorization/
 * roleDefinitions/{roleDefinitionId}`), which azure-native replaces on; `roleName` is a body
 * property without create-only mutability (Azure/bicep-types-az, microsoft.authorization
 * 2022-05-01-preview: only `name` is DeployTimeConstant), so existing assignments keep their role.
 */
export function customRoleName(baseName: string, environment: string, resourceGroupId: string): string {
  const group = /\/resourceGroups\/([^/]+)/i.exec(resourceGroupId)?.[1] ?? resourceGroupId;
  return `${baseName} (${environment}, ${group.slice(0, ROLE_NAME_GROUP_CHARS)}, ${roleNameScopeTag(resourceGroupId)})`;
}

/** The last part of a role's name: 8 hex digits of the SHA-256 of its scope's ARM id, lower-cased (ARM ids compare case-insensitively). */
export function roleNameScopeTag(scopeId: string): string {
  return createHash("sha256").update(scopeId.toLowerCase()).digest("hex").slice(0, 8);
}

export interface CustomRoleArgs {
  /** ARM id of the resource group: the role's scope and only assignable scope. */
  resourceGroupId: pulumi.Input<string>;
  /** Environment name, in the role's name with the resource group (customRoleName). */
  environment: string;
  /** How long the new definition takes to reach every ARM region (a Go duration). Default DEFAULT_PROPAGATION_WAIT. */
  propagationWait?: string;
}

/** What one role is: the key of its GUID, its base name (customRoleName adds where it is), its description and data actions. */
export interface DataActionsRoleSpec {
  guidKey: string;
  roleName: string;
  description: string;
  dataActions: readonly string[];
}

/**
 * A data-actions-only role in one resource group: its definition (named like the component) and a
 * propagation wait (`<name>-wait`). Creating a definition needs
 * `Microsoft.Authorization/roleDefinitions/write` (Owner or User Access Administrator, not
 * Contributor nor Role Based Access Control Administrator), so the first `up` that needs one is a
 * person's. Azure replicates a new definition like an assignment: an assignment of it made at once
 * can fail with RoleDefinitionDoesNotExist, so assignments wait for `ready`.
 */
export abstract class DataActionsRole extends pulumi.ComponentResource {
  readonly definition: authorization.RoleDefinition;
  /** The definition's ARM id, what role assignments name. */
  readonly id: pulumi.Output<string>;
  /** The role's GUID (the last segment of `id`). */
  readonly guid: pulumi.Output<string>;
  /** What assignments of the role wait for. */
  readonly ready: pulumi.Resource[];

  protected constructor(type: string, name: string, spec: DataActionsRoleSpec, args: CustomRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    const scope = pulumi.output(args.resourceGroupId);
    this.guid = scope.apply((id) => customRoleGuid(spec.guidKey, id));
    this.definition = new authorization.RoleDefinition(
      name,
      {
        scope,
        roleDefinitionId: this.guid,
        roleName: scope.apply((id) => customRoleName(spec.roleName, args.environment, id)),
        description: spec.description,
        assignableScopes: [scope],
        permissions: [{ actions: [], notActions: [], dataActions: [...spec.dataActions], notDataActions: [] }],
      },
      { parent: this },
    );
    this.id = this.definition.id;
    this.ready = [propagationWait(`${name}-wait`, { definition: this.definition }, { parent: this, duration: args.propagationWait })];
    this.registerOutputs({ id: this.id, guid: this.guid });
  }
}

/**
 * Assigns a platform custom role (its GUID, and what assignments wait for: DataActionsRole.ready)
 * to Entra groups on one scope, one assignment per group named `<prefix>-<group id, lower-cased>`
 * (Entra matches object ids case-insensitively, so the name stays stable whatever the case).
 */
export function assignToGroups(
  prefix: string,
  role: { guid: pulumi.Input<string>; ready: pulumi.Resource[] },
  groups: readonly string[],
  scope: pulumi.Input<string>,
  parent: pulumi.Resource,
): Record<string, authorization.RoleAssignment> {
  const assignments: Record<string, authorization.RoleAssignment> = {};
  const unique = [...new Set(groups.map((id) => id.toLowerCase()))];
  if (unique.length === 0) return assignments;
  const subscriptionId = callerSubscriptionId({ parent });
  for (const group of unique) {
    assignments[group] = new authorization.RoleAssignment(
      `${prefix}-${group}`,
      {
        principalId: group,
        principalType: "Group",
        roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`,
        scope,
      },
      { parent, dependsOn: role.ready },
    );
  }
  return assignments;
}

/**
 * Assigns a platform custom role to one service principal on `scope`, once the definition has
 * propagated (DataActionsRole.ready).
 */
export function assignCustomRole(
  name: string,
  role: { guid: pulumi.Input<string>; ready: pulumi.Resource[] },
  principalId: pulumi.Input<string>,
  scope: pulumi.Input<string>,
  opts: { parent: pulumi.Resource },
): authorization.RoleAssignment {
  const subscriptionId = callerSubscriptionId({ parent: opts.parent });
  return new authorization.RoleAssignment(
    name,
    {
      principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`,
      scope,
    },
    { parent: opts.parent, dependsOn: role.ready },
  );
}
