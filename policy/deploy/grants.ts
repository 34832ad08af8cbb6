/** Deploy rule: a role assignment made in this run is used only after it has propagated. */
import { PROPAGATION_WAIT_TYPE } from "../../components/azure/propagation";
import { ResourceGraph } from "../graph";
import { CheckedResource, mandatory, PlatformPolicy } from "../types";
import { graphOf, isFinding } from "./graph-input";

export const ASSIGNMENT = "azure-native:authorization:RoleAssignment";

/**
 * For a grant, the propagation waits (time.Sleep) that started after it was made, in the order of
 * `resources`. Built once per graph: each wait's own waits are read once and inverted, so asking
 * for every grant costs what the waits wait for, not waits x grants.
 */
export function propagationWaitsAfter(graph: ResourceGraph, resources: readonly CheckedResource[]): (grant: string) => readonly string[] {
  let after: Map<string, string[]> | undefined;
  return (grant) => {
    if (!after) {
      after = new Map();
      for (const wait of resources) {
        if (wait.type !== PROPAGATION_WAIT_TYPE) continue;
        for (const waited of graph.waitsFor(wait.urn)) {
          const list = after.get(waited);
          if (list) list.push(wait.urn);
          else after.set(waited, [wait.urn]);
        }
      }
    }
    return after.get(grant) ?? [];
  };
}

/**
 * ARM answers a role assignment at once, but the data planes that enforce it learn of it minutes
 * later (Key Vault, the AKS Kubernetes authorizer: docs/DESIGN.md "Runtime facts", Azure/AKS#4232), and
 * Pulumi does not retry their 403. So a resource that depends on a grant (it uses it, or the
 * grant was made for it) must also wait for a propagation wait that started after the grant.
 */
export const grantsPropagateBeforeUse: PlatformPolicy = {
  name: "grants-propagate-before-use",
  description:
    "Whatever depends on a role assignment made in the same run also waits for a propagation wait (time.Sleep) that started after it: Azure data planes refuse the grant for minutes, and Pulumi does not retry a 403.",
  enforcement: mandatory,
  check: (resources) => {
    const graph = graphOf(resources, "grants-propagate-before-use");
    if (isFinding(graph)) return [graph];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const waitsAfter = propagationWaitsAfter(graph, resources);
    const findings = [];
    for (const user of resources) {
      if (!user.links?.custom || user.type === ASSIGNMENT || user.type === PROPAGATION_WAIT_TYPE) continue;
      for (const dep of graph.directDependencies(user.urn)) {
        const grant = byUrn.get(dep);
        if (grant?.type !== ASSIGNMENT) continue;
        if (waitsAfter(grant.urn).some((wait) => graph.waits(user.urn, wait))) continue;
        findings.push({
          urn: user.urn,
          message: `${user.name} uses role assignment ${grant.name} as soon as it exists; wait for its propagation first (a time.Sleep after the grant)`,
        });
      }
    }
    return findings;
  },
};
