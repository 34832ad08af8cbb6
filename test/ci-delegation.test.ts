/**
 * Issue 22 item 3: the CI deploy identity can no longer delegate the built-in Key Vault Secrets
 * Officer; Vault's bootstrap Job gets a custom role with only what its script does, which the
 * deploy identity may assign to service principals only.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DELEGABLE_ROLES, roleAssignmentCondition } from "../components/azure/ci-identity";
import { BUILT_IN_ROLES } from "../components/azure/roles";
import { VAULT_BOOTSTRAP_DATA_ACTIONS, vaultBootstrapRoleGuid } from "../components/azure/vault-bootstrap-role";
import { conditionAllows } from "../policy/rules/abac";

const RG = "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-prod";
const DEPLOY = "11111111-1111-4111-8111-111111111111";
const PREVIEW = "22222222-2222-4222-8222-222222222222";
const TARGET = "33333333-3333-4333-8333-333333333333";

test("attack: a deploy run assigns Key Vault Secrets Officer (or Administrator) to a principal of its choosing; the condition refuses", () => {
  const bootstrap = vaultBootstrapRoleGuid(RG);
  const condition = roleAssignmentCondition({ roles: DELEGABLE_ROLES, excludedPrincipalIds: [DEPLOY, PREVIEW], servicePrincipalRoleGuids: [bootstrap] });
  assert.ok(!(DELEGABLE_ROLES as readonly string[]).includes("Key Vault Secrets Officer"));
  for (const action of ["write", "delete"] as const) {
    for (const role of ["Key Vault Secrets Officer", "Key Vault Administrator"] as const) {
      assert.equal(conditionAllows(condition, { action, roleDefinitionGuid: BUILT_IN_ROLES[role], principalId: TARGET, principalType: "ServicePrincipal" }), false, `${action} ${role}`);
    }
    // The bootstrap role: to a service principal, never to a group, a person or the CI itself.
    assert.equal(conditionAllows(condition, { action, roleDefinitionGuid: bootstrap, principalId: TARGET, principalType: "ServicePrincipal" }), true);
    for (const principalType of ["Group", "User"]) {
      assert.equal(conditionAllows(condition, { action, roleDefinitionGuid: bootstrap, principalId: TARGET, principalType }), false, principalType);
    }
    assert.equal(conditionAllows(condition, { action, roleDefinitionGuid: bootstrap, principalId: DEPLOY, principalType: "ServicePrincipal" }), false, "itself");
  }
  assert.throws(() => roleAssignmentCondition({ roles: DELEGABLE_ROLES, excludedPrincipalIds: [DEPLOY], servicePrincipalRoleGuids: ["x') OR (true"] }), /is not a GUID/);
});

test("the bootstrap role sets, lists and reads secrets, and nothing else: no delete, purge, backup, restore, keys or control plane", () => {
  assert.deepEqual([...VAULT_BOOTSTRAP_DATA_ACTIONS].sort(), [
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    "Microsoft.KeyVault/vaults/secrets/setSecret/action",
  ]);
  assert.notEqual(vaultBootstrapRoleGuid(RG), vaultBootstrapRoleGuid(RG.replace("prod", "dev")));
});
