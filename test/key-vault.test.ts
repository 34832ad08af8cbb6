import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyVault, KeyVaultArgs } from "../components/azure/key-vault";
import { keyVaultName, keyVaultNameProblem } from "../components/azure/key-vault-name";
import { MOCK_CLIENT } from "../synth/mocks";
import { run } from "./helpers";

const base: KeyVaultArgs = { resourceGroupName: "rg-gitops-dev", location: "westeurope", environment: "dev" };

test("the vault uses RBAC, soft delete, purge protection and a deny-by-default firewall", async () => {
  const result = await run(() => new KeyVault("kv", { ...base, allowedIpRanges: ["203.0.113.0/24"], softDeleteRetentionDays: 30, sku: "premium" }));
  const vault = result.one("azure-native:keyvault:Vault");
  const properties = vault.inputs.properties as Record<string, unknown>;
  assert.equal(properties.enableRbacAuthorization, true);
  assert.equal(properties.enableSoftDelete, true);
  assert.equal(properties.softDeleteRetentionInDays, 30);
  assert.equal(properties.enablePurgeProtection, true);
  assert.equal(properties.tenantId, MOCK_CLIENT.tenantId);
  assert.deepEqual(properties.sku, { family: "A", name: "premium" });
  assert.deepEqual(properties.networkAcls, { bypass: "AzureServices", defaultAction: "Deny", ipRules: [{ value: "203.0.113.0/24" }] });
  assert.equal(keyVaultNameProblem(String(vault.inputs.vaultName)), undefined);
  assert.match(String(vault.inputs.vaultName), /^kv-dev-[a-z0-9]{6}$/);
});

test("purge protection off leaves the flag unset (Azure rejects false) and protect follows args", async () => {
  const result = await run(() => new KeyVault("kv", { ...base, purgeProtection: false, networkDefaultAction: "Allow" }));
  const vault = result.one("azure-native:keyvault:Vault");
  assert.equal((vault.inputs.properties as Record<string, unknown>).enablePurgeProtection, undefined);
  assert.equal(vault.protect, false);
  const prod = await run(() => {
    const kv = new KeyVault("kv", { ...base, environment: "prod", protect: true });
    kv.createKey("seal", { keyName: "vault-unseal", keyOps: ["wrapKey", "unwrapKey"] });
  });
  assert.equal(prod.one("azure-native:keyvault:Vault").protect, true);
  assert.equal(prod.one("azure-native:keyvault:Key").protect, true, "keys inherit the vault's protection");
});

test("keys and grants: a role on one key is scoped to that key's id with the role's GUID", async () => {
  const result = await run(() => {
    const kv = new KeyVault("kv", base);
    const key = kv.createKey("sops", { keyName: "sops", keyOps: ["encrypt", "decrypt"], keySize: 4096 });
    kv.grantRole("sops-user", { principalId: "11111111-1111-4111-8111-111111111111", role: "Key Vault Crypto User", key });
    kv.grantRole("admin", { principalId: "22222222-2222-4222-8222-222222222222", role: "Key Vault Administrator", principalType: "Group" });
  });
  const key = result.one("azure-native:keyvault:Key");
  assert.deepEqual(key.inputs.properties, { kty: "RSA", keySize: 4096, keyOps: ["encrypt", "decrypt"] });
  assert.equal(key.inputs.vaultName, result.one("azure-native:keyvault:Vault").outputs.name);
  const onKey = result.one("azure-native:authorization:RoleAssignment", "sops-user");
  assert.equal(onKey.inputs.scope, result.one("azure-native:keyvault:Key").id);
  assert.equal(
    onKey.inputs.roleDefinitionId,
    `/subscriptions/${MOCK_CLIENT.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/12338af0-0e69-4776-bea7-57ae8d297424`,
  );
  assert.equal(onKey.inputs.principalType, "ServicePrincipal");
  const onVault = result.one("azure-native:authorization:RoleAssignment", "admin");
  assert.equal(onVault.inputs.scope, result.one("azure-native:keyvault:Vault").id);
  assert.equal(onVault.inputs.principalType, "Group");
  assert.match(String(onVault.inputs.roleDefinitionId), /00482a5a-887f-4fb3-b363-3b7fe8e74483$/);
});

test("vault names fit 3-24 characters whatever the environment", () => {
  assert.equal(keyVaultName("dev", "a1b2c3"), "kv-dev-a1b2c3");
  const long = keyVaultName("production-europe-west-primary", "a1b2c3");
  assert.equal(long.length, 24);
  assert.equal(keyVaultNameProblem(long), undefined);
  assert.equal(keyVaultName("prod-", "zzzzzz"), "kv-prod-zzzzzz");
  assert.match(String(keyVaultNameProblem("kv--x")), /consecutive hyphens/);
  assert.match(String(keyVaultNameProblem("1kv")), /start with a letter/);
});

test("whoever runs Pulumi gets Key Vault Crypto Officer on the vault, and every key waits for it to propagate", async () => {
  const result = await run(() => {
    const kv = new KeyVault("kv", {
      ...base,
      administrators: [
        { key: "deployer", principalId: MOCK_CLIENT.objectId, principalType: "User" },
        { key: "admins-0f1e2d3c", principalId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", principalType: "Group" },
      ],
    });
    kv.createKey("sops", { keyName: "sops", keyOps: ["encrypt", "decrypt"] });
  });
  const vault = result.one("azure-native:keyvault:Vault");
  const grants = result.ofType("azure-native:authorization:RoleAssignment");
  // Named by who they are for, so reordering administrators recreates nothing.
  assert.deepEqual(grants.map((g) => g.name).sort(), ["kv-crypto-officer-admins-0f1e2d3c", "kv-crypto-officer-deployer"]);
  for (const grant of grants) {
    assert.equal(grant.values.scope, vault.id);
    assert.match(String(grant.values.roleDefinitionId), /\/roleDefinitions\/14b46e9e-c2b7-41b4-b07b-48a6ebf60603$/);
  }
  assert.deepEqual(grants.map((g) => g.values.principalType).sort(), ["Group", "User"]);
  const wait = result.one("time:index/sleep:Sleep", "kv-data-plane-wait");
  assert.equal(wait.values.createDuration, "5m");
  assert.deepEqual([...wait.dependencies].sort(), grants.map((g) => g.urn).sort());
  assert.ok(result.one("azure-native:keyvault:Key").dependencies.includes(wait.urn), "the key waits for the propagation");
});

test("an administrator key must be a short slug, given once", async () => {
  const admin = { principalId: "p", principalType: "User" as const };
  await assert.rejects(run(() => new KeyVault("kv", { ...base, administrators: [{ key: "Deployer!", ...admin }] })), /administrator key "Deployer!"/);
  await assert.rejects(
    run(() => new KeyVault("kv", { ...base, administrators: [{ key: "deployer", ...admin }, { key: "deployer", ...admin }] })),
    /administrator key "deployer" is given twice/,
  );
});

test("subnets allowed through the firewall become virtual network rules, in the lower case Key Vault stores", async () => {
  const subnet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes";
  const result = await run(() => new KeyVault("kv", { ...base, allowedSubnetIds: [subnet] }));
  const acls = (result.one("azure-native:keyvault:Vault").values.properties as { networkAcls: { virtualNetworkRules: unknown } }).networkAcls;
  assert.deepEqual(acls.virtualNetworkRules, [{ id: subnet.toLowerCase() }]);
});

test("a key's name is fixed when it is created: later changes are ignored rather than replacing the key", async () => {
  const result = await run(() => new KeyVault("kv", base).createKey("seal", { keyName: "vault-unseal", keyOps: ["wrapKey", "unwrapKey"] }));
  const key = result.one("azure-native:keyvault:Key");
  assert.equal(key.values.keyName, "vault-unseal");
  assert.ok(key.ignoreChanges.includes("keyName"), key.ignoreChanges.join(", "));
  assert.equal(result.ofType("random:index/randomString:RandomString").length, 1, "only the vault's own suffix");
});

test("uniqueSuffix: the name gets a random suffix that lives and dies with the key, so a re-created key never meets its soft-deleted namesake", async () => {
  const result = await run(() => {
    const kv = new KeyVault("kv", base);
    kv.createKey("sops", { keyName: "flux-sops", uniqueSuffix: true, keyOps: ["encrypt", "decrypt"] });
  });
  const key = result.one("azure-native:keyvault:Key");
  const suffix = result.one("random:index/randomString:RandomString", "sops-name-suffix");
  assert.equal(key.values.keyName, `flux-sops-${String(suffix.outputs.result)}`);
  assert.match(String(key.values.keyName), /^flux-sops-[a-z0-9]{6}$/);
  assert.equal(suffix.parent, key.parent, "beside the key: created and deleted with it");
  assert.ok(key.ignoreChanges.includes("keyName"));
});

test("firewall rules are written as Azure stores them: a bare address as /32, so refresh finds no drift", async () => {
  const result = await run(() => new KeyVault("kv", { ...base, allowedIpRanges: ["198.51.100.17", "203.0.113.0/24", "192.0.2.1/32"] }));
  const acls = (result.one("azure-native:keyvault:Vault").inputs.properties as { networkAcls: { ipRules: { value: string }[] } }).networkAcls;
  assert.deepEqual(acls.ipRules, [{ value: "198.51.100.17/32" }, { value: "203.0.113.0/24" }, { value: "192.0.2.1/32" }]);
});

test("lock and diagnostic settings, the common Azure inputs: none by default, on the vault when asked", async () => {
  const none = await run(() => new KeyVault("kv", base));
  assert.equal(none.ofType("azure-native:authorization:ManagementLockByScope").length, 0);
  assert.equal(none.ofType("azure-native:monitor:DiagnosticSetting").length, 0);
  const workspaceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs";
  const result = await run(() => new KeyVault("kv", { ...base, lock: "CanNotDelete", diagnostics: { workspaceId } }));
  const vault = result.one("azure-native:keyvault:Vault");
  const lock = result.one("azure-native:authorization:ManagementLockByScope");
  assert.equal(lock.values.scope, vault.id);
  assert.equal(lock.values.level, "CanNotDelete");
  assert.ok(lock.dependencies.includes(vault.urn), "deleted before the vault");
  const setting = result.one("azure-native:monitor:DiagnosticSetting");
  assert.equal(setting.values.resourceUri, vault.id);
  assert.equal(setting.values.workspaceId, workspaceId);
  // allLogs covers Key Vault's AuditEvent: every data-plane call.
  assert.deepEqual(setting.values.logs, [{ categoryGroup: "allLogs", enabled: true }]);
  assert.deepEqual(setting.values.metrics, [{ category: "AllMetrics", enabled: true }]);
});
