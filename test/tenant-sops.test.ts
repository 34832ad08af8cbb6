import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { EncryptOnlyRole, ENCRYPT_ONLY_DATA_ACTIONS, encryptOnlyRoleGuid } from "../components/azure/encrypt-only-role";
import { uuidV5 } from "../components/azure/custom-role";
import { KeyVault } from "../components/azure/key-vault";
import { TenantSops } from "../components/tenant/sops";
import { validateKubernetesObjects } from "../synth/validate";
import { dependsOn, run, TestRun } from "./helpers";

const ISSUER = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/3c2f/";
const RG_ID = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-dev";
const ADMINS = ["8A1F2E3D-4C5B-4A69-8789-0A1B2C3D4E01", "8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e09"];

async function runTenantSops(protect?: boolean): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const keyVault = new KeyVault("kv", {
      resourceGroupName: "rg-gitops-dev",
      location: "westeurope",
      environment: "dev",
      administrators: [{ key: "deployer", principalId: "11111111-1111-4111-8111-111111111111", principalType: "User" }],
    });
    const namespace = new k8s.core.v1.Namespace("web", { metadata: { name: "web" } }, { provider });
    const role = new EncryptOnlyRole("encrypt-only", { resourceGroupId: RG_ID, environment: "dev" });
    const sops = new TenantSops("web-sops", {
      provider,
      tenant: "web",
      namespace: "web",
      keyVault,
      cluster: { resourceGroupName: "rg-gitops-dev", location: "westeurope", oidcIssuerUrl: ISSUER },
      adminGroups: ADMINS,
      encryptOnly: role,
      namespaceReady: [namespace],
      protect,
    });
    return { sopsConfig: sops.sopsConfig, keyId: sops.keyId };
  });
}

test("a tenant's own key, in the platform vault, after the vault's data-plane grant", async () => {
  const r = await runTenantSops();
  const key = r.one("azure-native:keyvault:Key");
  assert.equal(key.name, "web-sops-key");
  assert.match(String(key.outputs.name ?? key.values.keyName), /^sops-web-[a-z0-9]{6}$/, "named with a fresh suffix: no collision with a soft-deleted key");
  assert.deepEqual((key.values.properties as { keyOps: string[] }).keyOps, ["encrypt", "decrypt"]);
  assert.ok(key.ignoreChanges.includes("keyName"));
  assert.ok(dependsOn(r, key, r.one("time:index/sleep:Sleep", "kv-data-plane-wait")), "KeyVault.createKey: waits for the propagated data-plane grant");
  const config = parse(String(r.outputs.sopsConfig)) as { creation_rules: Record<string, string>[] };
  assert.equal(config.creation_rules[0].azure_keyvault, key.outputs.keyUriWithVersion);
  assert.equal(r.outputs.keyId, key.outputs.keyUriWithVersion);
});

test("a tenant identity federated with the tenant's decryption account only, Crypto User on the tenant's key only", async () => {
  const r = await runTenantSops();
  const key = r.one("azure-native:keyvault:Key");
  const identity = r.one("azure-native:managedidentity:UserAssignedIdentity");
  const credential = r.one("azure-native:managedidentity:FederatedIdentityCredential");
  assert.equal(credential.values.subject, "system:serviceaccount:web:flux-decryption");
  assert.equal(credential.values.issuer, ISSUER);
  const grants = r.ofType("azure-native:authorization:RoleAssignment").filter((g) => g.values.principalId === identity.outputs.principalId);
  assert.equal(grants.length, 1);
  assert.equal(grants[0].values.scope, key.id);
  assert.match(String(grants[0].values.roleDefinitionId), /\/roleDefinitions\/12338af0-0e69-4776-bea7-57ae8d297424$/, "Key Vault Crypto User");

  const account = r.one("kubernetes:core/v1:ServiceAccount");
  assert.deepEqual((account.values.metadata as { annotations: object }).annotations, {
    "azure.workload.identity/client-id": identity.outputs.clientId,
    "azure.workload.identity/tenant-id": identity.outputs.tenantId,
  });
  assert.equal((account.values.metadata as { namespace: string }).namespace, "web");
  assert.equal(account.values.automountServiceAccountToken, false);
});

test("kustomize-controller may create tokens for the decryption account, and for no other", async () => {
  const r = await runTenantSops();
  const role = r.one("kubernetes:rbac.authorization.k8s.io/v1:Role");
  assert.deepEqual(role.values.rules, [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: ["flux-decryption"], verbs: ["create"] }]);
  const binding = r.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
  assert.deepEqual(binding.values.subjects, [{ kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" }]);
  const namespace = r.one("kubernetes:core/v1:Namespace");
  for (const object of [role, binding, r.one("kubernetes:core/v1:ServiceAccount")]) assert.ok(dependsOn(r, object, namespace), `${object.name} waits for its namespace`);
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("tenant admins may encrypt with their key and not decrypt: the encrypt-only role, on the key, per group", async () => {
  const r = await runTenantSops();
  const key = r.one("azure-native:keyvault:Key");
  const definition = r.one("azure-native:authorization:RoleDefinition");
  const guid = encryptOnlyRoleGuid(RG_ID);
  assert.equal(definition.values.roleDefinitionId, guid);
  assert.deepEqual(definition.values.permissions, [{ actions: [], notActions: [], dataActions: [...ENCRYPT_ONLY_DATA_ACTIONS], notDataActions: [] }]);
  assert.deepEqual(ENCRYPT_ONLY_DATA_ACTIONS, ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/encrypt/action"]);
  assert.ok(!JSON.stringify(definition.values.permissions).includes("decrypt"));
  assert.deepEqual(definition.values.assignableScopes, [RG_ID]);
  assert.equal(definition.values.scope, RG_ID);

  const grants = r.ofType("azure-native:authorization:RoleAssignment").filter((g) => g.values.principalType === "Group");
  assert.deepEqual(
    grants.map((g) => g.values.principalId).sort(),
    ADMINS.map((id) => id.toLowerCase()).sort(),
  );
  const wait = r.one("time:index/sleep:Sleep", "encrypt-only-wait");
  for (const grant of grants) {
    assert.equal(grant.values.scope, key.id, "on the tenant's own key");
    assert.match(String(grant.values.roleDefinitionId), new RegExp(`/providers/Microsoft\\.Authorization/roleDefinitions/${guid}$`));
    assert.ok(dependsOn(r, grant, wait), "after the new role definition has propagated");
  }
});

test("the encrypt-only role's id is a name-based UUID: stable, known before the first deploy, one per resource group", () => {
  // RFC 4122 / Python's uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com").
  assert.equal(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  assert.equal(encryptOnlyRoleGuid(RG_ID), encryptOnlyRoleGuid(RG_ID.toUpperCase()));
  assert.notEqual(encryptOnlyRoleGuid(RG_ID), encryptOnlyRoleGuid(RG_ID.replace("dev", "prod")));
});

test("protect reaches the tenant's key", async () => {
  assert.equal((await runTenantSops(true)).one("azure-native:keyvault:Key").protect, true);
  assert.equal((await runTenantSops()).one("azure-native:keyvault:Key").protect, false);
});
