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
