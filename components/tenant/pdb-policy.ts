/**
 * What a tenant may not set on a PodDisruptionBudget: a budget that can never allow an eviction.
 * AKS drains every node it upgrades through the eviction API, which honours PDBs; a budget that
 * allows no disruption holds the drain until the pool's drain timeout, and the node is then
 * cordoned and left on the old version (AksCluster's upgrade settings, docs/day-two-azure.md).
 * Part of the tenant's workload admission policy (tenantWorkloadPolicy).
 */

/** The request the validation below applies to (a resource rule of a ValidatingAdmissionPolicy). */
export const PDB_RESOURCE_RULE = { apiGroups: ["policy"], apiVersions: ["*"], resources: ["poddisruptionbudgets"], operations: ["CREATE", "UPDATE"] };

/**
 * Refuses the budgets that never allow an eviction whatever the number of pods: `maxUnavailable`
 * 0 (an integer, or a string such as "0" or "0%", leading zeros too: intstr parses them so) and
 * `minAvailable` "100%". Both fields are int-or-string, which CEL sees as either type, so each is
 * compared as its string form. What admission cannot see, a `minAvailable` count equal to the
 * replicas of the workload it selects, is the tenant's to avoid (docs/tenant-admission.md); the
 * upgrade goes on past it all the same (Cordon). Other kinds pass untouched.
 */
export function unsatisfiablePdbValidation(namespace: string) {
  const spec = "object.spec";
  const never = [
    `(has(${spec}.maxUnavailable) && string(${spec}.maxUnavailable).matches('^0+%?$'))`,
    `(has(${spec}.minAvailable) && string(${spec}.minAvailable).matches('^0*100%$'))`,
  ].join(" || ");
  return {
    expression: `request.resource.resource != 'poddisruptionbudgets' || !has(object.spec) || !(${never})`,
    message:
      `PodDisruptionBudgets in ${namespace} must allow at least one eviction (maxUnavailable 0 and minAvailable 100% never do, and would hold every node upgrade); ` +
      `use maxUnavailable 1 (or a percentage above 0), or a minAvailable below the replicas`,
  };
}
