/** Firewall allow lists: an entry that admits every IPv4 address makes the whole list moot. */

/** `0.0.0.0/0` or any other `/0` range (Azure normalizes the address). */
export function allowsEveryAddress(range: unknown): boolean {
  return typeof range === "string" && /^\s*\d{1,3}(\.\d{1,3}){3}\s*\/\s*0\s*$/.test(range);
}
