/**
 * A tenant is one component (GitOpsTenant). Before it was, a tenant's namespace component sat
 * directly under the platform: every tenant resource (its SOPS key, vault and registry among
 * them) must still match the state it has under that URN, through the alias the namespace
 * component carries and its children inherit (the engine's rule: step_generator.go, a child's
 * alias is its type and name under each alias of its parent).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { synthesize } from "../../synth/synthesize";
import { effectiveAliases } from "../aliases";
import { pinTestDay } from "../helpers";

pinTestDay();

const TENANT_COMPONENT = "gitops-platform:index:GitOpsTenant";

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
