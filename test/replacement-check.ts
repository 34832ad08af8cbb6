/**
 * What makes an update lose data: the stateful resources (matched by URN) and the inputs whose
 * change makes the provider replace them. Shared by the whole-stack replacement test
 * (test/stacks/replacement.test.ts) and the component-level one (test/replacement.test.ts).
 */
import { RecordedResource } from "../synth/engine";
import { STATEFUL_KINDS } from "../synth/stateful";

export interface Stateful {
  what: string;
  matches(r: RecordedResource): boolean;
  /**
   * Input paths whose change makes the provider replace the resource (delete, then create):
   * the physical name and its location. "*" means every input (the random provider replaces
   * on any change).
   */
  identity: string[][] | "*";
}

export const isType = (type: string) => (r: RecordedResource) => r.type === type;

/** The table synth:diff marks replacements by (synth/stateful.ts), over the mock engine's records. */
export const STATEFUL: Stateful[] = STATEFUL_KINDS.map((kind) => ({
  what: kind.what,
  identity: kind.identity,
  matches: (r: RecordedResource) => kind.matches({ type: r.type, name: r.name, inputs: r.values }),
}));

/**
 * Whether an input path is under one of the resource's ignoreChanges paths: the engine then sends
 * the old value, so the provider never sees a change there (pulumi/pulumi, processIgnoreChanges).
 */
export function ignored(resource: RecordedResource, keys: string[]): boolean {
  return resource.ignoreChanges.some((path) => {
    const ignoredKeys = path.replace(/\[(\*|\d+)\]/g, ".$1").split(".");
    return ignoredKeys.length <= keys.length && ignoredKeys.every((key, i) => key === "*" || key === keys[i]);
  });
}

function at(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), value);
}

/** What would be replaced (or deleted) going from `base` to `next`: one line per problem. */
export function replacements(base: readonly RecordedResource[], next: readonly RecordedResource[]): string[] {
  const byUrn = new Map(next.map((r) => [r.urn, r]));
  const problems: string[] = [];
  for (const kind of STATEFUL) {
    for (const before of base.filter(kind.matches)) {
      const after = byUrn.get(before.urn);
      if (!after) {
        problems.push(`${kind.what} ${before.urn}: gone (its URN changed or it was dropped)`);
        continue;
      }
      if (after.protect !== before.protect) problems.push(`${kind.what} ${before.name}: protect ${before.protect} -> ${after.protect}`);
      const paths = kind.identity === "*" ? [[]] : kind.identity;
      for (const keys of paths) {
        if (ignored(after, keys)) continue;
        const [a, b] = [at(before.values, keys), at(after.values, keys)];
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          problems.push(`${kind.what} ${before.name}: ${keys.join(".") || "inputs"} ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
        }
      }
      // The physical name the provider gave it (auto-named resources, the random suffix).
      for (const key of ["name", "result"]) {
        if (JSON.stringify(before.outputs[key]) !== JSON.stringify(after.outputs[key])) {
          problems.push(`${kind.what} ${before.name}: ${key} output ${JSON.stringify(before.outputs[key])} -> ${JSON.stringify(after.outputs[key])}`);
        }
      }
    }
  }
  return problems;
}

/** The provider resource a resource's provider reference names (its URN, or the engine's `<urn>::<id>`). */
function providerOf(resource: RecordedResource, all: readonly RecordedResource[]): RecordedResource | undefined {
  const reference = resource.provider;
  if (!reference) return undefined;
  return all.find((r) => r.urn === reference || reference.startsWith(`${r.urn}::`));
}

/**
 * The inputs whose change makes pulumi-kubernetes replace a Secret (provider/pkg/provider/diff.go,
 * forceNewProperties): its name and namespace always; `type`, `stringData` and `data` too unless
 * its provider sets enableSecretMutable and the Secret is not immutable. A named Secret is then
 * replaced delete-first (provider.go Diff, deleteBeforeReplace), so it is missing in between.
 */
export function secretReplacePaths(secret: RecordedResource, provider: RecordedResource | undefined): string[][] {
  const mutable = provider !== undefined && String(provider.values.enableSecretMutable) === "true" && secret.values.immutable !== true;
  return [["metadata", "name"], ["metadata", "namespace"], ["type"], ...(mutable ? [] : [["stringData"], ["data"]])];
}

/** Kubernetes Secrets that going from `base` to `next` would replace (delete, then create) rather than patch. */
export function secretReplacements(base: readonly RecordedResource[], next: readonly RecordedResource[]): string[] {
  const byUrn = new Map(next.map((r) => [r.urn, r]));
  const problems: string[] = [];
  for (const before of base.filter(isType("kubernetes:core/v1:Secret"))) {
    const after = byUrn.get(before.urn);
    if (!after) continue;
    for (const keys of secretReplacePaths(after, providerOf(after, next))) {
      if (ignored(after, keys)) continue;
      if (JSON.stringify(at(before.values, keys)) !== JSON.stringify(at(after.values, keys))) problems.push(`Secret ${before.name}: ${keys.join(".")} changed, the provider replaces it`);
    }
  }
  return problems;
}
