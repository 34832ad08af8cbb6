/** Name rules shared by the config schema and the components. Pure. */
import { PROMETHEUS_SCRAPE_CONFIG_MAP } from "../components/azure/cluster-prometheus";
import { DEFAULT_SEALED_SECRETS_NAMESPACE } from "../components/kubernetes/sealed-secrets";
import { DEFAULT_FLUX_NAMESPACE } from "../components/kubernetes/flux-install";
import { DEFAULT_VAULT_NAMESPACE } from "../components/kubernetes/vault";
import type { ParsedPlatform } from "./config-shape";

/** A DNS-1123 label: what Kubernetes namespaces and most resource names must be. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

type Path = (string | number)[];

/** A namespace something other than a tenant owns: who, and the config key that sets it (if any). */
export interface NamespaceClaim {
  /** The namespace, or with `prefix` the start of every namespace claimed. */
  namespace: string;
  /** Who owns it and why it matters, for messages: "Sealed Secrets, with sealedSecrets.enabled: ...". */
  owner: string;
  /** The component whose namespace config sets (with `path`), for messages: "Flagger". */
  component?: string;
  /** Every namespace starting with `namespace` (kube-, azure-). Default false. */
  prefix?: boolean;
  /** The config key that sets it, when config does (flagger.namespace); undefined for fixed ones. */
  path?: Path;
}

/**
 * Kubernetes' own namespaces and those AKS and its add-ons install into, whichever of them a
 * cluster runs (a tenant taking one would share it with them, or AKS would take it over later):
 * kube-system/kube-public/kube-node-lease (Kubernetes), aks-command (`az aks command invoke` runs
 * its pods there), aks-istio-* (the Istio add-on), azure-* (extensions, Azure Arc),
 * gatekeeper-system (the Azure Policy add-on), app-routing-system (application routing),
 * calico-system/calico-apiserver/tigera-operator (Calico network policy). learn.microsoft.com:
 * "Namespaces for Azure Kubernetes Service", "Access a private AKS cluster using command invoke",
 * "Istio-based service mesh add-on", "Azure Policy for Kubernetes", "Managed NGINX ingress with the
 * application routing add-on", "Use Calico network policies".
 */
export const CLUSTER_NAMESPACES: readonly NamespaceClaim[] = [
  { namespace: "default", owner: "Kubernetes' default namespace" },
  { namespace: "kube-", prefix: true, owner: "Kubernetes' own: kube-system, kube-public, kube-node-lease" },
  { namespace: "aks-", prefix: true, owner: "AKS's own: aks-command for command invoke, aks-istio-* for the Istio add-on" },
  { namespace: "azure-", prefix: true, owner: "AKS's add-ons and cluster extensions" },
  { namespace: "gatekeeper-system", owner: "AKS's Azure Policy add-on" },
  { namespace: "app-routing-system", owner: "AKS's application routing add-on" },
  { namespace: "calico-system", owner: "AKS's Calico network policy" },
  { namespace: "calico-apiserver", owner: "AKS's Calico network policy" },
  { namespace: "tigera-operator", owner: "AKS's Calico operator" },
];

/** What decides which platform components run, and where. */
export type NamespaceSettings = Pick<ParsedPlatform, "vault" | "flagger" | "sealedSecrets" | "monitoring">;

/**
 * The namespaces the components that are on create or install into, from the components' own
 * constants: Flux (always), HashiCorp Vault, Flagger, Sealed Secrets, managed Prometheus' scrape
 * config. A component added to the platform adds its namespace here.
 */
export function platformNamespaces(config: NamespaceSettings): NamespaceClaim[] {
  const claims: NamespaceClaim[] = [{ namespace: DEFAULT_FLUX_NAMESPACE, owner: "Flux's controllers" }];
  if (config.vault.enabled) claims.push({ namespace: DEFAULT_VAULT_NAMESPACE, owner: "HashiCorp Vault, with vault.enabled: its storage and unseal identity" });
  if (config.flagger.enabled) claims.push({ namespace: config.flagger.namespace, owner: "Flagger, flagger.namespace", component: "Flagger", path: ["flagger", "namespace"] });
  if (config.sealedSecrets.enabled) {
    claims.push({ namespace: DEFAULT_SEALED_SECRETS_NAMESPACE, owner: "Sealed Secrets, with sealedSecrets.enabled: whoever administers it reads the sealing keys" });
  }
  if (config.monitoring.enabled && config.monitoring.prometheus) {
    claims.push({ namespace: PROMETHEUS_SCRAPE_CONFIG_MAP.namespace, owner: "managed Prometheus' scrape config, with monitoring.prometheus" });
  }
  return claims;
}

/**
 * Every namespace no tenant may take in a platform with these settings: the cluster's own and the
 * components'. Config rules call this; so can anything that places tenants outside this stack.
 */
export function reservedNamespaces(config: NamespaceSettings): NamespaceClaim[] {
  return [...CLUSTER_NAMESPACES, ...platformNamespaces(config)];
}

/** Who owns a claimed namespace, for messages: "kube-*: Kubernetes' own: ...". */
export function describeClaim(claim: NamespaceClaim): string {
  return claim.prefix ? `${claim.namespace}*: ${claim.owner}` : claim.owner;
}

/** The claim that covers `name`, or undefined. */
export function claimOn(name: string, claims: readonly NamespaceClaim[]): NamespaceClaim | undefined {
  return claims.find((claim) => (claim.prefix ? name.startsWith(claim.namespace) : name === claim.namespace));
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
