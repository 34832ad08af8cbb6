/**
 * Schema validation of every Kubernetes object a program registers: core kinds against
 * `kubernetes-models`, Flux kinds against `@kubernetes-models/flux-cd`; the kinds the components
 * register from synth's bundle of those packages' validators (synth/validator-bundle.ts).
 */
import type { RecordedResource } from "./engine";
import { apiVersionModule, kindModule, loadBundledModels, ModelClass } from "./validator-bundle";

/** Types that are not a single Kubernetes object, so have no object schema. */
const NOT_OBJECTS = [/^kubernetes:helm\.sh\//, /^kubernetes:yaml(\/v2)?:/, /^kubernetes:kustomize(\/v2)?:/, /^pulumi:providers:/];

type FoundModel = ModelClass | undefined;

/**
 * `kubernetes-models` 5 and `@kubernetes-models/flux-cd` 4 are ES modules only (their exports
 * have no `require` condition), so they are loaded with a native `import()`. This project
 * compiles to CommonJS, where TypeScript rewrites `import()` into `require()`; a function built
 * at run time keeps the real `import()` in tsx, ts-node and tsc output alike.
 */
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

/** Models by `apiVersion/kind`: an import per object costs a module resolution each time. */
const models = new Map<string, Promise<FoundModel>>();

/** The bundle's models, read when the first object is validated; an empty map without a fresh bundle. */
let bundled: ReadonlyMap<string, ModelClass> | undefined;

function loadModel(apiVersion: string, kind: string): Promise<FoundModel> {
  const key = `${apiVersion}/${kind}`;
  let model = models.get(key);
  if (!model) {
    bundled ??= loadBundledModels() ?? new Map();
    const fromBundle = bundled.get(key);
    model = fromBundle ? Promise.resolve(fromBundle) : importModel(apiVersion, kind);
    models.set(key, model);
  }
  return model;
}

/**
 * A kind's model class from its package's modules (what the bundle holds, module by module).
 * Every kind against the schema of its own apiVersion: no fallback to an older one.
 */
export async function importModel(apiVersion: string, kind: string): Promise<FoundModel> {
  // The kind's own module first: a group's index loads every kind of the group (core/v1 alone
  // has over 200), which was most of the schema validation cost of a small synth.
  return (/^[A-Za-z][A-Za-z0-9]*$/.test(kind) ? await importExport(kindModule(apiVersion, kind), kind) : undefined) ?? (await importExport(apiVersionModule(apiVersion), kind));
}

async function importExport(modulePath: string, name: string): Promise<ModelClass | undefined> {
  try {
    return (await importModule(modulePath))[name] as ModelClass | undefined;
  } catch {
    return undefined;
  }
}

/** Whether synth validates the resource: a single Kubernetes object (not a chart, a YAML set or a provider). */
export function isKubernetesObject(resource: Pick<RecordedResource, "custom" | "type">): boolean {
  return resource.custom && resource.type.startsWith("kubernetes:") && !NOT_OBJECTS.some((re) => re.test(resource.type));
}

export function apiVersionAndKind(resource: Pick<RecordedResource, "values">): { apiVersion: string; kind: string } {
  return { apiVersion: String(resource.values.apiVersion ?? ""), kind: String(resource.values.kind ?? "") };
}

export interface SchemaViolation {
  urn: string;
  message: string;
}

/** One line per object that breaks its schema, naming kind, name and the failing field. */
export async function validateKubernetesObjects(resources: readonly RecordedResource[]): Promise<SchemaViolation[]> {
  const violations: SchemaViolation[] = [];
  for (const resource of resources) {
    if (!isKubernetesObject(resource)) continue;
    const object = resource.values;
    const { apiVersion, kind } = apiVersionAndKind(resource);
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const label = `${kind || resource.type} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name ?? resource.name}`;
    const Model = await loadModel(apiVersion, kind);
    if (!Model) {
      violations.push({ urn: resource.urn, message: `${label}: no schema for apiVersion "${apiVersion}" kind "${kind}"` });
      continue;
    }
    try {
      new Model(object).validate();
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
