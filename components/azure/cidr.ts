/** IPv4 address ranges: parsing and the set relations the config rules need. Pure functions. */

export interface Ipv4Range {
  /** First address of the range as an unsigned 32-bit integer. */
  readonly first: number;
  /** Last address of the range as an unsigned 32-bit integer. */
  readonly last: number;
  readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a dotted IPv4 address, or returns undefined. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/**
 * Parses `a.b.c.d/n`. The address must be the network address (`10.0.0.1/16` is rejected),
 * because Azure rejects such ranges and a typo there usually means a wrong range.
 * With `allowBareAddress`, `a.b.c.d` means `/32`.
 */
export function parseCidr(text: string, allowBareAddress = false): Ipv4Range | undefined {
  const [addressText, prefixText, ...rest] = text.split("/");
  if (rest.length > 0) return undefined;
  if (prefixText === undefined && !allowBareAddress) return undefined;
  const address = parseIpv4(addressText);
  const prefix = prefixText === undefined ? 32 : /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (address === undefined || !(prefix >= 0 && prefix <= 32)) return undefined;
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { first: address, last: address + size - 1, prefix };
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function rangeContains(range: Ipv4Range, address: number): boolean {
  return address >= range.first && address <= range.last;
}

/** An IP range in the form Azure's firewalls store it: `a.b.c.d` becomes `a.b.c.d/32`. */
export function normalizeIpRange(text: string): string {
  return text.includes("/") ? text : `${text}/32`;
}

/** Ranges that are not public addresses, and why; what a public firewall rule must not name. */
export const NON_PUBLIC_RANGES: readonly { cidr: string; kind: string; privateNetwork: boolean }[] = [
  { cidr: "10.0.0.0/8", kind: "private", privateNetwork: true },
  { cidr: "172.16.0.0/12", kind: "private", privateNetwork: true },
  { cidr: "192.168.0.0/16", kind: "private", privateNetwork: true },
  { cidr: "0.0.0.0/8", kind: "\"this network\"", privateNetwork: false },
  { cidr: "100.64.0.0/10", kind: "shared (carrier-grade NAT)", privateNetwork: false },
  { cidr: "127.0.0.0/8", kind: "loopback", privateNetwork: false },
  { cidr: "169.254.0.0/16", kind: "link-local", privateNetwork: false },
];
