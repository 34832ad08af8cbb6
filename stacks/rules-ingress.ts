/**
 * Ingress rules (docs/ingress.md): a tenant's hosts and certificates are its own across the whole
 * environment (the platform's inline tenants and every tenant stack's: withTenantStacks merges
 * them before these rules run), and a tenant asks for ingress only where the platform runs it.
 */
import type { ParsedPlatform } from "./config-shape";
import { DNS_ZONE_ID } from "./config-ingress";

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

export function checkIngress(config: ParsedPlatform, report: Report): void {
  config.tenants.forEach((tenant, i) => {
    if (tenant.ingress && !config.ingress.enabled) report(["tenants", i, "ingress"], "needs ingress.enabled: without the add-on there is no controller to publish these hosts");
  });
  checkClaimedOnce(config, "hosts", "host", report);
  // A certificate's private key lands in the namespace of every tenant that may name it.
  checkClaimedOnce(config, "certificates", "certificate", report);
  checkDnsZones(config.ingress.dnsZoneIds, report);
}

/** Each host (each certificate) belongs to one tenant: the first that lists it; every other listing is reported where it is. */
function checkClaimedOnce(config: ParsedPlatform, key: "hosts" | "certificates", what: string, report: Report): void {
  const owner = new Map<string, number>();
  config.tenants.forEach((tenant, i) => {
    (tenant.ingress?.[key] ?? []).forEach((value, j) => {
      const first = owner.get(value);
      if (first === undefined) owner.set(value, i);
      else if (first === i) report(["tenants", i, "ingress", key, j], `${what} "${value}" is listed twice`);
      else report(["tenants", i, "ingress", key, j], `${what} "${value}" is already tenant ${config.tenants[first].name}'s (index ${first}); a ${what} belongs to one tenant`);
    });
  });
}

/**
 * The add-on takes public zones from one resource group and private zones from one resource group
 * (ManagedClusterIngressProfileWebAppRouting.dnsZoneResourceIds, AKS API reference).
 */
function checkDnsZones(ids: readonly string[], report: Report): void {
  const groups = new Map<string, string>();
  ids.forEach((id, i) => {
    const match = DNS_ZONE_ID.exec(id);
    if (!match) return;
    const kind = match[2].toLowerCase() === "dnszones" ? "public" : "private";
    const group = match[1].toLowerCase();
    const seen = groups.get(kind);
    if (seen === undefined) groups.set(kind, group);
    else if (seen !== group) report(["ingress", "dnsZoneIds", i], `all ${kind} DNS zones must be in one resource group (the first is in ${seen}); the add-on refuses zones of several`);
    if (ids.findIndex((other) => other.toLowerCase() === id.toLowerCase()) !== i) report(["ingress", "dnsZoneIds", i], "is listed twice");
  });
}
