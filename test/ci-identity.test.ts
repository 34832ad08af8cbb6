/**
 * CiIdentity: the GitHub Actions identities (subjects, roles, variables), the privileged-role
 * policy that lets the deploy identity hold Contributor but no workload, and the platform wiring.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as github from "@pulumi/github";
import { parseDocument } from "yaml";
import {
  ciSubjects,
  CiIdentity,
  CiIdentityArgs,
  ciVariableNames,
  DELEGABLE_ROLES,
  roleAssignmentCondition,
  subscriptionOf,
} from "../components/azure/ci-identity";
import { assignRole, BUILT_IN_ROLES } from "../components/azure/roles";
import { WorkloadIdentity } from "../components/azure/workload-identity";
import { evaluatePolicies, policyContext } from "../policy/evaluate";
import { checkedFromRecord } from "../policy/from-synth";
import { RecordedResource } from "../synth/engine";
import { PROJECT_ROOT, synthesize } from "../synth/synthesize";
import { pinTestDay, run, TestRun } from "./helpers";

pinTestDay();

const SUBSCRIPTION = "3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b";
const GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-gitops-dev`;
const CLUSTER = `${GROUP}/providers/Microsoft.ContainerService/managedClusters/aks-dev`;
const VAULT = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-dev-x1y2`;
const ISSUER = "https://token.actions.githubusercontent.com";

const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const VARIABLE = "github:index/actionsVariable:ActionsVariable";

const base: Omit<CiIdentityArgs, "production"> = {
  repository: "acme/platform-infra",
  productionEnvironment: "production",
  resourceGroupName: "rg-gitops-dev",
  location: "westeurope",
  scopes: { resourceGroupId: GROUP, clusterId: CLUSTER, keyVaultId: VAULT },
};

/** The identity a WorkloadIdentity of that name created, with its credentials and role assignments. */
function identityOf(result: TestRun, name: string) {
  const identity = result.one(IDENTITY, name);
  const credentials = result.ofType(CREDENTIAL).filter((c) => c.values.resourceName === identity.outputs.name);
  const assignments = result.ofType(ASSIGNMENT).filter((a) => a.values.principalId === identity.outputs.principalId);
  return { identity, credentials, assignments };
}

/** `role name -> scope` of a set of assignments, by the GUID at the end of the role definition id. */
function grants(assignments: RecordedResource[]): Record<string, string> {
  const names = Object.fromEntries(Object.entries(BUILT_IN_ROLES).map(([role, guid]) => [guid, role]));
  return Object.fromEntries(
    assignments.map((a) => {
      const id = String(a.values.roleDefinitionId);
      assert.ok(id.startsWith(`/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/`), id);
      const role = names[id.split("/").pop()!];
      assert.ok(role, `unknown role definition ${id}`);
      return [role, String(a.values.scope)];
    }),
  );
}

test("the preview identity trusts only pull requests and only reads", async () => {
  const result = await run(() => new CiIdentity("ci", { ...base, production: false }));
  const preview = identityOf(result, "ci-preview");
  assert.deepEqual(
    preview.credentials.map((c) => [c.values.issuer, c.values.subject, c.values.audiences]),
    [[ISSUER, "repo:acme/platform-infra:pull_request", ["api://AzureADTokenExchange"]]],
  );
  assert.deepEqual(grants(preview.assignments), {
    Reader: GROUP,
    "Azure Kubernetes Service Cluster User Role": CLUSTER,
    "Azure Kubernetes Service RBAC Reader": CLUSTER,
    "Key Vault Reader": VAULT,
  });
  assert.ok(preview.assignments.every((a) => a.values.principalType === "ServicePrincipal" && a.values.condition === undefined));
});

test("the dev deploy identity trusts main without an environment; Contributor, cluster admin and constrained RBAC administration", async () => {
  const result = await run(() => new CiIdentity("ci", { ...base, production: false }));
  const deploy = identityOf(result, "ci-deploy");
  assert.deepEqual(
    deploy.credentials.map((c) => [c.values.issuer, c.values.subject]),
    [[ISSUER, "repo:acme/platform-infra:ref:refs/heads/main"]],
  );
  assert.deepEqual(grants(deploy.assignments), {
    Contributor: GROUP,
    "Azure Kubernetes Service RBAC Cluster Admin": CLUSTER,
    // ARM checks the caller's data-plane role for keys in an RBAC-mode vault.
    "Key Vault Crypto Officer": VAULT,
    "Role Based Access Control Administrator": GROUP,
  });
  const admin = result.one(ASSIGNMENT, "ci-deploy-rbac-admin");
  assert.equal(admin.values.conditionVersion, "2.0");
  assert.equal(admin.values.condition, roleAssignmentCondition(DELEGABLE_ROLES));
  assert.equal(admin.values.principalType, "ServicePrincipal");
});

test("the prod deploy identity trusts only the production environment (the approval gate), never the branch", async () => {
  const result = await run(() => new CiIdentity("ci", { ...base, productionEnvironment: "prod approval", production: true }));
  const subjects = identityOf(result, "ci-deploy").credentials.map((c) => c.values.subject);
  assert.deepEqual(subjects, ["repo:acme/platform-infra:environment:prod approval"]);
  assert.ok(!result.ofType(CREDENTIAL).some((c) => String(c.values.subject).includes(":ref:")), "no identity trusts a branch in production");
  assert.deepEqual(ciSubjects({ ...base, production: false, deployBranch: "release" }).deploy, ["repo:acme/platform-infra:ref:refs/heads/release"]);
});

test("the RBAC administration condition allows the platform's narrow roles and none that hands out broad access", () => {
  const condition = roleAssignmentCondition(DELEGABLE_ROLES);
  const [write, del] = condition.split("\nAND\n");
  assert.match(write, /ActionMatches\{'Microsoft\.Authorization\/roleAssignments\/write'\}/);
  assert.match(write, /@Request\[Microsoft\.Authorization\/roleAssignments:RoleDefinitionId\] ForAnyOfAnyValues:GuidEquals \{/);
  assert.match(del, /ActionMatches\{'Microsoft\.Authorization\/roleAssignments\/delete'\}/);
  assert.match(del, /@Resource\[Microsoft\.Authorization\/roleAssignments:RoleDefinitionId\] ForAnyOfAnyValues:GuidEquals \{/);
  for (const guid of [BUILT_IN_ROLES["Key Vault Crypto User"], BUILT_IN_ROLES["Azure Kubernetes Service RBAC Reader"], BUILT_IN_ROLES.Reader]) {
    assert.equal(condition.split(guid).length, 3, `${guid} in both clauses`);
  }
  const forbidden = [
    BUILT_IN_ROLES.Contributor,
    BUILT_IN_ROLES["Role Based Access Control Administrator"],
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", // User Access Administrator
  ];
  for (const guid of forbidden) assert.ok(!condition.includes(guid), `${guid} must not be delegable`);
});

test("ids go to the repository as Actions variables through the given provider, one name set per stack", async () => {
  const result = await run(() => {
    const provider = new github.Provider("gh", { owner: "acme" });
    const ci = new CiIdentity("ci", { ...base, production: false, variableSuffix: "dev", github: provider });
    return { previewClientId: ci.previewClientId, deployClientId: ci.deployClientId, tenantId: ci.tenantId, subscriptionId: ci.subscriptionId };
  });
  const provider = result.one("pulumi:providers:github");
  const variables = result.ofType(VARIABLE);
  assert.ok(variables.every((v) => v.values.repository === "platform-infra" && v.provider === provider.urn));
  const byName = Object.fromEntries(variables.map((v) => [v.values.variableName, v.values.value]));
  assert.deepEqual(byName, {
    AZURE_CLIENT_ID_PREVIEW_DEV: result.one(IDENTITY, "ci-preview").outputs.clientId,
    AZURE_CLIENT_ID_DEPLOY_DEV: result.one(IDENTITY, "ci-deploy").outputs.clientId,
    AZURE_TENANT_ID_DEV: result.one(IDENTITY, "ci-preview").outputs.tenantId,
    AZURE_SUBSCRIPTION_ID_DEV: SUBSCRIPTION,
  });
  assert.deepEqual(result.outputs, {
    previewClientId: byName.AZURE_CLIENT_ID_PREVIEW_DEV,
    deployClientId: byName.AZURE_CLIENT_ID_DEPLOY_DEV,
    tenantId: byName.AZURE_TENANT_ID_DEV,
    subscriptionId: SUBSCRIPTION,
  });
  assert.notEqual(byName.AZURE_CLIENT_ID_PREVIEW_DEV, byName.AZURE_CLIENT_ID_DEPLOY_DEV);
  assert.deepEqual(ciVariableNames("prod-eu"), {
    previewClientId: "AZURE_CLIENT_ID_PREVIEW_PROD_EU",
    deployClientId: "AZURE_CLIENT_ID_DEPLOY_PROD_EU",
    tenantId: "AZURE_TENANT_ID_PROD_EU",
    subscriptionId: "AZURE_SUBSCRIPTION_ID_PROD_EU",
  });
});

test("without a GitHub provider nothing is written to GitHub; a bad repository or scope is an error", async () => {
  const result = await run(() => new CiIdentity("ci", { ...base, production: false }));
  assert.equal(result.ofType(VARIABLE).length, 0);
  await assert.rejects(run(() => new CiIdentity("ci", { ...base, repository: "platform-infra", production: false })), /repository "platform-infra" must be owner\/name/);
  assert.equal(subscriptionOf(GROUP), SUBSCRIPTION);
  assert.equal(subscriptionOf("rg-gitops-dev"), undefined);
});

const OWNER_OR_CONTRIBUTOR = /grants (Contributor|Owner|Role Based Access Control Administrator)/;

test("policy: the deploy identity may hold Contributor; an identity federated with a Kubernetes service account may not", async () => {
  const result = await run(() => {
    new CiIdentity("ci", { ...base, production: true });
    new WorkloadIdentity("app", {
      resourceGroupName: "rg-gitops-dev",
      location: "westeurope",
      oidcIssuerUrl: "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/",
      serviceAccounts: [{ namespace: "web", name: "app" }],
      roles: [{ role: "Contributor", scope: GROUP }],
    });
  });
  const checked = result.resources.map(checkedFromRecord);
  const findings = evaluatePolicies(checked, policyContext(checked, "prod")).filter((f) => f.policy === "no-privileged-roles-for-workloads");
  assert.deepEqual(
    findings.map((f) => [f.urn, f.message, f.enforcement]),
    [[result.one(ASSIGNMENT, "app-contributor").urn, "app-contributor: grants Contributor to a workload identity; grant a narrow built-in role instead", "mandatory"]],
  );
  // Every other policy passes on the CI identities too.
  assert.deepEqual(
    evaluatePolicies(checked, policyContext(checked, "prod")).filter((f) => f.urn !== result.one(ASSIGNMENT, "app-contributor").urn),
    [],
  );
});

test("policy: Contributor for an identity pull requests can use, or for a service principal outside the stack, fails", async () => {
  const result = await run(() => {
    new WorkloadIdentity("preview", {
      resourceGroupName: "rg-gitops-dev",
      location: "westeurope",
      externalCredentials: [{ name: "pr", issuer: ISSUER, subject: "repo:acme/platform-infra:pull_request" }],
      roles: [{ role: "Contributor", scope: GROUP }],
    });
    assignRole("outsider", { role: "Role Based Access Control Administrator", scope: GROUP, principalId: "0b6f1f4e-1111-4222-8333-944455556666", subscriptionId: SUBSCRIPTION });
    // A person (not a workload) with Contributor is another policy's business.
    assignRole("person", { role: "Contributor", scope: GROUP, principalId: "0b6f1f4e-1111-4222-8333-944455557777", principalType: "User", subscriptionId: SUBSCRIPTION });
  });
  const checked = result.resources.map(checkedFromRecord);
  const messages = evaluatePolicies(checked, policyContext(checked, "dev"))
    .filter((f) => f.policy === "no-privileged-roles-for-workloads")
    .map((f) => f.message);
  assert.deepEqual(messages.sort(), [
    "outsider: grants Role Based Access Control Administrator to a workload identity; grant a narrow built-in role instead",
    "preview-contributor: grants Contributor to an identity every pull request can use (repo:acme/platform-infra:pull_request); previews get read-only roles",
  ]);
  assert.ok(messages.every((m) => OWNER_OR_CONTRIBUTOR.test(m)));
});

/** The dev stack file with the platform config changed by `edit`, written to a temporary file. */
function devConfig(edit: (platform: Record<string, unknown>) => void): string {
  const document = parseDocument(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
  const platform = document.getIn(["config", "gitops-platform:platform"]) as { toJSON(): Record<string, unknown> };
  const changed = platform.toJSON();
  edit(changed);
  document.setIn(["config", "gitops-platform:platform"], document.createNode(changed));
  const file = path.join(mkdtempSync(path.join(tmpdir(), "ci-identity-test-")), "Pulumi.dev.yaml");
  writeFileSync(file, document.toString());
  return file;
}

test("platform: the real stacks create the CI identities for their environment and export the client ids", async () => {
  for (const stack of ["dev", "prod"] as const) {
    const { run: result, graph } = await synthesize({ stack });
    const subjects = result.resources.filter((r) => r.type === CREDENTIAL && r.name.startsWith("platform-ci-")).map((r) => r.values.subject);
    assert.deepEqual(
      subjects.sort(),
      stack === "prod"
        ? ["repo:acme-platform/platform-infra:environment:production", "repo:acme-platform/platform-infra:pull_request"]
        : ["repo:acme-platform/platform-infra:pull_request", "repo:acme-platform/platform-infra:ref:refs/heads/main"],
    );
    const preview = result.resources.find((r) => r.type === IDENTITY && r.name === "platform-ci-preview")!;
    const deploy = result.resources.find((r) => r.type === IDENTITY && r.name === "platform-ci-deploy")!;
    assert.equal(graph.outputs.ciPreviewClientId, preview.outputs.clientId);
    assert.equal(graph.outputs.ciDeployClientId, deploy.outputs.clientId);
    const variables = result.resources.filter((r) => r.type === VARIABLE).map((r) => r.values.variableName);
    assert.ok(variables.includes(`AZURE_CLIENT_ID_DEPLOY_${stack.toUpperCase()}`), variables.join(", "));
    // The variables go through the platform's provider for acme-platform; no second provider.
    assert.equal(result.resources.filter((r) => r.type === "pulumi:providers:github").length, 1);
    // CI has its own cluster admin grant: no grant to "whoever runs Pulumi" to collide with it.
    assert.ok(!result.resources.some((r) => r.name === "platform-aks-deployer-admin"));
  }
});

test("platform: the CI identities' role assignments are named by role and adopt today's positional names", async () => {
  const { run: result } = await synthesize({ stack: "prod" });
  const assignments = result.resources.filter((r) => r.type === ASSIGNMENT && r.name.startsWith("platform-ci-preview-"));
  const positional = (a: RecordedResource) => a.aliases.filter((urn) => urn.includes(`$${ASSIGNMENT}::`)).map((urn) => urn.split("::").pop())[0];
  assert.deepEqual(
    assignments.map((a) => [a.name, positional(a)]).sort(),
    [
      ["platform-ci-preview-azure-kubernetes-service-cluster-user-role", "platform-ci-preview-azure-kubernetes-service-cluster-user-role-1"],
      ["platform-ci-preview-azure-kubernetes-service-rbac-reader", "platform-ci-preview-azure-kubernetes-service-rbac-reader-2"],
      ["platform-ci-preview-key-vault-reader", "platform-ci-preview-key-vault-reader-3"],
      ["platform-ci-preview-reader", "platform-ci-preview-reader-0"],
    ],
  );
});

test("platform: without ci nothing is created and the outputs are undefined; ci without github.owner gets its own provider", async () => {
  const off = await synthesize({ stack: "dev", configFile: devConfig((p) => delete p.ci) });
  assert.ok(!off.run.resources.some((r) => r.type === "gitops-platform:azure:CiIdentity"));
  assert.equal(off.graph.outputs.ciPreviewClientId, undefined);
  assert.equal(off.graph.outputs.ciDeployClientId, undefined);
  assert.ok(off.run.resources.some((r) => r.name === "platform-aks-deployer-admin"), "the deployer grant stays without ci");

  const noOwner = await synthesize({
    stack: "dev",
    configFile: devConfig((p) => {
      p.github = {};
      p.tenants = (p.tenants as Record<string, unknown>[]).map(({ git: _git, ...tenant }) => tenant);
      p.ci = { repository: "other-org/infra" };
    }),
  });
  const providers = noOwner.run.resources.filter((r) => r.type === "pulumi:providers:github");
  assert.deepEqual(
    providers.map((p) => [p.name, p.values.owner]),
    [["platform-github-ci", "other-org"]],
  );
  const variables = noOwner.run.resources.filter((r) => r.type === VARIABLE);
  assert.equal(variables.length, 4);
  assert.ok(variables.every((v) => v.provider === providers[0].urn && v.values.repository === "infra"));
});

test("the deploy identity may assign the tenants' SOPS encrypt-only role: its GUID is in the role-assignment condition", async () => {
  const dev = (await synthesize({ stack: "dev" })).run.resources;
  const admin = dev.find((r) => r.type === "azure-native:authorization:RoleAssignment" && r.name === "platform-ci-deploy-rbac-admin")!;
  const definition = dev.find((r) => r.type === "azure-native:authorization:RoleDefinition")!;
  const guid = String(definition.values.roleDefinitionId);
  assert.equal(admin.values.condition, roleAssignmentCondition(DELEGABLE_ROLES, [guid]));
  assert.equal((String(admin.values.condition).match(new RegExp(guid, "g")) ?? []).length, 2, "on write and on delete");
  const encryptGrants = dev.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && String(r.values.roleDefinitionId).endsWith(guid));
  assert.ok(encryptGrants.length >= 2, "every tenant admin group gets it");
});
