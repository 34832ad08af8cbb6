/**
 * Rules of `tenants[].egress` (issue 30, item 3): an allowance opens a block outside the cluster,
 * never the platform's own ranges. Each entry's block minus its `except` must miss:
 * - link-local 169.254.0.0/16, which holds the instance metadata address 169.254.169.254 (the
 *   node's identity tokens) - the tenant workload policy refuses a NetworkPolicy that opens it too;
 * - Azure's platform address 168.63.129.16 (wire server, DNS, health probes of the host);
 * - the cluster's pod range (other tenants' pods: selectors, not addresses, name pods; Cilium does
 *   not match pod or node addresses against ipBlocks anyway), its service range (every tenant's
 *   Services), and the node range (the platform VNet, else the VNet AKS manages, 10.224.0.0/12).
 * So 0.0.0.0/0 is allowed only with every one of those in `except`: the internet, said explicitly.
 */
import { parseCidr, rangesOverlap, type Ipv4Range } from "./cidr";
import type { ParsedPlatform } from "./config-shape";
import { effectiveVnet } from "./environments";

type Report = (path: (string | number)[], message: string) => void;

/** The VNet AKS creates for a cluster without one of its own (its nodes' subnet is 10.224.0.0/16). */
export const AKS_MANAGED_VNET = "10.224.0.0/12";

/** A platform range no tenant allow list may reach, and why. */
export interface ReservedRange {
  cidr: string;
  what: string;
}

/** The ranges of this stack that a tenant's egress allow list must leave out. */
export function reservedEgressRanges(config: Pick<ParsedPlatform, "environment" | "cluster">): ReservedRange[] {
  const network = config.cluster.network;
  const vnet = effectiveVnet(config.environment, network.vnet);
  return [
    { cidr: "169.254.0.0/16", what: "link-local, with the instance metadata address 169.254.169.254 (the node's identity)" },
    { cidr: "168.63.129.16/32", what: "Azure's platform address 168.63.129.16 (host DNS, wire server)" },
    { cidr: network.podCidr, what: `the cluster's pod range (cluster.network.podCidr: every tenant's pods)` },
    { cidr: network.serviceCidr, what: `the cluster's service range (cluster.network.serviceCidr: every tenant's Services)` },
    vnet
      ? { cidr: vnet.addressSpace, what: "the platform VNet (cluster.network.vnet.addressSpace: the nodes)" }
      : { cidr: AKS_MANAGED_VNET, what: "the VNet AKS manages for the nodes (10.224.0.0/12)" },
  ];
}

/**
 * Why `cidr` minus `except` reaches `reserved`, or undefined: a block inside the reserved range
 * reaches it outright; one holding it must except a block that covers all of it.
 */
export function reservedRangeProblem(cidr: Ipv4Range, except: Ipv4Range[], reserved: Ipv4Range): "inside" | "open" | undefined {
  if (!rangesOverlap(cidr, reserved)) return undefined;
  if (cidr.first >= reserved.first && cidr.last <= reserved.last) return "inside";
  return except.some((e) => e.first <= reserved.first && e.last >= reserved.last) ? undefined : "open";
}

export function checkTenantEgress(config: ParsedPlatform, report: Report): void {
  const reserved = reservedEgressRanges(config).flatMap((r) => {
    const range = parseCidr(r.cidr);
    return range ? [{ ...r, range }] : [];
  });
  config.tenants.forEach((tenant, t) =>
    tenant.egress.forEach((entry, e) => {
      const at = ["tenants", t, "egress", e];
      const cidr = parseCidr(entry.cidr);
      if (!cidr) return; // the shape reported it
      const except = entry.except.flatMap((text, x) => {
        const range = parseCidr(text);
        if (range && !(range.first >= cidr.first && range.last <= cidr.last)) {
          report([...at, "except", x], `${text} is not inside ${entry.cidr} (Kubernetes refuses an except outside its ipBlock)`);
        }
        return range ? [range] : [];
      });
      for (const r of reserved) {
        const problem = reservedRangeProblem(cidr, except, r.range);
        if (problem === "inside") report([...at, "cidr"], `${entry.cidr} lies in ${r.cidr}, ${r.what}: a tenant's allow list never reaches it`);
        if (problem === "open") report([...at, "except"], `${entry.cidr} holds ${r.cidr}, ${r.what}: add ${r.cidr} to except`);
      }
    }),
  );
  if (config.cluster.network.policy === "none") {
    config.tenants.forEach((tenant, t) => {
      if (tenant.egress.length > 0) report(["tenants", t, "egress"], "has no effect with cluster.network.policy none: no engine enforces NetworkPolicies, and egress is open anyway");
    });
  }
}
