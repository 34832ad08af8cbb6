/**
 * Namespaces: a tenant's is its own, never one the cluster or a platform component owns, and the
 * components' configurable namespaces never share one (issue 22, item 5). What is reserved is
 * derived from the components that are on (names.ts: reservedNamespaces), not kept by hand.
 */
import type { ParsedPlatform } from "./config-shape";
import { claimOn, CLUSTER_NAMESPACES, platformNamespaces, reservedNamespaces } from "./names";

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

export function checkNamespaces(config: ParsedPlatform, report: Report): void {
  const reserved = reservedNamespaces(config);
  config.tenants.forEach((tenant, i) => {
    const namespace = tenant.namespace ?? tenant.name;
    const claim = claimOn(namespace, reserved);
    if (claim) {
      const what = claim.prefix ? `"${namespace}" starts with "${claim.namespace}": ${claim.owner}` : `"${namespace}" is ${claim.owner}`;
      report(["tenants", i, tenant.namespace ? "namespace" : "name"], `${what}; a tenant's admins and Git content would act inside it: give the tenant a namespace of its own`);
    }
  });
  checkComponentNamespaces(config, report);
}

/** A component namespace set in config shares none with the cluster's or another component's. */
function checkComponentNamespaces(config: ParsedPlatform, report: Report): void {
  const components = platformNamespaces(config);
  for (const claim of components) {
    if (!claim.path) continue;
    const others = [...CLUSTER_NAMESPACES, ...components.filter((other) => other !== claim)];
    const taken = claimOn(claim.namespace, others);
    if (taken) report(claim.path, `"${claim.namespace}" is ${taken.prefix ? `in "${taken.namespace}*", ` : ""}${taken.owner}; each component needs a namespace of its own`);
  }
}
