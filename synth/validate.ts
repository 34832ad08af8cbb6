/**
 * Schema validation of every Kubernetes object a program registers: core kinds against
 * `kubernetes-models`, Flux kinds against `@kubernetes-models/flux-cd`.
 */
import type { RecordedResource } from "./engine";

interface Model {
  validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Model;

/** Types that are not a single Kubernetes object, so have no object schema. */
const NOT_OBJECTS = [/^kubernetes:helm\.sh\//, /^kubernetes:yaml(\/v2)?:/, /^kubernetes:kustomize(\/v2)?:/, /^pulumi:providers:/];

/**
 * The newest `@kubernetes-models/flux-cd` that runs on Node 20 (2.3.x) predates a few API
 * versions the Flux 2.8 CRDs serve. These kinds are checked against the nearest earlier schema,
 * whose fields are the same for what this platform sets.
 */
const FLUX_SCHEMA_FALLBACKS: Record<string, string> = {
  "source.toolkit.fluxcd.io/v1/HelmRepository": "source.toolkit.fluxcd.io/v1beta2",
  "source.toolkit.fluxcd.io/v1/OCIRepository": "source.toolkit.fluxcd.io/v1beta2",
  "source.toolkit.fluxcd.io/v1/Bucket": "source.toolkit.fluxcd.io/v1beta2",
  "source.toolkit.fluxcd.io/v1/HelmChart": "source.toolkit.fluxcd.io/v1beta2",
  "helm.toolkit.fluxcd.io/v2/HelmRelease": "helm.toolkit.fluxcd.io/v2beta2",
};

type FoundModel = { model: ModelClass; apiVersion: string } | undefined;

/** Models by `apiVersion/kind`: a require per object costs a module resolution each time. */
const models = new Map<string, FoundModel>();

function loadModel(apiVersion: string, kind: string): FoundModel {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) models.set(key, findModel(apiVersion, kind));
  return models.get(key);
}

function findModel(apiVersion: string, kind: string): FoundModel {
  const schemaVersion = FLUX_SCHEMA_FALLBACKS[`${apiVersion}/${kind}`] ?? apiVersion;
  const modulePath = schemaVersion.includes(".fluxcd.io/")
    ? `@kubernetes-models/flux-cd/${schemaVersion}`
    : `kubernetes-models/${schemaVersion}`;
  // The kind's own module first: a group's index loads every kind of the group (core/v1 alone
  // has over 200), which was most of the schema validation cost of a small synth.
  const model = (/^[A-Za-z][A-Za-z0-9]*$/.test(kind) ? requireExport(`${modulePath}/${kind}`, kind) : undefined) ?? requireExport(modulePath, kind);
  return model ? { model, apiVersion: schemaVersion } : undefined;
}

function requireExport(modulePath: string, name: string): ModelClass | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(modulePath) as Record<string, ModelClass | undefined>)[name];
  } catch {
    return undefined;
  }
}

export interface SchemaViolation {
  urn: string;
  message: string;
}

/** One line per object that breaks its schema, naming kind, name and the failing field. */
export function validateKubernetesObjects(resources: readonly RecordedResource[]): SchemaViolation[] {
  const violations: SchemaViolation[] = [];
  for (const resource of resources) {
    if (!resource.custom || !resource.type.startsWith("kubernetes:") || NOT_OBJECTS.some((re) => re.test(resource.type))) {
      continue;
    }
    const object = resource.values;
    const apiVersion = String(object.apiVersion ?? "");
    const kind = String(object.kind ?? "");
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const label = `${kind || resource.type} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name ?? resource.name}`;
    const found = loadModel(apiVersion, kind);
    if (!found) {
      violations.push({ urn: resource.urn, message: `${label}: no schema for apiVersion "${apiVersion}" kind "${kind}"` });
      continue;
    }
    try {
      new found.model({ ...object, apiVersion: found.apiVersion }).validate();
    } catch (error) {
      const details = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
      const text = details?.length
        ? details.map((d) => `${d.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(object)"} ${d.message ?? "is invalid"}`).join("; ")
        : String((error as Error).message);
      violations.push({ urn: resource.urn, message: `${label}: ${text}` });
    }
  }
  return violations;
}
