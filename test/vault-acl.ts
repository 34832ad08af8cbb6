/**
 * A small evaluator of Vault ACL policies, for attack tests on the policies the platform writes.
 * Vault's semantics (docs "Policies": "Priority matching"; vault/acl.go): the policies of a token
 * are merged, capabilities of one path pattern adding up (and `deny` winning); a request path takes
 * the exact pattern if there is one, else the best-matching pattern with a trailing `*` (prefix)
 * or `+` (one segment), best by: the first wildcard later in the pattern, then not ending in `*`,
 * then fewer `+` segments, then longer, then lexicographically larger. Only that one pattern's
 * capabilities apply: a broader pattern never adds to a narrower one.
 */
import { parse } from "@cdktf/hcl2json";

export type Acl = Map<string, Set<string>>;

/** Parses and merges policies (HCL text) into one ACL. */
export async function acl(...policies: string[]): Promise<Acl> {
  const merged: Acl = new Map();
  for (const [i, hcl] of policies.entries()) {
    const json = (await parse(`policy-${i}.hcl`, hcl)) as { path?: Record<string, { capabilities: string[] }[]> };
    for (const [pattern, blocks] of Object.entries(json.path ?? {})) {
      const set = merged.get(pattern) ?? new Set<string>();
      for (const block of blocks) for (const capability of block.capabilities) set.add(capability);
      merged.set(pattern, set);
    }
  }
  return merged;
}

function matches(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith("*");
  const body = prefix ? pattern.slice(0, -1) : pattern;
  const regex = body
    .split("/")
    .map((segment) => (segment === "+" ? "[^/]+" : segment.replace(/[.*?^${}()|[\]\\+]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${regex}${prefix ? "" : "$"}`).test(path);
}

function firstWildcard(pattern: string): number {
  const positions = [pattern.indexOf("+"), pattern.endsWith("*") ? pattern.length - 1 : -1].filter((i) => i >= 0);
  return positions.length > 0 ? Math.min(...positions) : pattern.length;
}

/** Positive when `a` has the higher priority. */
function priority(a: string, b: string): number {
  const wa = firstWildcard(a);
  const wb = firstWildcard(b);
  if (wa !== wb) return wa - wb;
  const sa = a.endsWith("*") ? 0 : 1;
  const sb = b.endsWith("*") ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const pa = a.split("/").filter((s) => s === "+").length;
  const pb = b.split("/").filter((s) => s === "+").length;
  if (pa !== pb) return pb - pa;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The pattern that governs `path`, or undefined when none matches (Vault then denies). */
export function governingPattern(rules: Acl, path: string): string | undefined {
  if (rules.has(path) && !path.endsWith("*")) return path;
  const candidates = [...rules.keys()].filter((pattern) => (pattern.endsWith("*") || pattern.includes("+")) && matches(pattern, path));
  return candidates.sort((a, b) => priority(b, a))[0];
}

/** Whether a token with these rules may use `capability` on `path`. */
export function allowed(rules: Acl, path: string, capability: string): boolean {
  const pattern = governingPattern(rules, path);
  if (pattern === undefined) return false;
  const capabilities = rules.get(pattern)!;
  return !capabilities.has("deny") && capabilities.has(capability);
}
