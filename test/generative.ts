/**
 * Generative config testing (issue 25): configs derived from the sample stacks by mutation, with
 * values drawn from the stack JSON Schema (schema/stack.schema.json) and from a list of hostile
 * and careless values, each run through the synth CLI in-process. A run must end 0, 1 or 2,
 * print no stack trace, never register one URN twice (the mock engine refuses it, which would be
 * exit 3), and a config that synth accepts must not break the limits the config rules enforce,
 * checked again on the synthesized resources. Seeded: the same seed finds the same cases.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { parse } from "yaml";
import { PROJECT_ROOT, type SynthGraph } from "../synth/synthesize";
import { synthInProcess, writeStackFile } from "./synth-in-process";
import { kubernetesObjectProblems } from "../policy/deploy/kubernetes-objects";
import { LOG_ANALYTICS_MIN_DAILY_CAP_GB } from "../stacks/rules-limits";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;
type Key = string | number;

const SCHEMA = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "schema", "stack.schema.json"), "utf8")) as Schema;
const DEFS = (SCHEMA.$defs ?? {}) as Record<string, Schema>;
const PLATFORM_SCHEMA = DEFS.platform;

export function samplePlatform(stack: "dev" | "prod"): Json {
  const file = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, Json> };
  return file.config["gitops-platform:platform"];
}

function resolve(schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let i = 0; current && typeof current.$ref === "string" && i < 10; i++) current = DEFS[(current.$ref as string).replace("#/$defs/", "")];
  return current;
}

/** The alternatives a schema allows (anyOf/oneOf flattened), resolved. */
function alternatives(schema: Schema | undefined): Schema[] {
  const resolved = resolve(schema);
  if (!resolved) return [];
  const list = (resolved.anyOf ?? resolved.oneOf) as Schema[] | undefined;
  return list ? list.flatMap(alternatives) : [resolved];
}

/** The schema of the value at `keys` below the platform, or undefined where the schema says nothing. */
export function schemaAt(keys: readonly Key[]): Schema | undefined {
  let current: Schema | undefined = PLATFORM_SCHEMA;
  for (const key of keys) {
    const options = alternatives(current);
    current = undefined;
    for (const option of options) {
      if (typeof key === "number" && option.items) current = option.items as Schema;
      else if (typeof key === "string" && option.properties && (option.properties as Record<string, Schema>)[key]) current = (option.properties as Record<string, Schema>)[key];
      else if (typeof key === "string" && typeof option.additionalProperties === "object") current = option.additionalProperties as Schema;
      if (current) break;
    }
    if (!current) return undefined;
  }
  return current;
}

/** Values a careless or hostile user writes; each names a class of issue 25 or an earlier one. */
const HOSTILE: Json[] = [
  "", " ", "default", "sys", "auth", "cubbyhole", "a.b", "A", "UPPER", "prod east", "x*", "..", "a/../b", "-", "a-", "1",
  "x".repeat(63), "x".repeat(64), "x".repeat(121), "x".repeat(129), "x".repeat(254), "x".repeat(601),
  "169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24", "10.0.0.0/8", "10.0.0.0", "0.0.0.0/0", "10.0.0.0/30", "203.0.113.7",
  "https://h.example.com/p", "h.example.com:9000", "oci://example.azurecr.io/x", "repo:x", "owner/Name", "Owner/name",
  "feature/x", "feature-x", "${x}", "{{x}}", "\u00e9", "\n",
  "/subscriptions/00000000-0000-4000-8000-000000000002/resourceGroups/rg-gitops-dev/providers/Microsoft.Storage/storageAccounts/acmeplatformdev",
  "/subscriptions/sub/resourceGroups/rg-gitops-dev", "Team.Apps_v2", "web-frontend-config", "web-config", "drift.dev", "drift dev", "_", "a b", "Bad/Key",
  -1, 0, 1, 2, 3, 20, 21, 201, 1000, 1001, 0.001, 0.01, 0.022, 0.5, 1e9, true, false, null, [], {},
];

/** A value the schema allows (or nearly: its bounds and one past them). */
function fromSchema(schema: Schema | undefined, depth = 0): fc.Arbitrary<Json> {
  const options = alternatives(schema);
  if (options.length === 0 || depth > 3) return fc.constantFrom(...HOSTILE);
  return fc.oneof(...options.map((option) => fromOneSchema(option, depth)));
}

function fromOneSchema(schema: Schema, depth: number): fc.Arbitrary<Json> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as Json[]));
  if (schema.const !== undefined) return fc.constant(schema.const as Json);
  switch (schema.type) {
    case "boolean":
      return fc.boolean();
    case "integer":
    case "number": {
      const min = typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : 0;
      const max = typeof schema.maximum === "number" ? schema.maximum : min + 1000;
      const edges = [min, max, min - 1, max + 1, Math.floor((min + max) / 2)];
      return schema.type === "integer" ? fc.oneof(fc.constantFrom(...edges), fc.integer({ min, max })) : fc.oneof(fc.constantFrom(...edges, min + 0.001), fc.double({ min, max, noNaN: true }));
    }
    case "string": {
      const pattern = typeof schema.pattern === "string" ? schema.pattern : undefined;
      const max = typeof schema.maxLength === "number" ? schema.maxLength : 80;
      const strings = pattern ? fc.stringMatching(new RegExp(pattern)).filter((s) => s.length <= Math.max(max, 1) + 1) : fc.string({ maxLength: Math.min(max + 1, 300) });
      return fc.oneof(strings, fc.constantFrom(...HOSTILE.filter((v) => typeof v === "string")));
    }
    case "array":
      return fc.array(fromSchema(schema.items as Schema, depth + 1), { maxLength: 3 });
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = (schema.required ?? []) as string[];
      const entries = Object.keys(properties).map((key) => [key, fromSchema(properties[key], depth + 1)] as const);
      if (entries.length === 0) return fc.dictionary(fc.constantFrom("a", "A", "team", "Team", "owner", "Owner", "environment", ""), fc.constantFrom("x", "y", ""), { maxKeys: 3 }) as fc.Arbitrary<Json>;
      return fc.record(Object.fromEntries(entries), { requiredKeys: required.filter((key) => key in properties) }) as fc.Arbitrary<Json>;
    }
    default:
      return fc.constantFrom(...HOSTILE);
  }
}

/** Every path in a JSON value (containers and leaves), the root excluded. */
function paths(value: Json, prefix: Key[] = []): Key[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => [[...prefix, i], ...paths(item, [...prefix, i])]);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...paths(item, [...prefix, key])]);
  return [];
}

function getAt(value: Json, keys: readonly Key[]): Json | undefined {
  let current: Json | undefined = value;
  for (const key of keys) current = current !== null && typeof current === "object" ? (current as Record<Key, Json>)[key] : undefined;
  return current;
}

export type MutationKind = "replace" | "schema" | "delete" | "duplicate" | "case" | "dots" | "lengthen" | "add" | "alike";

export interface Mutation {
  kind: MutationKind;
  /** Picks the path among the config's paths (modulo their number). */
  pick: number;
  value: Json;
  /** For `add`: which property of the object's schema. */
  property: number;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<MutationKind>("replace", "schema", "schema", "delete", "duplicate", "duplicate", "case", "dots", "lengthen", "add", "add", "alike", "alike"),
  pick: fc.nat(),
  value: fc.constantFrom(...HOSTILE),
  property: fc.nat(),
});

export interface GeneratedCase {
  stack: "dev" | "prod";
  mutations: Mutation[];
  /** Values from the schema for `schema` mutations, drawn per case. */
  seedValues: Json[];
}

export const generatedCase: fc.Arbitrary<GeneratedCase> = fc.record({
  stack: fc.constantFrom<"dev" | "prod">("dev", "prod"),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  seedValues: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }).map((numbers) => numbers as Json[]),
});

/** The config a case describes: the sample stack with its mutations applied in order. */
export function applyCase(c: GeneratedCase): Json {
  let config = structuredClone(samplePlatform(c.stack));
  c.mutations.forEach((m, index) => {
    config = applyMutation(config, m, Number(c.seedValues[index % c.seedValues.length]));
  });
  return config;
}

function setAt(root: Json, keys: readonly Key[], update: (parent: Record<Key, Json> | Json[], key: Key) => void): Json {
  const parent = getAt(root, keys.slice(0, -1));
  if (parent !== null && typeof parent === "object") update(parent as Record<Key, Json>, keys[keys.length - 1]);
  return root;
}

function transformStrings(value: Json, change: (text: string) => string): Json {
  if (typeof value === "string") return change(value);
  if (Array.isArray(value)) return value.map((item) => transformStrings(item, change));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, transformStrings(v, change)]));
  return value;
}

function applyMutation(config: Json, m: Mutation, seed: number): Json {
  const all = paths(config);
  if (all.length === 0) return config;
  const keys = all[m.pick % all.length];
  const current = getAt(config, keys) as Json;
  switch (m.kind) {
    case "replace":
      return setAt(config, keys, (parent, key) => ((parent as Record<Key, Json>)[key] = m.value));
    case "schema": {
      const value = fc.sample(fromSchema(schemaAt(keys)), { seed, numRuns: 1 })[0];
      return setAt(config, keys, (parent, key) => ((parent as Record<Key, Json>)[key] = value));
    }
    case "delete":
      return setAt(config, keys, (parent, key) => (Array.isArray(parent) ? parent.splice(Number(key), 1) : delete (parent as Record<Key, Json>)[key]));
    case "duplicate": {
      // An array element again, as written or changed only in case or '.' vs '-': what collides in derived names.
      const arrayKeys = Array.isArray(current) ? keys : Array.isArray(getAt(config, keys.slice(0, -1))) ? keys.slice(0, -1) : undefined;
      const list = arrayKeys ? (getAt(config, arrayKeys) as Json[]) : undefined;
      if (!list || list.length === 0) return config;
      const copy = structuredClone(list[seed % list.length]);
      const variants = [(t: string) => t, (t: string) => t.toUpperCase(), (t: string) => t.replace(/-/g, "."), (t: string) => `${t}${"x".repeat(60)}`];
      list.push(seed % 5 === 0 ? copy : transformStrings(copy, variants[seed % variants.length]));
      return config;
    }
    case "case":
      return setAt(config, keys, (parent, key) => ((parent as Record<Key, Json>)[key] = transformStrings(current, (t) => (seed % 2 ? t.toUpperCase() : t.charAt(0).toUpperCase() + t.slice(1)))));
    case "dots":
      return setAt(config, keys, (parent, key) => ((parent as Record<Key, Json>)[key] = transformStrings(current, (t) => t.replace(/-/g, "."))));
    case "lengthen":
      // Past the cuts, past the name limits after the platform's prefixes, and (rarely) past the API server's request size.
      return setAt(config, keys, (parent, key) => ((parent as Record<Key, Json>)[key] = transformStrings(current, (t) => `${t}${"a".repeat([40, 60, 120, 250, 40, 60, 120, 250, 1_600_000][seed % 9])}`)));
    case "alike": {
      // A string made the same as another string of the config, or that string with '.' for '-':
      // two names from different fields (a Git repository and an OCI source) that meet in one object.
      if (typeof current !== "string") return config;
      const strings = all.map((other) => getAt(config, other)).filter((value): value is string => typeof value === "string" && value !== current);
      if (strings.length === 0) return config;
      const other = strings[seed % strings.length];
      return setAt(config, keys, (parent, key) => ((parent as Record<Key, Json>)[key] = seed % 3 === 0 ? other.replace(/-/g, ".") : other));
    }
    case "add": {
      // A property the schema has and the sample does not set, with a value from the schema.
      const objectKeys = current !== null && typeof current === "object" && !Array.isArray(current) ? keys : keys.slice(0, -1);
      const target = getAt(config, objectKeys);
      if (target === null || typeof target !== "object" || Array.isArray(target)) return config;
      const properties = alternatives(schemaAt(objectKeys)).flatMap((option) => Object.keys((option.properties ?? {}) as object));
      if (properties.length === 0) return config;
      const property = properties[m.property % properties.length];
      (target as Record<string, Json>)[property] = fc.sample(fromSchema(schemaAt([...objectKeys, property])), { seed, numRuns: 1 })[0];
      return config;
    }
  }
}

export interface CaseResult {
  code: number;
  stderr: string;
  /** What broke the properties, or undefined. */
  failure?: string;
}

const workdir = mkdtempSync(path.join(tmpdir(), "generative-"));
let graphCount = 0;

/** Runs one case through synth and checks the properties. */
export async function runCase(c: GeneratedCase): Promise<CaseResult> {
  const config = applyCase(c);
  const json = path.join(workdir, `graph-${++graphCount}.json`);
  const outcome = await synthInProcess(c.stack, writeStackFile(config), ["--json", json]);
  const result: CaseResult = { code: outcome.code, stderr: outcome.stderr };
  if (![0, 1, 2].includes(outcome.code)) result.failure = `exit ${outcome.code}`;
  else if (/\n\s+at .+:\d+:\d+\)?/.test(`${outcome.stdout}\n${outcome.stderr}`)) result.failure = "a stack trace in the output";
  else if (/Duplicate resource URN/.test(outcome.stderr)) result.failure = "a duplicate URN";
  else if (outcome.code !== 1) {
    const graph = JSON.parse(readFileSync(json, "utf8")) as SynthGraph;
    result.failure = graphProblems(graph)[0];
  }
  rmSync(json, { force: true });
  return result;
}

/** What the real services would refuse in a synthesized graph: the limits of issue 25, checked on what synth made. */
export function graphProblems(graph: SynthGraph): string[] {
  const problems: string[] = [];
  const urns = new Set<string>();
  const credentials = new Map<string, string>();
  const objects = new Map<string, string>();
  for (const r of graph.resources) {
    if (urns.has(r.urn)) problems.push(`duplicate URN ${r.urn}`);
    urns.add(r.urn);
    const inputs = r.inputs as Record<string, unknown>;
    if (r.type === "azure-native:managedidentity:UserAssignedIdentity") {
      const name = String((r.outputs as Record<string, unknown>).name ?? "");
      if (name.length < 3 || name.length > 128) problems.push(`identity name ${name} is ${name.length} characters (3-128)`);
    }
    if (r.type === "azure-native:managedidentity:FederatedIdentityCredential") {
      const name = String(inputs.federatedIdentityCredentialResourceName);
      const key = `${String(inputs.resourceName)}/${name}`;
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/.test(name)) problems.push(`credential name ${name} is no valid name (3-120)`);
      if (String(inputs.subject).length > 600) problems.push(`credential ${name}: subject over 600 characters`);
      if (credentials.has(key) && credentials.get(key) !== String(inputs.subject)) problems.push(`credential ${key} for two subjects`);
      credentials.set(key, String(inputs.subject));
    }
    const tags = inputs.tags as Record<string, unknown> | undefined;
    if (tags && typeof tags === "object") {
      const lower = Object.keys(tags).map((t) => t.toLowerCase());
      if (new Set(lower).size !== lower.length) problems.push(`${r.urn}: tag names that differ only by case`);
      if (lower.includes("")) problems.push(`${r.urn}: an empty tag name`);
    }
    if (r.type.startsWith("kubernetes:") && r.custom && !r.type.startsWith("kubernetes:helm.sh")) {
      const metadata = (inputs.metadata ?? {}) as { name?: unknown; namespace?: unknown; labels?: Record<string, unknown> };
      if (typeof metadata.name === "string") {
        // Every version of a group's kind is one object (the API server converts between them).
        const [, groupVersion, kind] = r.type.split(":");
        const group = groupVersion.includes("/") ? groupVersion.split("/")[0] : "core";
        const key = `${kind}.${group}|${String(metadata.namespace ?? "")}|${metadata.name}`;
        // One kind and name in one namespace is one object: a second resource overwrites the first.
        if (objects.has(key)) problems.push(`two resources make ${key}: ${objects.get(key)} and ${r.urn}`);
        objects.set(key, r.urn);
        if (metadata.name.length > 253) problems.push(`${key}: name over 253 characters`);
      }
      for (const [label, value] of Object.entries(metadata.labels ?? {})) {
        if (typeof value === "string" && value.length > 63) problems.push(`${r.urn}: label ${label} value over 63 characters`);
      }
    }
    const size = JSON.stringify(inputs).length;
    if (r.type.startsWith("kubernetes:") && size > 1_500_000) problems.push(`${r.urn}: ${size} bytes, over the API server's limit`);
    if (r.type === "azure-native:operationalinsights:Workspace") {
      const cap = (inputs.workspaceCapping as { dailyQuotaGb?: unknown } | undefined)?.dailyQuotaGb;
      if (typeof cap === "number" && cap !== -1 && cap < LOG_ANALYTICS_MIN_DAILY_CAP_GB) problems.push(`${r.urn}: daily cap ${cap} GB, below Log Analytics' ${LOG_ANALYTICS_MIN_DAILY_CAP_GB}`);
    }
  }
  // Names, label values and sizes as the API server checks them (the deploy rule's own check).
  const checked = graph.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs as Record<string, unknown>, protect: r.protect, links: { custom: r.custom, parent: r.parent, provider: r.provider, dependencies: r.dependencies } }));
  problems.push(...kubernetesObjectProblems(checked).map((f) => `${f.urn}: ${f.message}`));
  return problems;
}

/** Runs `runs` cases from `seed`; resolves with the first failing case (shrunk) or undefined. */
export async function checkGenerated(options: { seed: number; runs: number; onCase?: (c: GeneratedCase, r: CaseResult) => void }): Promise<void> {
  await fc.assert(
    fc.asyncProperty(generatedCase, async (c) => {
      const result = await runCase(c);
      options.onCase?.(c, result);
      if (result.failure) throw new Error(`${result.failure}\nconfig: ${JSON.stringify(applyCase(c))}\n${result.stderr.slice(0, 4000)}`);
    }),
    { seed: options.seed, numRuns: options.runs, endOnFailure: true },
  );
}
