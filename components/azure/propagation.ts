/**
 * Waiting for Azure role assignments to take effect. ARM answers a role assignment PUT at once,
 * but the data planes that check it (Key Vault, the AKS Kubernetes authorizer, the network
 * resource provider) learn of it minutes later, and until then refuse the principal with 403.
 * Pulumi does not retry a 403, so anything that uses a grant made in the same run must wait.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as time from "@pulumiverse/time";

/**
 * How long to wait, as a Go duration (what time.Sleep takes). Microsoft documents up to about
 * five minutes for Azure RBAC for Kubernetes authorization and for Key Vault's RBAC data plane
 * under current load (learn.microsoft.com: "Use Azure RBAC for Kubernetes Authorization";
 * "Provide access to Key Vault keys, certificates, and secrets with Azure RBAC", known limits),
 * with reports of longer (Azure/AKS#4232). A wait too short fails the first `up` with 403; a
 * second `up` then succeeds, because the wait (a resource) already exists.
 */
export const DEFAULT_PROPAGATION_WAIT = "5m";

/** The type token of the wait, which the deploy rules look for. */
export const PROPAGATION_WAIT_TYPE = "time:index/sleep:Sleep";

/**
 * A wait that starts once every grant exists and ends `duration` later. The grants' ids are its
 * triggers (keyed by what each grant is, not by position), so a replaced grant (new id) makes a
 * new wait; on later runs nothing waits. A grant is a role assignment, or a role definition,
 * which Azure replicates the same way before it can be assigned.
 */
export function propagationWait(
  name: string,
  grants: Readonly<Record<string, authorization.RoleAssignment | authorization.RoleDefinition>>,
  opts: pulumi.CustomResourceOptions & { duration?: string },
): time.Sleep {
  const { duration, ...resourceOpts } = opts;
  return new time.Sleep(
    name,
    {
      createDuration: duration ?? DEFAULT_PROPAGATION_WAIT,
      triggers: Object.fromEntries(Object.entries(grants).map(([key, grant]) => [key, grant.id])),
    },
    { ...resourceOpts, dependsOn: Object.values(grants) },
  );
}
