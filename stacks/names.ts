/** Name rules shared by the config schema and the components. Pure. */

/** A DNS-1123 label: what Kubernetes namespaces and most resource names must be. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Namespaces the platform itself or Kubernetes owns; no tenant may take one. */
export const RESERVED_NAMESPACES: readonly string[] = [
  "default",
  "flux-system",
  "vault",
  "gatekeeper-system",
  "calico-system",
  "tigera-operator",
  "cert-manager",
  "flagger-system",
];

export function isReservedNamespace(name: string): boolean {
  return RESERVED_NAMESPACES.includes(name) || name.startsWith("kube-") || name.startsWith("azure-");
}

/** Levenshtein distance, for "did you mean" hints on unknown config keys. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}

/** The closest candidate within a small distance, or undefined. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.max(2, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}
