import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { WorkloadIdentity } from "../components/azure/workload-identity";
import { dependsOn, run } from "./helpers";

const issuer = "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/";
const base = { resourceGroupName: "rg-gitops-dev", location: "westeurope", oidcIssuerUrl: issuer };

test("one federated credential per service account with the exact subject, issuer and audience", async () => {
  const result = await run(
    () =>
      new WorkloadIdentity("sops", {
        ...base,
        serviceAccounts: [
          { namespace: "flux-system", name: "kustomize-controller" },
          { namespace: "web", name: "flux-reconciler" },
        ],
        externalCredentials: [{ name: "github-pr", issuer: "https://token.actions.githubusercontent.com", subject: "repo:acme/infra:pull_request" }],
      }),
  );
  const credentials = result.ofType("azure-native:managedidentity:FederatedIdentityCredential");
  assert.deepEqual(
    credentials.map((c) => [c.inputs.subject, c.inputs.issuer]),
    [
      ["system:serviceaccount:flux-system:kustomize-controller", issuer],
      ["system:serviceaccount:web:flux-reconciler", issuer],
      ["repo:acme/infra:pull_request", "https://token.actions.githubusercontent.com"],
    ],
  );
  const identity = result.one("azure-native:managedidentity:UserAssignedIdentity");
  for (const credential of credentials) {
    assert.deepEqual(credential.inputs.audiences, ["api://AzureADTokenExchange"]);
    assert.equal(credential.inputs.resourceName, identity.outputs.name);
  }
  // Created one after another: Azure rejects concurrent writes to one identity with 409.
  assert.ok(dependsOn(result, credentials[1], credentials[0]));
  assert.ok(dependsOn(result, credentials[2], credentials[1]));
  assert.ok(!dependsOn(result, credentials[0], credentials[1]));
});

test("more than 20 credentials is a clear error before anything is created", async () => {
  const serviceAccounts = Array.from({ length: 21 }, (_, i) => ({ namespace: "ns", name: `sa-${i}` }));
  await assert.rejects(run(() => new WorkloadIdentity("many", { ...base, serviceAccounts })), /21 federated credentials requested; Azure allows at most 20/);
});

test("role grants use the built-in GUID, the given scope and principalType ServicePrincipal", async () => {
  const scope = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/keys/sops";
  const result = await run(() => new WorkloadIdentity("sops", { ...base, roles: [{ role: "Key Vault Crypto User", scope }] }));
  const assignment = result.one("azure-native:authorization:RoleAssignment");
  assert.equal(assignment.inputs.scope, scope);
  assert.equal(assignment.inputs.principalType, "ServicePrincipal");
  assert.equal(assignment.inputs.principalId, result.one("azure-native:managedidentity:UserAssignedIdentity").outputs.principalId);
  assert.match(String(assignment.inputs.roleDefinitionId), /^\/subscriptions\/[0-9a-f-]{36}\/providers\/Microsoft\.Authorization\/roleDefinitions\/12338af0-0e69-4776-bea7-57ae8d297424$/);
});

test("with a Kubernetes provider, the service account carries the client and tenant id", async () => {
  const result = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    return new WorkloadIdentity("vault", { ...base, serviceAccounts: [{ namespace: "vault", name: "vault" }], kubernetes: { provider } });
  });
  const identity = result.one("azure-native:managedidentity:UserAssignedIdentity");
  const account = result.one("kubernetes:core/v1:ServiceAccount");
  const metadata = account.inputs.metadata as { name: string; namespace: string; annotations: Record<string, string> };
  assert.equal(metadata.name, "vault");
  assert.equal(metadata.namespace, "vault");
  assert.equal(metadata.annotations["azure.workload.identity/client-id"], identity.outputs.clientId);
  assert.equal(metadata.annotations["azure.workload.identity/tenant-id"], identity.outputs.tenantId);
  assert.equal(account.provider, result.one("pulumi:providers:kubernetes").urn);
});

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const GROUP = "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-dev";
const VAULT = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-dev-x1y2`;
const KEY = `${VAULT}/keys/sops`;

/** URN -> [role definition GUID, scope] of every role assignment a run registered. */
function assignmentsByUrn(result: Awaited<ReturnType<typeof run>>): Map<string, [string, string]> {
  return new Map(result.ofType(ASSIGNMENT).map((a) => [a.urn, [String(a.values.roleDefinitionId).split("/").pop()!, String(a.values.scope)]]));
}

test("role assignments are named by role (and scopeName), so reordering or inserting roles renames none (409 RoleAssignmentExists)", async () => {
  const reader = { role: "Reader", scope: GROUP } as const;
  const secrets = { role: "Key Vault Secrets User", scope: VAULT } as const;
  const crypto = { role: "Key Vault Crypto User", scope: KEY } as const;
  const first = await run(() => new WorkloadIdentity("app", { ...base, roles: [reader, secrets, crypto] }));
  const reordered = await run(() => new WorkloadIdentity("app", { ...base, roles: [crypto, reader, secrets] }));
  const inserted = await run(() => new WorkloadIdentity("app", { ...base, roles: [{ role: "Reader", scope: VAULT, scopeName: "vault" }, ...[reader, secrets, crypto]] }));
  assert.deepEqual(
    [...assignmentsByUrn(first).keys()].map((urn) => urn.split("::").pop()).sort(),
    ["app-key-vault-crypto-user", "app-key-vault-secrets-user", "app-reader"],
  );
  assert.deepEqual(assignmentsByUrn(reordered), assignmentsByUrn(first));
  const after = assignmentsByUrn(inserted);
  for (const [urn, grant] of assignmentsByUrn(first)) assert.deepEqual(after.get(urn), grant, urn);
  assert.ok([...after.keys()].some((urn) => urn.endsWith("::app-reader-vault")));
});

test("today's positional names are aliases, so existing assignments are adopted, not replaced", async () => {
  const roles = [
    { role: "Reader", scope: GROUP },
    { role: "Key Vault Secrets User", scope: VAULT },
  ] as const;
  const result = await run(() => new WorkloadIdentity("app", { ...base, roles: [...roles] }));
  const [reader, secrets] = result.ofType(ASSIGNMENT);
  const urnOf = (name: string) => `${reader.urn.slice(0, reader.urn.lastIndexOf("::") + 2)}${name}`;
  // The names they had, by position, before they were named by role.
  assert.ok(reader.aliases.includes(urnOf("app-reader-0")), reader.aliases.join("\n"));
  assert.ok(secrets.aliases.includes(urnOf("app-key-vault-secrets-user-1")), secrets.aliases.join("\n"));
  // A role that appears once may have been anywhere in the list: reordering in the same change still adopts it.
  assert.ok(reader.aliases.includes(urnOf("app-reader-1")));
  assert.ok(!reader.aliases.some((urn) => urn.includes("secrets-user")), "never another role's name");
});

test("one role on several scopes needs a scopeName each; the same role and scopeName twice is refused", async () => {
  const twice = [
    { role: "Reader", scope: GROUP },
    { role: "Reader", scope: VAULT },
  ] as const;
  await assert.rejects(
    run(() => new WorkloadIdentity("app", { ...base, roles: [...twice] })),
    /WorkloadIdentity app: roles\[1\] grants "Reader" again under the same name as roles\[0\]; give each grant of one role its own scopeName/,
  );
  const named = await run(() => new WorkloadIdentity("app", { ...base, roles: [twice[0], { ...twice[1], scopeName: "vault" }] }));
  assert.deepEqual(named.ofType(ASSIGNMENT).map((a) => a.name), ["app-reader", "app-reader-vault"]);
  // Each keeps only the alias of its own position: two old names for one role cannot both be adopted.
  // (azure-native adds aliases of its own, to the same name under older API versions' types.)
  const ownAliases = (urns: string[]) => urns.filter((urn) => urn.includes(`$${ASSIGNMENT}::`)).map((urn) => urn.split("::").pop());
  assert.deepEqual(named.ofType(ASSIGNMENT).map((a) => ownAliases(a.aliases)), [["app-reader-0"], ["app-reader-1"]]);
  await assert.rejects(
    run(() => new WorkloadIdentity("app", { ...base, roles: [{ ...twice[0], scopeName: "Vault 1" }] })),
    /WorkloadIdentity app: roles\[0\]\.scopeName "Vault 1" must be lowercase letters, digits and '-', starting with a letter and not ending in '-<digits>'/,
  );
  await assert.rejects(run(() => new WorkloadIdentity("app", { ...base, roles: [{ ...twice[0], scopeName: "vault-2" }] })), /scopeName "vault-2" must be/);
});
