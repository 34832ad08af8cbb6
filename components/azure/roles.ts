/** Built-in Azure roles the platform grants, and role assignments in the form ARM expects. */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/** Built-in role definition GUIDs (shared/REFERENCE.md, section 1). */
export const BUILT_IN_ROLES = {
  "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
  "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
  "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
  "Azure Kubernetes Service RBAC Reader": "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
  "Key Vault Reader": "21090545-7ca7-4776-b22c-e363652d74d2",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
} as const;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
}

export interface RoleGrant {
  role: BuiltInRole;
  /** ARM id of what the role applies to: a subscription, group, vault, one key, a cluster. */
  scope: pulumi.Input<string>;
}

export interface AssignRoleArgs extends RoleGrant {
  principalId: pulumi.Input<string>;
  /** `ServicePrincipal` for managed identities avoids PrincipalNotFound while Entra replicates. */
  principalType?: "ServicePrincipal" | "User" | "Group";
  /** The subscription the role definition lives in; defaults to the caller's. */
  subscriptionId?: pulumi.Input<string>;
}

/** The subscription of the principal running Pulumi. */
export function callerSubscriptionId(opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  return authorization.getClientConfigOutput(opts).subscriptionId;
}

export function assignRole(name: string, args: AssignRoleArgs, opts?: pulumi.CustomResourceOptions): authorization.RoleAssignment {
  const subscriptionId = args.subscriptionId ?? callerSubscriptionId({ parent: opts?.parent });
  return new authorization.RoleAssignment(
    name,
    {
      principalId: args.principalId,
      principalType: args.principalType ?? "ServicePrincipal",
      roleDefinitionId: pulumi.output(subscriptionId).apply((sub) => roleDefinitionId(sub, args.role)),
      scope: args.scope,
    },
    opts,
  );
}
