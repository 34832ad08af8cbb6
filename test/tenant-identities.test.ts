/** TenantIdentities: a tenant's own Key Vault, its Azure identities, and what Flux sources need to use them. */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { BUILT_IN_ROLES } from "../components/azure/role-ids";
import { SECRETS_WRITER_DATA_ACTIONS, SecretsWriterRole, secretsWriterRoleGuid } from "../components/azure/secrets-writer-role";
import {
  blobContainerScope,
  registryLoginServer,
  registryPullGrant,
  scopeKind,
  scopeName,
  sourceTokenRules,
  TenantIdentities,
  TenantIdentitiesArgs,
} from "../components/tenant/identities";
import { validateKubernetesObjects } from "../synth/validate";
import { dependsOn, run, TestRun } from "./helpers";

const ISSUER = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/3c2f/";
const RG_ID = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-dev";
const REGISTRY = `${RG_ID}/providers/Microsoft.ContainerRegistry/registries/AcmePlatformDev`;
const ACCOUNT = `${RG_ID}/providers/Microsoft.Storage/storageAccounts/acmeplatformdev`;
const CONTAINER = blobContainerScope(ACCOUNT, "web-manifests");
const SUBNET = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-prod/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes";
const ADMINS = ["8A1F2E3D-4C5B-4A69-8789-0A1B2C3D4E01", "8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e09"];
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";

type Overrides = Partial<Omit<TenantIdentitiesArgs, "provider" | "namespaceReady">>;

async function runTenant(overrides: Overrides = {}): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const namespace = new k8s.core.v1.Namespace("web", { metadata: { name: "web" } }, { provider });
    const writer = new SecretsWriterRole("writer", { resourceGroupId: RG_ID, environment: "dev" });
    const azure = new TenantIdentities("web-azure", {
      provider,
      tenant: "web",
      namespace: "web",
      environment: "prod",
      cluster: { resourceGroupName: "rg-gitops-prod", location: "westeurope", oidcIssuerUrl: ISSUER },
      keyVault: { networkDefaultAction: "Deny", allowedIpRanges: ["203.0.113.7"], allowedSubnetIds: [SUBNET], purgeProtection: true, protect: true },
      adminGroups: ADMINS,
      secretsWriter: writer,
      identities: [
        { name: "frontend", serviceAccounts: ["frontend", "frontend-worker"], roles: [{ role: "Key Vault Secrets User", scope: "keyVault" }] },
        { name: "deployer", serviceAccounts: ["flux-oci"], roles: [{ role: "AcrPull", scope: REGISTRY }, { role: "Storage Blob Data Reader", scope: CONTAINER }] },
      ],
      sourceServiceAccounts: ["flux-oci", "flux-oci"],
      namespaceReady: [namespace],
      tags: { environment: "prod" },
      ...overrides,
    });
    return { keyVaultName: azure.keyVault?.name, tenantId: azure.tenantId, identities: azure.identityOutputs };
  });
}

const roleGuid = (assignment: { values: Record<string, unknown> }) => String(assignment.values.roleDefinitionId).split("/").pop();

test("the tenant's own vault: RBAC, the platform vault's firewall, protected, marked as the tenant's, and no key administrators nor waits", async () => {
  const r = await runTenant();
  const vault = r.one("azure-native:keyvault:Vault");
  const properties = vault.values.properties as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(properties.enableRbacAuthorization, true);
  assert.equal(properties.enablePurgeProtection, true);
  assert.equal(properties.networkAcls.defaultAction, "Deny");
  assert.deepEqual(properties.networkAcls.ipRules, [{ value: "203.0.113.7/32" }]);
  assert.deepEqual(properties.networkAcls.virtualNetworkRules, [{ id: SUBNET.toLowerCase() }], "the nodes reach it through the subnet's service endpoint");
  assert.equal(vault.protect, true);
  assert.deepEqual(vault.values.tags, { environment: "prod", "gitops-platform-tenant": "web" });
  assert.match(String(r.outputs.keyVaultName), /^kv-prod-web-[a-z0-9]{6}$/);
  assert.ok(!r.ofType(ASSIGNMENT).some((a) => roleGuid(a) === BUILT_IN_ROLES["Key Vault Crypto Officer"]), "no keys here: nobody needs Crypto Officer");
  assert.deepEqual(r.ofType("time:index/sleep:Sleep").map((s) => s.name), ["writer-wait"], "only the new role definition's wait");
});

test("the tenant's admins may write the vault's secrets and read none: the write-only role, per group, on the tenant's vault", async () => {
  const r = await runTenant();
  const vault = r.one("azure-native:keyvault:Vault");
  const definition = r.one("azure-native:authorization:RoleDefinition");
  assert.equal(definition.values.roleDefinitionId, secretsWriterRoleGuid(RG_ID));
  assert.deepEqual(definition.values.permissions, [{ actions: [], notActions: [], dataActions: [...SECRETS_WRITER_DATA_ACTIONS], notDataActions: [] }]);
  for (const reading of ["getSecret", "backup", "restore", "purge", "/*"]) assert.ok(!JSON.stringify(definition.values.permissions).includes(reading), reading);
  assert.deepEqual(definition.values.assignableScopes, [RG_ID]);
  const groups = r.ofType(ASSIGNMENT).filter((a) => a.values.principalType === "Group");
  assert.deepEqual(groups.map((g) => g.values.principalId).sort(), ADMINS.map((id) => id.toLowerCase()).sort());
  const wait = r.one("time:index/sleep:Sleep", "writer-wait");
  for (const grant of groups) {
    assert.equal(grant.values.scope, vault.id);
    assert.equal(roleGuid(grant), secretsWriterRoleGuid(RG_ID), "the custom role, never a built-in reader");
    assert.ok(dependsOn(r, grant, wait), "after the role definition has propagated");
  }
  assert.notEqual(secretsWriterRoleGuid(RG_ID), secretsWriterRoleGuid(RG_ID.replace("dev", "prod")));
  assert.equal(secretsWriterRoleGuid(RG_ID), secretsWriterRoleGuid(RG_ID.toUpperCase()));
});

test("each identity is federated with its accounts in the tenant namespace only, and reads only what its roles name", async () => {
  const r = await runTenant();
  const vault = r.one("azure-native:keyvault:Vault");
  const identity = (name: string) => r.one(IDENTITY, `web-azure-${name}`);
  const subjects = (name: string) => r.ofType(CREDENTIAL).filter((c) => c.values.resourceName === identity(name).outputs.name).map((c) => c.values.subject);
  assert.deepEqual(subjects("frontend"), ["system:serviceaccount:web:frontend", "system:serviceaccount:web:frontend-worker"]);
  assert.deepEqual(subjects("deployer"), ["system:serviceaccount:web:flux-oci"]);
  const grants = (name: string) =>
    r
      .ofType(ASSIGNMENT)
      .filter((a) => a.values.principalId === identity(name).outputs.principalId)
      .map((a) => [roleGuid(a), a.values.scope, a.values.principalType]);
  assert.deepEqual(grants("frontend"), [[BUILT_IN_ROLES["Key Vault Secrets User"], vault.id, "ServicePrincipal"]]);
  assert.deepEqual(grants("deployer"), [
    [BUILT_IN_ROLES.AcrPull, REGISTRY, "ServicePrincipal"],
    [BUILT_IN_ROLES["Storage Blob Data Reader"], CONTAINER, "ServicePrincipal"],
  ]);
  assert.deepEqual(
    r.ofType(ASSIGNMENT).filter((a) => a.values.principalType === "ServicePrincipal").map((a) => a.name).sort(),
    [
      "web-azure-deployer-acrpull-acr-acmeplatformdev",
      "web-azure-deployer-storage-blob-data-reader-blob-web-manifests-acmeplatformdev",
      "web-azure-frontend-key-vault-secrets-user-tenant-vault",
    ],
    "named by role and scope",
  );
  assert.deepEqual(r.outputs.identities, {
    frontend: { clientId: identity("frontend").outputs.clientId, serviceAccounts: ["frontend", "frontend-worker"] },
    deployer: { clientId: identity("deployer").outputs.clientId, serviceAccounts: ["flux-oci"] },
  });
  assert.equal(r.outputs.tenantId, vault.values.properties && (vault.values.properties as { tenantId: string }).tenantId);
});

test("the accounts exist, annotated with their identity, after the namespace", async () => {
  const r = await runTenant();
  const namespace = r.one("kubernetes:core/v1:Namespace");
  const accounts = r.ofType("kubernetes:core/v1:ServiceAccount");
  assert.deepEqual(accounts.map((a) => (a.values.metadata as { name: string }).name).sort(), ["flux-oci", "frontend", "frontend-worker"]);
  const frontend = r.one(IDENTITY, "web-azure-frontend");
  for (const account of accounts) {
    const metadata = account.values.metadata as { namespace: string; name: string; labels: Record<string, string>; annotations: Record<string, string> };
    assert.equal(metadata.namespace, "web");
    assert.equal(metadata.labels["azure.workload.identity/use"], "true");
    assert.equal(metadata.labels["toolkit.fluxcd.io/tenant"], "web");
    if (metadata.name.startsWith("frontend")) assert.equal(metadata.annotations["azure.workload.identity/client-id"], frontend.outputs.clientId);
    assert.ok(dependsOn(r, account, namespace), `${metadata.name} waits for its namespace`);
  }
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("source-controller may create tokens for the sources' accounts and no other", async () => {
  const r = await runTenant();
  const role = r.one("kubernetes:rbac.authorization.k8s.io/v1:Role");
  assert.deepEqual(role.values.rules, [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: ["flux-oci"], verbs: ["create"] }]);
  const binding = r.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
  assert.deepEqual(binding.values.subjects, [{ kind: "ServiceAccount", name: "source-controller", namespace: "flux-system" }]);
  assert.deepEqual(sourceTokenRules([]), [], "no source with an identity: no Role");
  const none = await runTenant({ sourceServiceAccounts: [] });
  assert.equal(none.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").length, 0);
});

test("without a vault, identities still work; a role on the missing vault, or on the wrong kind of scope, is refused", async () => {
  const r = await runTenant({ keyVault: undefined, identities: [{ name: "deployer", serviceAccounts: ["flux-oci"], roles: [{ role: "AcrPull", scope: REGISTRY }] }] });
  assert.equal(r.ofType("azure-native:keyvault:Vault").length, 0);
  assert.equal(r.ofType(ASSIGNMENT).filter((a) => a.values.principalType === "Group").length, 0, "no vault, no writer grants");
  await assert.rejects(
    runTenant({ keyVault: undefined, identities: [{ name: "app", serviceAccounts: ["app"], roles: [{ role: "Key Vault Secrets User", scope: "keyVault" }] }] }),
    /identity app names the tenant's Key Vault, which is not enabled/,
  );
  await assert.rejects(runTenant({ identities: [{ name: "app", serviceAccounts: ["app"], roles: [{ role: "AcrPull", scope: CONTAINER }] }] }), /identity app may not get AcrPull on/);
});

test("scopes: what config may name, their short names, a registry's login server", () => {
  assert.equal(scopeKind("keyVault"), "keyVault");
  assert.equal(scopeKind(REGISTRY), "registry");
  assert.equal(scopeKind(CONTAINER), "container");
  for (const other of [ACCOUNT, RG_ID, `${RG_ID}/providers/Microsoft.KeyVault/vaults/kv-dev-abcdef`, `${REGISTRY}/scopeMaps/x`, `${CONTAINER}/x`, "KeyVault"]) assert.equal(scopeKind(other), undefined, other);
  assert.equal(scopeName("keyVault"), "tenant-vault");
  assert.equal(scopeName(REGISTRY), "acr-acmeplatformdev");
  assert.equal(scopeName(blobContainerScope(ACCOUNT, "data-2")), "blob-data-2-acmeplatformdev");
  assert.equal(scopeName(blobContainerScope(`${RG_ID}/providers/Microsoft.Storage/storageAccounts/a1`, "logs-2024")).match(/-\d+$/), null, "never a positional-looking name");
  assert.equal(registryLoginServer(REGISTRY), "acmeplatformdev.azurecr.io");
  assert.deepEqual(registryPullGrant(REGISTRY, "acr"), { role: "AcrPull", scope: REGISTRY, scopeName: "acr" });
});

test("image-reflector-controller may create tokens for the accounts image automation names, and no other; none without", async () => {
  const r = await runTenant({ imageServiceAccounts: ["flux-oci"] });
  const role = r.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").find((x) => (x.values.metadata as { name: string }).name === "flux-image-token")!;
  assert.deepEqual(role.values.rules, [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: ["flux-oci"], verbs: ["create"] }]);
  const binding = r.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").find((x) => (x.values.metadata as { name: string }).name === "flux-image-token")!;
  assert.deepEqual(binding.values.subjects, [{ kind: "ServiceAccount", name: "image-reflector-controller", namespace: "flux-system" }]);
  assert.deepEqual((binding.values.roleRef as { name: string }).name, "flux-image-token");
  const none = await runTenant();
  assert.equal(none.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").filter((x) => (x.values.metadata as { name: string }).name === "flux-image-token").length, 0);
});
