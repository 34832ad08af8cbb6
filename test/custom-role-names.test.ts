/**
 * Issue 24 item 5: custom role names are unique in the whole Entra tenant, so the platform's
 * carry the environment and the scope they are defined at; a renamed definition keeps its URN,
 * its GUID and its scope (what addresses it in ARM), so the rename is an in-place update.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { customRoleName } from "../components/azure/custom-role";
import { EncryptOnlyRole, encryptOnlyRoleGuid } from "../components/azure/encrypt-only-role";
import { SecretsWriterRole } from "../components/azure/secrets-writer-role";
import { run } from "./helpers";

const SUB_A = "00000000-0000-0000-0000-00000000000a";
const SUB_B = "00000000-0000-0000-0000-00000000000b";
const rg = (subscription: string, name: string) => `/subscriptions/${subscription}/resourceGroups/${name}`;
const ROLE_DEFINITION = "azure-native:authorization:RoleDefinition";

async function definitions(resourceGroupId: string, environment: string) {
  const result = await run(() => {
    new EncryptOnlyRole("platform-sops-encrypt-only", { resourceGroupId, environment });
    new SecretsWriterRole("platform-kv-secrets-writer", { resourceGroupId, environment });
    return {};
  });
  return result.ofType(ROLE_DEFINITION);
}

test("two platforms of one tenant never share a role name: same environment in two subscriptions, or two groups of one", async () => {
  const names = async (id: string, environment = "dev") => (await definitions(id, environment)).map((d) => d.inputs.roleName as string);
  const a = await names(rg(SUB_A, "rg-gitops-dev"));
  const b = await names(rg(SUB_B, "rg-gitops-dev"));
  const c = await names(rg(SUB_A, "rg-gitops-dev-2"));
  const prod = await names(rg(SUB_A, "rg-gitops-prod"), "prod");
  const all = [...a, ...b, ...c, ...prod];
  assert.equal(new Set(all).size, all.length, all.join("\n"));
  assert.match(a[0], /^gitops-platform SOPS encrypt-only \(dev, rg-gitops-dev, [0-9a-f]{8}\)$/);
  assert.match(prod[1], /^gitops-platform Key Vault secrets write-only \(prod, rg-gitops-prod, [0-9a-f]{8}\)$/);
});

test("a role name is stable for a scope whatever the case ARM spells it in, and stays under 128 characters", () => {
  const id = rg(SUB_A, "rg-gitops-dev");
  const hash = (name: string) => /, ([0-9a-f]{8})\)$/.exec(name)?.[1];
  assert.equal(customRoleName("x", "dev", id), customRoleName("x", "dev", id));
  assert.equal(hash(customRoleName("x", "dev", id)), hash(customRoleName("x", "dev", id.replace("resourceGroups", "resourcegroups").toUpperCase())));
  const longest = customRoleName("gitops-platform Key Vault secrets write-only", "a".repeat(20), rg(SUB_A, "g".repeat(90)));
  assert.ok(longest.length <= 128, `${longest.length}: ${longest}`);
});

test("the rename keeps what addresses a definition in ARM: URN, GUID (roleDefinitionId) and scope", async () => {
  const id = rg(SUB_A, "rg-gitops-dev");
  const [sops, writer] = await definitions(id, "dev");
  assert.ok(sops.urn.endsWith("::gitops-platform:azure:EncryptOnlyRole$azure-native:authorization:RoleDefinition::platform-sops-encrypt-only"), sops.urn);
  assert.equal(sops.inputs.roleDefinitionId, encryptOnlyRoleGuid(id), "the GUID does not depend on the name");
  assert.equal(sops.inputs.scope, id);
  assert.deepEqual(sops.inputs.assignableScopes, [id]);
  assert.equal(writer.name, "platform-kv-secrets-writer");
});
