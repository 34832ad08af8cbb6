/**
 * Namespaces: a tenant's is its own, never one the cluster or a platform component owns, and the
 * components' configurable namespaces never share one (issue 22, item 5). What is reserved is
 * derived from the components that are on (names.ts: reservedNamespaces), not kept by hand.
 */
import type { ParsedPlatform } from "./config-shape";
import { claimOn, CLUSTER_NAMESPACES, describeClaim, platformNamespaces, reservedNamespaces } from "./names";

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

/**
 * Tenants against the reserved namespaces. A namespace config sets for a component (with a path)
 * is reported at that key instead (checkFlagger: "is a tenant's namespace"), once.
 */
export function checkNamespaces(config: ParsedPlatform, report: Report): void {
  const reserved = reservedNamespaces(config).filter((claim) => !claim.path);
  config.tenants.forEach((tenant, i) => {
    const namespace = tenant.namespace ?? tenant.name;
    const claim = claimOn(namespace, reserved);
    if (claim) report(["tenants", i, tenant.namespace ? "namespace" : "name"], `"${namespace}" is a system namespace (${describeClaim(claim)}); tenants need their own`);
  });
  checkComponentNamespaces(config, report);
}

/** A component namespace set in config shares none with the cluster's or another component's. */
function checkComponentNamespaces(config: ParsedPlatform, report: Report): void {
  const components = platformNamespaces(config);
  for (const claim of components) {
    if (!claim.path) continue;
    const taken = claimOn(claim.namespace, [...CLUSTER_NAMESPACES, ...components.filter((other) => other !== claim)]);
    if (taken) report(claim.path, `"${claim.namespace}" is a system namespace (${describeClaim(taken)}); ${claim.component ?? "each component"} needs its own`);
  }
}
