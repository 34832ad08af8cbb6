/** Deploy rule: no two resources write the same Kubernetes object. */
import { CheckedResource, Finding, get, mandatory, PlatformPolicy } from "../types";
import { objectNamespace } from "./namespaces";

const RULE = "one-resource-per-kubernetes-object";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/**
 * Type tokens of the Kubernetes provider that are not one object: components that render many
 * (yaml, kustomize, Helm v4 charts), and patch kinds, which share an object by design (each
 * with its own field manager).
 */
const NOT_ONE_OBJECT_GROUPS = new Set(["yaml", "kustomize", "helm.sh"]);

/**
 * What the API server (or Helm) knows an object by: group, kind, namespace and name (the
 * version is only how it is served). Undefined for anything else, and for an object without
 * metadata.name, which the provider names itself with a random suffix (so it cannot collide).
 */
export function kubernetesObjectKey(r: CheckedResource): string | undefined {
  if (r.links?.custom === false) return undefined;
  if (r.type === RELEASE) {
    // Helm knows a release by name and namespace; a second install of one name upgrades the first.
    const name = get(r.props, "name");
    return typeof name === "string" && name !== "" ? `helm release ${objectNamespace(r) ?? (get(r.props, "namespace") as string | undefined) ?? "default"}/${name}` : undefined;
  }
  const token = /^kubernetes:([^:/]+)\/[^:]+:([A-Za-z0-9]+)$/.exec(r.type);
  if (!token || NOT_ONE_OBJECT_GROUPS.has(token[1]) || token[2].endsWith("Patch") || token[2].endsWith("List")) return undefined;
  const name = get(r.props, "metadata", "name");
  if (typeof name !== "string" || name === "") return undefined;
  const group = token[1] === "core" ? "" : token[1];
  const namespace = objectNamespace(r);
  return `${token[2]}${group ? `.${group}` : ""} ${namespace === undefined ? "" : `${namespace}/`}${name}`;
}

/**
 * Two resources with one (group, kind, namespace, name) both pass preview: the mock engine and
 * the real one keep each as its own resource. On `up` the provider applies both to the one object
 * (server-side apply with `force`, pulumi-kubernetes' default field manager per resource, or the
 * second create adopts the first's object), so the last applied wins, every later `up` flips it
 * back, and deleting either resource deletes the object the other still declares. Examples: a
 * tenant whose namespace is a component's (the tenant's RoleBindings land in the component's
 * namespace), two Helm releases of one name in one namespace.
 */
export const oneResourcePerKubernetesObject: PlatformPolicy = {
  name: RULE,
  description: "No two resources write the same Kubernetes object (API group, kind, namespace, name) or Helm release (namespace, name); the real engine applies both and the last one wins.",
  enforcement: mandatory,
  check: (resources) => {
    const first = new Map<string, CheckedResource>();
    const findings: Finding[] = [];
    for (const r of resources) {
      const key = kubernetesObjectKey(r);
      if (key === undefined) continue;
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, r);
      else findings.push({ urn: r.urn, message: `${r.name}: writes ${key}, which ${earlier.name} writes too; the last one applied wins and deleting either deletes it` });
    }
    return findings;
  },
};
