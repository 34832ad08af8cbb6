import assert from "node:assert/strict";
import { test } from "node:test";
import { ContainerRegistry, ContainerRegistryArgs } from "../components/azure/container-registry";
import {
  containerRegistryName,
  isPullRequestSubject,
  pushCredentialName,
  registryPusherProblem,
  registryPushSubject,
} from "../components/azure/container-registry-push";
import { BUILT_IN_ROLES } from "../components/azure/role-ids";
import { run } from "./helpers";

const base: ContainerRegistryArgs = { resourceGroupName: "rg-gitops-dev", location: "westeurope", purpose: "web", environment: "dev" };
const REGISTRY = "azure-native:containerregistry:Registry";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";

test("the registry admits Entra identities only: no admin user, no anonymous pull; Standard by default", async () => {
  const result = await run(() => { new ContainerRegistry("acr", base); });
  const registry = result.one(REGISTRY);
  assert.equal(registry.inputs.adminUserEnabled, false);
  assert.equal(registry.inputs.anonymousPullEnabled, false);
  assert.deepEqual(registry.inputs.sku, { name: "Standard" });
  assert.match(String(registry.inputs.registryName), /^acrwebdev[a-z0-9]{6}$/);
  assert.equal(registry.outputs.loginServer, `${String(registry.inputs.registryName)}.azurecr.io`);
  assert.equal(registry.protect, false);
  assert.equal(result.ofType(ASSIGNMENT).length, 0, "no grants unless asked");
  assert.equal(result.ofType("azure-native:managedidentity:UserAssignedIdentity").length, 0, "no push identity without pushers");
});

test("protect, a lock and diagnostics reach the registry", async () => {
  const result = await run(() => new ContainerRegistry("acr", { ...base, sku: "Premium", protect: true, lock: "CanNotDelete", diagnostics: { workspaceId: "/subscriptions/x/law" } }));
  const registry = result.one(REGISTRY);
  assert.equal(registry.protect, true);
  assert.deepEqual(registry.inputs.sku, { name: "Premium" });
  assert.equal(result.one("azure-native:authorization:ManagementLockByScope").inputs.scope, registry.id);
  const diagnostics = result.one("azure-native:monitor:DiagnosticSetting");
  assert.equal(diagnostics.inputs.resourceUri, registry.id);
  assert.deepEqual(diagnostics.inputs.logs, [{ categoryGroup: "allLogs", enabled: true }]);
});

test("pushers get one identity, federated with each exact subject, with AcrPush on this registry only", async () => {
  const result = await run(
    () =>
      new ContainerRegistry("acr", {
        ...base,
        pushers: [
          { repository: "acme/web-app", branch: "main" },
          { repository: "acme/web-app", environment: "release" },
        ],
      }),
  );
  const subjects = result.ofType(CREDENTIAL).map((c) => c.inputs.subject);
  assert.deepEqual(subjects, ["repo:acme/web-app:ref:refs/heads/main", "repo:acme/web-app:environment:release"]);
  for (const c of result.ofType(CREDENTIAL)) assert.equal(c.inputs.issuer, "https://token.actions.githubusercontent.com");
  const grant = result.one(ASSIGNMENT);
  assert.equal(grant.name, "acr-push-acrpush");
  assert.equal(grant.inputs.scope, result.one(REGISTRY).id);
  assert.match(String(grant.inputs.roleDefinitionId), new RegExp(`/roleDefinitions/${BUILT_IN_ROLES.AcrPush}$`));
  assert.equal(grant.inputs.principalType, "ServicePrincipal");
});

test("grantPull: AcrPull on the registry, named by its key; a key twice is refused", async () => {
  const result = await run(() => {
    const acr = new ContainerRegistry("acr", base);
    acr.grantPull("kubelet", "11111111-1111-4111-8111-111111111111");
  });
  const grant = result.one(ASSIGNMENT, "acr-acrpull-kubelet");
  assert.equal(grant.inputs.scope, result.one(REGISTRY).id);
  assert.match(String(grant.inputs.roleDefinitionId), new RegExp(`/roleDefinitions/${BUILT_IN_ROLES.AcrPull}$`));
  await assert.rejects(
    run(() => {
      const acr = new ContainerRegistry("acr", base);
      acr.grantPull("kubelet", "1");
      acr.grantPull("kubelet", "2");
    }),
    /pull grant "kubelet" is given twice/,
  );
});

test("a pull_request subject, a pusher without branch or environment, and more than 20 pushers are refused", async () => {
  assert.equal(registryPusherProblem({ repository: "acme/app" }), "name exactly one of branch or environment");
  assert.equal(registryPusherProblem({ repository: "acme/app", branch: "main", environment: "prod" }), "name exactly one of branch or environment");
  assert.match(String(registryPusherProblem({ repository: "acme/app", branch: "x:pull_request" })), /without ':'/);
  assert.throws(() => registryPushSubject({ repository: "acme", branch: "main" }), /owner\/name/);
  assert.equal(isPullRequestSubject("repo:acme/app:pull_request"), true);
  assert.equal(isPullRequestSubject(registryPushSubject({ repository: "acme/app", branch: "main" })), false);
  const many = Array.from({ length: 21 }, (_, i) => ({ repository: "acme/app", branch: `b${i}` }));
  await assert.rejects(run(() => new ContainerRegistry("acr", { ...base, pushers: many })), /21 pushers; Azure allows at most 20/);
});

test("registry names: letters and digits, at most 50, stable for the same inputs; credential names unique per subject", () => {
  assert.equal(containerRegistryName("web-shop", "prod-eu", "ab12cd"), "acrwebshopprodeuab12cd");
  const long = containerRegistryName("x".repeat(80), "production-environment", "ab12cd");
  assert.equal(long.length, 50);
  assert.match(long, /^acrx+productionenab12cd$/);
  assert.notEqual(pushCredentialName("repo:a/b:ref:refs/heads/feature/x"), pushCredentialName("repo:a/b:ref:refs/heads/feature-x"));
  assert.match(pushCredentialName("repo:a/b:environment:prod"), /^github-a-b-environment-prod-[0-9a-f]{8}$/);
});
