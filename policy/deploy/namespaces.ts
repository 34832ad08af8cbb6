/** Deploy rule: a namespaced Kubernetes object is created only once its namespace exists. */
import { graphOf, isFinding } from "./graph-input";
import { CLUSTER_SCOPED_KINDS } from "../../components/kubernetes/api-limits";
import { contractRegistry, stackOfUrn } from "../platform-contract";
import { CheckedResource, Finding, get, mandatory, PlatformPolicy } from "../types";

export { CLUSTER_SCOPED_KINDS };

const RULE = "namespaced-objects-wait-for-their-namespace";

/** Namespaces every cluster has from the start (kube-node-lease too, since 1.14). */
export const BUILT_IN_NAMESPACES: ReadonlySet<string> = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);


const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const EXTENSION = "azure-native:kubernetesconfiguration:Extension";

/** The namespace a resource creates, if it creates one: a Namespace, a release with createNamespace, a cluster extension. */
export function createdNamespace(r: CheckedResource): string | undefined {
  const name = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  if (r.type === NAMESPACE) return name(get(r.props, "metadata", "name"));
  // helm.v3.Release: createNamespace is handed to Helm's install action (provider/pkg/provider/helm_release.go).
  if (r.type === RELEASE && get(r.props, "createNamespace") === true) return name(get(r.props, "namespace"));
  // An AKS cluster extension with cluster scope installs into (and creates) its release namespace.
  if (r.type === EXTENSION) return name(get(r.props, "scope", "cluster", "releaseNamespace"));
  return undefined;
}

/** The namespace a Kubernetes object goes in, or undefined for cluster-scoped kinds and non-Kubernetes resources. */
export function objectNamespace(r: CheckedResource): string | undefined {
  if (!r.type.startsWith("kubernetes:") || r.links?.custom === false) return undefined;
  if (r.type === RELEASE) {
    // A release that creates its namespace needs none; without a namespace Helm installs into "default".
    if (get(r.props, "createNamespace") === true) return undefined;
    return (get(r.props, "namespace") as string | undefined) || "default";
  }
  const kind = r.type.split(":").pop()!;
  if (CLUSTER_SCOPED_KINDS.has(kind)) return undefined;
  // The provider puts an object without metadata.namespace in "default" (its default namespace).
  return (get(r.props, "metadata", "namespace") as string | undefined) || "default";
}

/**
 * The Kubernetes provider retries a create that finds no namespace five times, waiting 1 s and
 * doubling (pulumi-kubernetes provider/pkg/await/await.go: `retry.SleepingRetry(...)
 * .WithMaxRetries(5).WithBackoffFactor(2)`, about half a minute to a minute with the calls), then
 * fails with `namespaces "x" not found`. A namespace created by a Helm release or a cluster extension can
 * take minutes (they wait for node pools), so an object must wait for whatever creates its
 * namespace, directly or through what it waits for.
 */
export const namespacedObjectsWaitForTheirNamespace: PlatformPolicy = {
  name: RULE,
  description:
    "Every namespaced Kubernetes object waits for the resource that creates its namespace (a Namespace, a Helm release with createNamespace, an AKS extension); the provider gives up on a missing namespace after five quick retries.",
  enforcement: mandatory,
  check: (resources) => {
    const graph = graphOf(resources, RULE);
    if (isFinding(graph)) return [graph];
    const creators = new Map<string, string[]>();
    const names = new Map<string, string>();
    for (const r of resources) {
      if (!names.has(r.urn)) names.set(r.urn, r.name);
      const created = createdNamespace(r);
      if (created === undefined) continue;
      const list = creators.get(created);
      if (list) list.push(r.urn);
      else creators.set(created, [r.urn]);
    }
    // A tenant stack judged without its platform's resources (synth --platform-outputs, CrossGuard
    // on the tenant stack's preview): the platform's contract says which namespaces the platform
    // stack created for this stack's tenants, and the platform deploys first.
    const registry = contractRegistry(resources);
    const findings: Finding[] = [];
    for (const r of resources) {
      const namespace = objectNamespace(r);
      if (namespace === undefined || BUILT_IN_NAMESPACES.has(namespace)) continue;
      const candidates = creators.get(namespace) ?? [];
      const stack = stackOfUrn(r.urn);
      // A stack built on another (a tenant stack on its platform stack) deploys after it: a
      // namespace the other stack creates exists before this stack starts.
      if (candidates.some((creator) => stackOfUrn(creator) !== stack)) continue;
      if (candidates.length === 0 && registry.namespaces.get(stack)?.has(namespace)) continue;
      if (candidates.length === 0) {
        const unreadable = [...registry.unreadable].filter(([urn]) => stackOfUrn(urn) === stack).map(([, why]) => why);
        const contract = !registry.readers.has(stack)
          ? ""
          : unreadable.length > 0
            ? ` (its platform's contract was not used: ${unreadable.join("; ")})`
            : `, and its platform's contract registers it to no tenant of stack ${stack}`;
        findings.push({ urn: r.urn, message: `${r.name}: nothing in the stack creates its namespace ${namespace}${contract}` });
      } else if (!candidates.some((creator) => graph.waits(r.urn, creator))) {
        findings.push({
          urn: r.urn,
          message: `${r.name}: does not wait for ${candidates.map((c) => names.get(c) ?? c).join(" or ")}, which creates its namespace ${namespace}; its create fails with namespaces "${namespace}" not found if the namespace comes later than the provider's five retries`,
        });
      }
    }
    return findings;
  },
};
