/**
 * Deploy rules for network paths inside the cluster: a service the platform grants tenants must be
 * reachable through the tenants' network policies, or the grant only shows up as a timeout.
 */
import { API_PORT, serverPodLabels } from "../../components/kubernetes/vault-config";
import { tenantNamespaces } from "../rules/kubernetes";
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface Peer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: unknown;
}
interface EgressRule {
  to?: Peer[];
  ports?: { protocol?: string; port?: number | string; endPort?: number }[];
}

/** Whether a selector selects an object with these labels (matchExpressions: not judged, so no). */
function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return true;
  if (selector.matchExpressions && selector.matchExpressions.length > 0) return false;
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/**
 * Whether an egress rule lets pods reach a pod with `podLabels` in `namespace` on TCP `port`
 * (networking.k8s.io/v1 NetworkPolicyEgressRule: an empty `to` is every destination, an empty
 * `ports` every port; a peer with only a podSelector is the policy's own namespace).
 */
export function egressAllows(rule: EgressRule, from: string, namespace: string, podLabels: Record<string, string>, port: number): boolean {
  const portOk =
    !rule.ports ||
    rule.ports.length === 0 ||
    rule.ports.some((p) => (p.protocol ?? "TCP") === "TCP" && (p.port === undefined || (typeof p.port === "number" && p.port <= port && port <= (p.endPort ?? p.port))));
  if (!portOk) return false;
  if (!rule.to || rule.to.length === 0) return true;
  return rule.to.some((peer) => {
    if (peer.ipBlock) return false;
    const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, { [NAMESPACE_NAME_LABEL]: namespace }) : from === namespace;
    return namespaceOk && selects(peer.podSelector, podLabels);
  });
}

/**
 * With HashiCorp Vault in the stack, every tenant namespace whose egress is restricted (a
 * NetworkPolicy of type Egress selects all its pods) has a policy that admits Vault's server pods
 * on the API port: otherwise the injected Vault agent (or the application) cannot log in, however
 * its Vault role is configured, and the pod waits in its init container.
 */
export const tenantsCanReachVault: PlatformPolicy = {
  name: "tenants-can-reach-vault",
  description: "With Vault in the stack, tenant namespaces with restricted egress allow their pods to reach Vault's server pods on the API port.",
  enforcement: mandatory,
  check: (resources) => {
    const releases = ofType(resources, RELEASE).filter((r) => get(r.props, "chart") === "vault");
    if (releases.length === 0) return [];
    const tenants = tenantNamespaces(resources);
    const namespaces = new Map<unknown, CheckedResource>();
    for (const n of ofType(resources, NAMESPACE)) {
      const name = get(n.props, "metadata", "name");
      if (!namespaces.has(name)) namespaces.set(name, n);
    }
    const policiesIn = new Map<unknown, CheckedResource[]>();
    for (const p of ofType(resources, NETWORK_POLICY)) {
      const namespace = get(p.props, "metadata", "namespace");
      const list = policiesIn.get(namespace);
      if (list) list.push(p);
      else policiesIn.set(namespace, [p]);
    }
    const findings: Finding[] = [];
    for (const release of releases) {
      const vaultNamespace = text(get(release.props, "namespace"));
      const labels = serverPodLabels(text(get(release.props, "name")));
      for (const tenant of tenants) {
        const policies = policiesIn.get(tenant) ?? [];
        const allPods = (p: CheckedResource) => Object.keys((get(p.props, "spec", "podSelector", "matchLabels") ?? {}) as object).length === 0;
        const egress = policies.filter((p) => ((get(p.props, "spec", "policyTypes") ?? []) as string[]).includes("Egress"));
        if (egress.length === 0) continue;
        const allowed = egress.some(
          (p) => allPods(p) && ((get(p.props, "spec", "egress") ?? []) as EgressRule[]).some((rule) => egressAllows(rule, tenant, vaultNamespace, labels, API_PORT)),
        );
        if (allowed) continue;
        const ns = namespaces.get(tenant);
        findings.push({
          urn: ns?.urn ?? release.urn,
          message: `${ns?.name ?? tenant}: egress from tenant namespace ${tenant} is restricted and no NetworkPolicy admits Vault's server pods (${vaultNamespace}, port ${API_PORT}): the Vault agent cannot log in`,
        });
      }
    }
    return findings;
  },
};
