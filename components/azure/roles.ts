/** Built-in Azure roles the platform grants, and role assignments in the form ARM expects. */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { sharedInvoke } from "../shared-invoke";
import { BUILT_IN_ROLES, BuiltInRole } from "./role-ids";

export { BUILT_IN_ROLES };
export type { BuiltInRole };

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
}

export interface RoleGrant {
  role: BuiltInRole;
  /** ARM id of what the role applies to: a subscription, group, vault, one key, a cluster. */
  scope: pulumi.Input<string>;
  /**
   * A short name for the scope, which WorkloadIdentity puts in the assignment's logical name
   * (`<identity>-<role>-<scopeName>`): lowercase letters, digits and '-', starting with a
   * letter. Only needed, and then required, when one identity gets the same role on several
   * scopes. Default none: `<identity>-<role>`.
   */
  scopeName?: string;
}

export interface AssignRoleArgs extends RoleGrant {
  principalId: pulumi.Input<string>;
  /** `ServicePrincipal` for managed identities avoids PrincipalNotFound while Entra replicates. */
  principalType?: pulumi.Input<"ServicePrincipal" | "User" | "Group">;
  /** The subscription the role definition lives in; defaults to the caller's. */
  subscriptionId?: pulumi.Input<string>;
}

/** Who runs Pulumi (`getClientConfig`): one invoke per stack and Azure provider, shared. */
export function clientConfig(opts?: pulumi.InvokeOutputOptions): pulumi.Output<authorization.GetClientConfigResult> {
  return sharedInvoke("azure-native:authorization:getClientConfig", authorization.getClientConfigOutput, opts);
}

/** The subscription of the principal running Pulumi. */
export function callerSubscriptionId(opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  return clientConfig(opts).subscriptionId;
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
