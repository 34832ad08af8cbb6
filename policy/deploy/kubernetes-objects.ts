/**
 * Deploy rule: every Kubernetes object the graph registers is one the API server accepts (two
 * resources writing one object are one-resource-per-kubernetes-object's, objects.ts). The mock engine takes any metadata; the API server validates
 * names and label values (apimachinery validation: IsDNS1123Subdomain, IsDNS1123Label,
 * IsValidLabelValue), refuses a ConfigMap or Secret whose data exceeds 1 MiB
 * (core/validation MaxSecretSize, ConfigMap total size) and any request over etcd's 1.5 MiB
 * (--max-request-bytes, "etcdserver: request is too large").
 */
import { DNS1123_LABEL_MAX, DNS1123_SUBDOMAIN_MAX, LABEL_VALUE_MAX, labelValueProblem, MAX_DATA_BYTES, MAX_OBJECT_BYTES, objectNameProblem } from "../../components/kubernetes/api-limits";
import { CheckedResource, Finding, get, mandatory, PlatformPolicy } from "../types";

// The API server's limits live beside the components (stacks/ checks config against them too).
export { DNS1123_LABEL_MAX, DNS1123_SUBDOMAIN_MAX, LABEL_VALUE_MAX, labelValueProblem, MAX_DATA_BYTES, MAX_OBJECT_BYTES, objectNameProblem };

/** Resource types that are no API object of their own (a Helm release is many objects, named by its chart). */
const NOT_OBJECTS = (type: string) => !type.startsWith("kubernetes:") || type.startsWith("kubernetes:helm.sh/") || type.startsWith("kubernetes:yaml/") || type.startsWith("kubernetes:kustomize/");

/** `<group>/<kind>` of a Kubernetes type token (`kubernetes:source.toolkit.fluxcd.io/v1:Bucket`), the version left out. */
function groupKind(type: string): { group: string; kind: string } {
  const [, groupVersion, kind] = type.split(":");
  const group = groupVersion.includes("/") ? groupVersion.slice(0, groupVersion.lastIndexOf("/")) : "";
  return { group: group === "core" ? "" : group, kind };
}

/** Bytes of a ConfigMap's or Secret's data (data, binaryData, stringData together). */
function dataBytes(r: CheckedResource, kind: string): number {
  let total = 0;
  for (const field of ["data", "binaryData", "stringData"]) {
    const map = get(r.props, field);
    if (map === null || typeof map !== "object") continue;
    for (const [key, value] of Object.entries(map)) {
      const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
      // A Secret's data and a ConfigMap's binaryData are base64 in the manifest: the stored bytes are 3/4 of the text.
      const base64 = field === "binaryData" || (field === "data" && kind === "Secret");
      total += key.length + (base64 ? Math.floor((text.length * 3) / 4) : Buffer.byteLength(text));
    }
  }
  return total;
}

export function kubernetesObjectProblems(resources: readonly CheckedResource[]): Finding[] {
  const findings: Finding[] = [];
  for (const r of resources) {
    if (NOT_OBJECTS(r.type) || r.links?.custom === false) continue;
    const { kind } = groupKind(r.type);
    const name = get(r.props, "metadata", "name");
    const say = (message: string) => findings.push({ urn: r.urn, message: `${kind} ${typeof name === "string" ? name : r.name}: ${message}` });
    if (typeof name === "string") {
      const problem = objectNameProblem(kind, name);
      if (problem) say(`metadata.name ${problem}`);
    }
    const labels = get(r.props, "metadata", "labels");
    if (labels !== null && typeof labels === "object") {
      for (const [key, value] of Object.entries(labels)) {
        const problem = typeof value === "string" ? labelValueProblem(value) : undefined;
        if (problem) say(`label ${key} ${problem}`);
      }
    }
    const bytes = Buffer.byteLength(JSON.stringify(r.props));
    if (bytes > MAX_OBJECT_BYTES) say(`${bytes} bytes; the API server refuses a request over ${MAX_OBJECT_BYTES} (etcd's 1.5 MiB)`);
    const data = kind === "ConfigMap" || kind === "Secret" ? dataBytes(r, kind) : 0;
    if (data > MAX_DATA_BYTES) say(`its data is ${data} bytes; a ${kind} holds at most ${MAX_DATA_BYTES} (1 MiB)`);
  }
  return findings;
}

export const kubernetesObjectsTheApiServerAccepts: PlatformPolicy = {
  name: "kubernetes-objects-the-api-server-accepts",
  description:
    "Every Kubernetes object has a name and label values the API server accepts, fits its size limits (1 MiB of ConfigMap/Secret data, 1.5 MiB a request), and is written by one resource only.",
  enforcement: mandatory,
  check: (resources) => kubernetesObjectProblems(resources),
};
