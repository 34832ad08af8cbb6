/**
 * A tenant is one component (GitOpsTenant). Before it was, a tenant's namespace component sat
 * directly under the platform: every tenant resource (its SOPS key, vault and registry among
 * them) must still match the state it has under that URN, through the alias the namespace
 * component carries and its children inherit (the engine's rule: step_generator.go, a child's
 * alias is its type and name under each alias of its parent).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RecordedResource } from "../../synth/engine";
import { synthesize } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

const TENANT_COMPONENT = "gitops-platform:index:GitOpsTenant";

/** Every URN the engine would match a resource's old state by: its aliases, and those inherited from its parents'. */
function effectiveAliases(resources: RecordedResource[]): Map<string, Set<string>> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, Set<string>>();
  const of = (urn: string): Set<string> => {
    const known = memo.get(urn);
    if (known) return known;
    const resource = byUrn.get(urn)!;
    const aliases = new Set(resource.aliases);
    if (resource.parent && byUrn.has(resource.parent)) {
      for (const parentAlias of of(resource.parent)) {
        const [prefix, project, qualifiedType] = parentAlias.split("::");
        aliases.add(`${prefix}::${project}::${qualifiedType}$${resource.type}::${resource.name}`);
      }
    }
    memo.set(urn, aliases);
    return aliases;
  };
  return new Map(resources.map((r) => [r.urn, of(r.urn)]));
}

for (const stack of ["dev", "prod"]) {
  test(`${stack}: every tenant resource keeps the state it had before the tenant was one component`, async () => {
    const { run } = await synthesize({ stack });
    const aliases = effectiveAliases(run.resources);
    const inTenant = run.resources.filter((r) => r.urn.includes(`${TENANT_COMPONENT}$`));
    assert.ok(inTenant.length > 20, "the stack has tenants");
    const lost = inTenant.filter((r) => !aliases.get(r.urn)!.has(r.urn.replace(`${TENANT_COMPONENT}$`, "")));
    assert.deepEqual(lost.map((r) => r.urn), []);
    const stateful = inTenant.filter((r) => ["azure-native:keyvault:Key", "azure-native:keyvault:Vault", "azure-native:containerregistry:Registry"].includes(r.type));
    if (stack === "prod") assert.ok(stateful.length > 0, "prod's tenants have keys, vaults or registries");
  });
}
