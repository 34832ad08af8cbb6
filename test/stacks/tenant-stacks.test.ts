/**
 * Layered stacks: prod's and stage's tenants in tenant stacks build the same resources, with the same types
 * and names, as the same tenants inline in the platform stack; and moving them there with the
 * commands `npm run tenants:move` prints replaces nothing: every moved resource's URN, as
 * `pulumi state move` rewrites it, is one the tenant stack's program matches (an alias).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { FLUX_SIDE_TYPES, fluxSideUrns, movedUrn } from "../../synth/move-tenants";
import { PROJECT_ROOT, synthesize, synthesizeEnvironment } from "../../synth/synthesize";
import { readTenantStackFile, TENANTS_PROJECT, tenantStackNames } from "../../stacks/tenant-stacks";
import { effectiveAliases } from "../aliases";
import { inlineStackFile } from "../environments";
import { pinTestDay } from "../helpers";

pinTestDay();

/** The environment as one stack: the tenant stacks' tenants inline, synthesized where no tenants/ folder is. */
async function inlineEnvironment(environment: string) {
  const stacks = tenantStackNames(PROJECT_ROOT, environment).map((stack) => readTenantStackFile(PROJECT_ROOT, stack));
  const file = inlineStackFile(environment);
  const cwd = process.cwd();
  process.chdir(path.dirname(file));
  try {
    return { result: await synthesize({ stack: environment, configFile: file }), stacks };
  } finally {
    process.chdir(cwd);
  }
}

const TENANT_ROOT = "gitops-platform:index:GitOpsTenant$";

for (const environment of ["prod", "stage"]) test(`${environment}'s tenant stacks build what the same tenants inline build, with the same types and names, and the move replaces nothing`, async () => {
  const { result: inline, stacks } = await inlineEnvironment(environment);
  const layered = await synthesizeEnvironment({ stack: environment });
  assert.ok(stacks.length >= 2, `${environment} has tenant stacks`);
  assert.deepEqual(layered.tenantStacks.map((t) => t.stack), stacks.map((s) => s.stack));

  // Types and names: the inline tenants' resources are the platform side plus every tenant stack's.
  const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
  const tenantResources = (resources: { urn: string; type: string; name: string }[]) => resources.filter((r) => r.urn.includes(TENANT_ROOT)).map(key).sort();
  const split = [...tenantResources(layered.platform.run.resources), ...layered.tenantStacks.flatMap((t) => tenantResources(t.result.run.resources))].sort();
  // (The GitOpsTenant components themselves are not counted: each form has one per tenant and stack.)
  const layeredKeys = split;
  const inlineKeys = tenantResources(inline.run.resources);
  assert.deepEqual({ onlyLayered: layeredKeys.filter((k) => !inlineKeys.includes(k)), onlyInline: inlineKeys.filter((k) => !layeredKeys.includes(k)) }, { onlyLayered: [], onlyInline: [] });
  assert.deepEqual(layeredKeys, inlineKeys);

  // The platform side keeps its URNs; the Flux side moves, and the tenant stack matches each moved URN.
  const platformUrns = new Set(layered.platform.run.resources.map((r) => r.urn));
  for (const { stack, result } of layered.tenantStacks) {
    const aliases = effectiveAliases(result.run.resources);
    const matched = new Set([...aliases.values()].flatMap((set) => [...set]));
    const own = new Set(result.run.resources.map((r) => r.urn));
    const tenants = (stacks.find((s) => s.stack === stack)!.tenants as { name: string }[]).map((t) => t.name);
    for (const tenant of tenants) {
      const tops = fluxSideUrns(inline.graph.resources, `platform-${tenant}`);
      assert.ok(tops.length > 0, `${tenant} has a Flux side inline`);
      const moved = inline.run.resources.filter((r) => tops.includes(r.urn) || isUnder(r.urn, tops));
      for (const r of moved) {
        const movedType = [...FLUX_SIDE_TYPES].find((t) => r.urn.includes(t))!;
        const destination = movedUrn(r.urn, movedType, { stack, project: TENANTS_PROJECT });
        assert.ok(own.has(destination) || matched.has(destination), `${stack}: nothing matches the moved ${destination}`);
      }
    }
    // Everything else of the inline tenants stays in the platform stack under the same URN.
    for (const r of inline.run.resources.filter((x) => x.urn.includes(TENANT_ROOT) && ![...FLUX_SIDE_TYPES].some((t) => x.urn.includes(t)))) {
      assert.ok(platformUrns.has(r.urn), `the platform stack keeps ${r.urn}`);
    }
  }
});

/** Whether a URN is a descendant of one of the moved components (its chain holds the component's type and its name prefix). */
function isUnder(urn: string, tops: readonly string[]): boolean {
  return tops.some((top) => {
    const [, , topType, topName] = top.split("::");
    const [, , type, name] = urn.split("::");
    return type.startsWith(`${topType}$`) && name.startsWith(topName);
  });
}
