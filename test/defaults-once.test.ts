/**
 * Each default has one owner, the component whose Args it fills (issue 27 item 2): the stack
 * config's schema states a default for a key only as the component's own constant, so a default
 * changed in the component changes it for the stack too, and the two can never disagree. The
 * schema's defaults, dev's and prod's, are read from zod's JSON Schema (the one `npm run schema`
 * writes, before it drops the defaults that differ per environment).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { z } from "zod";
import { DEFAULT_CLUSTER_LOG_CATEGORIES } from "../components/azure/monitoring";
import { FLAGGER_CHART_VERSION, FLAGGER_NAMESPACE, FLAGGER_PROMETHEUS_RETENTION } from "../components/kubernetes/flagger";
import { DEFAULT_HELM_DRIFT_DETECTION } from "../components/kubernetes/flux-manifests";
import { SEALED_SECRETS_DEFAULTS } from "../components/kubernetes/sealed-secrets";
import { VAULT_DEFAULTS } from "../components/kubernetes/vault";
import { IMAGE_UPDATE_BRANCH } from "../components/tenant/git-source";
import { DEFAULT_PVC_COUNT, DEFAULT_STORAGE_REQUESTS } from "../components/tenant/namespace-policy";
import { platformObjectSchema } from "../stacks/config-shape";
import { PROJECT_ROOT } from "../synth/synthesize";

/** A config key (`a.b`, `list[].c`) and the component constant that owns its default. */
interface Owned {
  key: string;
  owner: string;
  value: unknown;
}

const vault = (field: keyof typeof VAULT_DEFAULTS): Owned => ({ key: `vault.${field}`, owner: `VAULT_DEFAULTS.${field}`, value: VAULT_DEFAULTS[field] });
const sealedSecrets = (field: keyof typeof SEALED_SECRETS_DEFAULTS): Owned => ({ key: `sealedSecrets.${field}`, owner: `SEALED_SECRETS_DEFAULTS.${field}`, value: SEALED_SECRETS_DEFAULTS[field] });

/**
 * The keys whose default a component owns, the same in every environment. Keys an environment
 * sets apart from the component's baseline (Vault's replicas and storage, the Key Vault, the AKS
 * tier and pools: stacks/environments.ts, which builds them from the same constants) are not here.
 */
const OWNED: Owned[] = [
  vault("version"),
  vault("chartVersion"),
  vault("recoveryShares"),
  vault("recoveryThreshold"),
  vault("ui"),
  vault("kvMount"),
  sealedSecrets("chartVersion"),
  sealedSecrets("keyGenerations"),
  { key: "flagger.version", owner: "FLAGGER_CHART_VERSION", value: FLAGGER_CHART_VERSION },
  { key: "flagger.namespace", owner: "FLAGGER_NAMESPACE", value: FLAGGER_NAMESPACE },
  { key: "flagger.prometheusRetention", owner: "FLAGGER_PROMETHEUS_RETENTION", value: FLAGGER_PROMETHEUS_RETENTION },
  { key: "tenants[].helmReleases[].driftDetection", owner: "DEFAULT_HELM_DRIFT_DETECTION", value: DEFAULT_HELM_DRIFT_DETECTION },
  { key: "tenants[].quota.persistentVolumeClaims", owner: "DEFAULT_PVC_COUNT", value: DEFAULT_PVC_COUNT },
  { key: "tenants[].quota.storage", owner: "DEFAULT_STORAGE_REQUESTS", value: DEFAULT_STORAGE_REQUESTS },
  { key: "tenants[].imageAutomation.pushBranch", owner: "IMAGE_UPDATE_BRANCH", value: IMAGE_UPDATE_BRANCH },
  { key: "monitoring.clusterLogCategories", owner: "DEFAULT_CLUSTER_LOG_CATEGORIES", value: DEFAULT_CLUSTER_LOG_CATEGORIES },
];

type JsonSchema = { [key: string]: unknown };

/** Every key the JSON Schema describes, `list[].field` for arrays, with its default if it states one. */
function schemaKeys(schema: JsonSchema, prefix = "", into = new Map<string, { default?: unknown }>()): Map<string, { default?: unknown }> {
  if (prefix !== "" && !into.has(prefix)) into.set(prefix, {});
  if (prefix !== "" && "default" in schema) into.set(prefix, { default: schema.default });
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) schemaKeys(child, prefix === "" ? name : `${prefix}.${name}`, into);
  if (schema.items && typeof schema.items === "object") schemaKeys(schema.items as JsonSchema, `${prefix}[]`, into);
  for (const branch of ["anyOf", "oneOf", "allOf"]) for (const child of (schema[branch] ?? []) as JsonSchema[]) schemaKeys(child, prefix, into);
  return into;
}

/** Where the schema states a default other than the owner's, or no longer has the key at all. */
function shadowedDefaults(schema: JsonSchema, owned: readonly Owned[]): string[] {
  const keys = schemaKeys(schema);
  return owned.flatMap(({ key, owner, value }) => {
    const found = keys.get(key);
    if (found === undefined) return [`${key}: not in the config schema (the table of owned defaults is stale)`];
    // Leaving the key unset, so that the component's default applies, is the other way to state it once.
    if (!("default" in found)) return [];
    return JSON.stringify(found.default) === JSON.stringify(value) ? [] : [`${key}: the config's default ${JSON.stringify(found.default)} shadows the component's ${owner} ${JSON.stringify(value)}`];
  });
}

const jsonSchemaOf = (environment: string) => z.toJSONSchema(platformObjectSchema(environment), { io: "input", unrepresentable: "any" }) as JsonSchema;

test("each component default is stated once: the dev and prod config schemas default every key a component owns to that component's constant", () => {
  for (const environment of ["dev", "prod"]) {
    const schema = jsonSchemaOf(environment);
    assert.deepEqual(shadowedDefaults(schema, OWNED), [], environment);
    assert.ok(OWNED.every(({ key }) => "default" in schemaKeys(schema).get(key)!), `${environment}: the schema states each owned default`);
  }
});

test("attack: a config default that differs from the component's (a Vault version, a tenant's drift mode) is found, naming the key and both values", () => {
  const schema = jsonSchemaOf("dev");
  const properties = (node: JsonSchema) => node.properties as Record<string, JsonSchema>;
  properties(properties(schema).vault).version.default = "1.19.0";
  const helmRelease = (properties(properties(schema).tenants.items as JsonSchema).helmReleases.items as JsonSchema);
  properties(helmRelease).driftDetection.default = "warn";
  assert.deepEqual(shadowedDefaults(schema, OWNED), [
    `vault.version: the config's default "1.19.0" shadows the component's VAULT_DEFAULTS.version "${VAULT_DEFAULTS.version}"`,
    `tenants[].helmReleases[].driftDetection: the config's default "warn" shadows the component's DEFAULT_HELM_DRIFT_DETECTION "enabled"`,
  ]);
});

test("a key renamed or dropped from the config makes the table of owned defaults fail, not pass quietly", () => {
  assert.deepEqual(shadowedDefaults(jsonSchemaOf("dev"), [{ key: "vault.versions", owner: "VAULT_DEFAULTS.version", value: VAULT_DEFAULTS.version }]), [
    "vault.versions: not in the config schema (the table of owned defaults is stale)",
  ]);
});

/** `.default("…")` and `?? "…"` in the config layer that spell out an owned string default instead of naming its constant. */
function restatedDefaults(files: Record<string, string>, owned: readonly Owned[]): string[] {
  const strings = owned.filter((o): o is Owned & { value: string } => typeof o.value === "string");
  return Object.entries(files).flatMap(([file, source]) =>
    strings.flatMap(({ key, owner, value }) => {
      const literal = JSON.stringify(value);
      const spelled = [`.default(${literal})`, `?? ${literal}`].filter((form) => source.includes(form));
      return spelled.map((form) => `${file}: ${form} restates ${owner} (${key}); use the constant`);
    }),
  );
}

const stacksSources = () =>
  Object.fromEntries(
    readdirSync(path.join(PROJECT_ROOT, "stacks"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => [`stacks/${f}`, readFileSync(path.join(PROJECT_ROOT, "stacks", f), "utf8")]),
  );

test("the config layer names each owned default's constant instead of spelling out its value", () => {
  assert.deepEqual(restatedDefaults(stacksSources(), OWNED), []);
});

test("attack: a schema that spells out Flagger's retention or the Vault version is found", () => {
  const files = { "stacks/probe.ts": `prometheusRetention: duration.default("2h"),\nversion: x ?? "${VAULT_DEFAULTS.version}",` };
  assert.deepEqual(restatedDefaults(files, OWNED), [
    `stacks/probe.ts: ?? "${VAULT_DEFAULTS.version}" restates VAULT_DEFAULTS.version (vault.version); use the constant`,
    'stacks/probe.ts: .default("2h") restates FLAGGER_PROMETHEUS_RETENTION (flagger.prometheusRetention); use the constant',
  ]);
});
