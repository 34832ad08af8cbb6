/**
 * CiIdentity: the GitHub Actions identities (subjects, roles, variables), the privileged-role
 * policy that lets the deploy identity hold Contributor but no workload. The platform wiring in
 * the real stacks: test/stacks/ci-identity.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as github from "@pulumi/github";
import {
  ciDriftEnvironment,
  ciSubjects,
  CiIdentity,
  CiIdentityArgs,
  ciVariableNames,
  DELEGABLE_ROLES,
  roleAssignmentCondition,
  subscriptionOf,
} from "../components/azure/ci-identity";
import { assignRole, BUILT_IN_ROLES, BuiltInRole } from "../components/azure/roles";
import { WorkloadIdentity } from "../components/azure/workload-identity";
import { evaluatePolicies, policyContext } from "../policy/evaluate";
import { checkedFromRecord } from "../policy/from-synth";
import { conditionAllows, parseAbacCondition, RoleAssignmentAttempt } from "../policy/rules/abac";
import { RecordedResource } from "../synth/engine";
import { dependsOn, pinTestDay, run, TestRun } from "./helpers";

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
const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
/** A managed identity outside the CI identities. */
const SOMEONE = "0b6f1f4e-1111-4222-8333-944455556666";

const base: Omit<CiIdentityArgs, "production"> = {
  repository: "acme/platform-infra",
  productionEnvironment: "production",
  resourceGroupName: "rg-gitops-dev",
  location: "westeurope",
  scopes: { resourceGroupId: GROUP, clusterId: CLUSTER, keyVaultId: VAULT },
  reviewers: { teams: [42] },
  deployEnvironment: "dev",
};

/** A CiIdentity named "ci" with a GitHub provider (it creates the environments it trusts) unless opts name one. */
function newCi(args: CiIdentityArgs, opts?: { providers: { github?: github.Provider } }): CiIdentity {
  return new CiIdentity("ci", args, opts ?? { providers: { github: new github.Provider("gh", { owner: "acme" }) } });
}

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

test("the preview identity trusts only approved pull-request jobs (the preview environment) and only reads", async () => {
  const result = await run(() => newCi({ ...base, production: false }));
  const preview = identityOf(result, "ci-preview");
  assert.deepEqual(
    preview.credentials.map((c) => [c.name, c.values.issuer, c.values.subject, c.values.audiences]),
    [["ci-preview-github-environment-preview", ISSUER, "repo:acme/platform-infra:environment:preview", ["api://AzureADTokenExchange"]]],
  );
  assert.ok(!result.ofType(CREDENTIAL).some((c) => String(c.values.subject).endsWith(":pull_request")), "no identity trusts every pull request's jobs");
  const named = await run(() => newCi({ ...base, production: true, previewEnvironment: "pr review" }));
  assert.deepEqual(identityOf(named, "ci-preview").credentials.map((c) => c.values.subject), ["repo:acme/platform-infra:environment:pr review"]);
  assert.throws(
    () => ciSubjects({ ...base, production: true, previewEnvironment: "Production" }),
    /previewEnvironment "Production" must differ from productionEnvironment "production"/,
  );
  assert.deepEqual(grants(preview.assignments), {
    Reader: GROUP,
    "Azure Kubernetes Service Cluster User Role": CLUSTER,
    "Azure Kubernetes Service RBAC Reader": CLUSTER,
    "Key Vault Reader": VAULT,
  });
  assert.ok(preview.assignments.every((a) => a.values.principalType === "ServicePrincipal" && a.values.condition === undefined));
});

test("drift report: the read-only identity also trusts its own environment, which the stack creates with no reviewers and main only, before the trust", async () => {
  const environment = ciDriftEnvironment("prod");
  assert.equal(environment, "drift-prod");
  const result = await run(() => {
    const provider = new github.Provider("gh", { owner: "acme" });
    newCi({ ...base, production: true, driftEnvironment: environment }, { providers: { github: provider } });
  });
  const preview = identityOf(result, "ci-preview");
  assert.deepEqual(
    preview.credentials.map((c) => [c.name, c.values.subject]),
    [
      // The existing credential first and unchanged; the new one appended.
      ["ci-preview-github-environment-preview", "repo:acme/platform-infra:environment:preview"],
      ["ci-preview-github-environment-drift-prod", "repo:acme/platform-infra:environment:drift-prod"],
    ],
  );
  // Still only reads: the same four grants as without the report.
  assert.deepEqual(Object.keys(grants(preview.assignments)).sort(), ["Azure Kubernetes Service Cluster User Role", "Azure Kubernetes Service RBAC Reader", "Key Vault Reader", "Reader"]);
  const env = result.one("github:index/repositoryEnvironment:RepositoryEnvironment", "ci-drift-environment");
  assert.deepEqual(
    [env.values.repository, env.values.environment, env.values.reviewers, env.values.deploymentBranchPolicy, env.values.canAdminsBypass],
    ["platform-infra", "drift-prod", undefined, { protectedBranches: false, customBranchPolicies: true }, false],
  );
  const rule = result.one("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy", "ci-drift-branch");
  assert.deepEqual([rule.values.environment, rule.values.branchPattern, rule.values.tagPattern], ["drift-prod", "main", undefined]);
  const [previewCredential, driftCredential] = preview.credentials;
  assert.ok(dependsOn(result, driftCredential, rule), "the identity trusts the environment only once its branch rule exists");
  assert.ok(!dependsOn(result, previewCredential, rule), "the existing credential does not wait for GitHub");
  // The deploy identity is untouched: production still trusts only its approval environment.
  assert.deepEqual(identityOf(result, "ci-deploy").credentials.map((c) => c.values.subject), ["repo:acme/platform-infra:environment:production"]);
  assert.throws(() => ciSubjects({ ...base, production: true, driftEnvironment: "Production" }), /driftEnvironment "Production" must differ/);
  assert.throws(() => ciSubjects({ ...base, production: true, previewEnvironment: "x", driftEnvironment: "X" }), /driftEnvironment "X" must differ/);
});

test("without a GitHub provider nothing could keep pull requests out of the environments the identities trust, so it is refused", async () => {
  await assert.rejects(
    run(() => newCi({ ...base, production: false, driftEnvironment: "drift-dev" }, { providers: {} })),
    /needs the GitHub provider \(providers: \{ github \}\): the environments' reviewers and deployment-branch rules/,
  );
  await assert.rejects(run(() => newCi({ ...base, production: false }, { providers: {} })), /needs the GitHub provider/);
  const off = await run(() => newCi({ ...base, production: false }));
  assert.deepEqual(
    off.ofType("github:index/repositoryEnvironment:RepositoryEnvironment").map((e) => e.values.environment).sort(),
    ["dev", "preview"],
    "no drift environment without the drift report",
  );
});

test("issue 22 item 2, attack: the stack creates every environment an identity trusts, each gated before the trust", async () => {
  const environments = (result: TestRun) => Object.fromEntries(result.ofType("github:index/repositoryEnvironment:RepositoryEnvironment").map((e) => [e.values.environment, e]));
  const rules = (result: TestRun) => result.ofType("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy");
  for (const production of [false, true]) {
    const result = await run(() => newCi({ ...base, production, reviewers: { users: [7], teams: [42] }, driftEnvironment: production ? "drift-prod" : "drift-dev" }));
    const byName = environments(result);
    const deployName = production ? "production" : "dev";
    // Every subject any identity trusts names an environment the stack creates: nothing is left
    // for GitHub to create unprotected when a workflow first names it.
    for (const credential of result.ofType(CREDENTIAL)) {
      const environment = /:environment:(.+)$/.exec(String(credential.values.subject))?.[1];
      assert.ok(environment && byName[environment], `${credential.values.subject}: an environment the stack creates`);
      const gate = rules(result).find((r) => r.values.environment === environment) ?? byName[environment];
      assert.ok(dependsOn(result, credential, gate), `${credential.name} waits for its environment's gate`);
    }
    // Preview: every branch (pull requests), but a reviewer other than the author lets each run in.
    const preview = byName.preview;
    assert.deepEqual([preview.values.reviewers, preview.values.preventSelfReview, preview.values.canAdminsBypass, preview.values.deploymentBranchPolicy], [[{ users: [7], teams: [42] }], true, false, undefined]);
    // Deploy: main only; production also waits for a reviewer.
    const deploy = byName[deployName];
    assert.deepEqual(deploy.values.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
    assert.equal(deploy.values.canAdminsBypass, false);
    assert.deepEqual(deploy.values.reviewers, production ? [{ users: [7], teams: [42] }] : undefined, deployName);
    assert.deepEqual(
      rules(result).filter((r) => r.values.environment === deployName).map((r) => [r.values.branchPattern, r.values.tagPattern]),
      [["main", undefined]],
    );
  }
  await assert.rejects(run(() => newCi({ ...base, production: true, reviewers: {} })), /reviewers must name at least one user or team/);
  await assert.rejects(run(() => newCi({ ...base, production: false, deployEnvironment: "Preview" })), /deployEnvironment "Preview" must differ/);
});

test("the dev deploy identity trusts its own environment (main only), never the branch form; Contributor, cluster admin and constrained RBAC administration", async () => {
  const result = await run(() => newCi({ ...base, production: false }));
  const deploy = identityOf(result, "ci-deploy");
  assert.deepEqual(
    deploy.credentials.map((c) => [c.values.issuer, c.values.subject]),
    [[ISSUER, "repo:acme/platform-infra:environment:dev"]],
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
  assert.equal(
    admin.values.condition,
    roleAssignmentCondition({
      roles: DELEGABLE_ROLES,
      excludedPrincipalIds: [String(deploy.identity.outputs.principalId), String(identityOf(result, "ci-preview").identity.outputs.principalId)],
    }),
  );
  assert.equal(admin.values.principalType, "ServicePrincipal");
});

test("the prod deploy identity trusts only the production environment (the approval gate), never the branch", async () => {
  const result = await run(() => newCi({ ...base, productionEnvironment: "prod approval", production: true }));
  const subjects = identityOf(result, "ci-deploy").credentials.map((c) => c.values.subject);
  assert.deepEqual(subjects, ["repo:acme/platform-infra:environment:prod approval"]);
  assert.ok(!result.ofType(CREDENTIAL).some((c) => String(c.values.subject).includes(":ref:")), "no identity trusts a branch in production");
  assert.ok(!result.ofType(CREDENTIAL).some((c) => String(c.values.subject).includes(":ref:")), "nor in dev");
});

test("the RBAC administration condition: one clause per action, the doc's attribute sources and operators", () => {
  const deploy = "c7e41c92-a128-4c45-aa27-1c8b3531c42f";
  const condition = roleAssignmentCondition({ roles: DELEGABLE_ROLES, excludedPrincipalIds: [deploy] });
  const [write, del] = condition.split("\nAND\n");
  for (const [clause, action, source] of [[write, "write", "Request"], [del, "delete", "Resource"]] as const) {
    assert.ok(clause.includes(`ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'}`), clause);
    assert.ok(clause.includes(`@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${DELEGABLE_ROLES.map((r) => BUILT_IN_ROLES[r]).join(", ")}}`), clause);
    assert.ok(clause.includes(`@${source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}`), clause);
    assert.ok(clause.includes(`@${source}[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAllValues:GuidNotEquals {${deploy}}`), clause);
  }
  for (const guid of [BUILT_IN_ROLES.Contributor, BUILT_IN_ROLES["Role Based Access Control Administrator"], OWNER, USER_ACCESS_ADMINISTRATOR, BUILT_IN_ROLES["Key Vault Administrator"]]) {
    assert.ok(!condition.includes(guid), `${guid} must not be delegable`);
  }
  assert.throws(() => roleAssignmentCondition({ roles: DELEGABLE_ROLES, excludedPrincipalIds: [] }), /exclude at least the grant's own principal/);
  assert.throws(() => roleAssignmentCondition({ roles: DELEGABLE_ROLES, excludedPrincipalIds: ["not-a-guid') OR (true"] }), /is not a GUID/);
});

test("the ABAC evaluator agrees with Microsoft's examples, so the attack tests below can fail", () => {
  // "Example: Constrain roles and principal types" (learn.microsoft.com, "Examples to delegate
  // Azure role assignment management with conditions"): Backup Contributor or Backup Reader, to
  // users or groups only.
  const example =
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'}))";
  const attempt = (action: "write" | "delete", role: string, principalType: string): RoleAssignmentAttempt => ({ action, roleDefinitionGuid: role, principalId: SOMEONE, principalType });
  for (const action of ["write", "delete"] as const) {
    assert.equal(conditionAllows(example, attempt(action, "5E467623-BB1F-42F4-A55D-6E525E11384B", "user")), true, "GUIDs and IgnoreCase compare case-insensitively");
    assert.equal(conditionAllows(example, attempt(action, "a795c7a0-d4a2-40c1-ae25-d81f01202912", "Group")), true);
    assert.equal(conditionAllows(example, attempt(action, "a795c7a0-d4a2-40c1-ae25-d81f01202912", "ServicePrincipal")), false);
    assert.equal(conditionAllows(example, attempt(action, OWNER, "User")), false);
  }
  // Other actions are not constrained by it.
  assert.equal(conditionAllows("!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}) OR @Request[x:y] GuidEquals 'z'", attempt("delete", OWNER, "User")), true);
  // The trap in excluding several principals: ForAnyOfAnyValues:GuidNotEquals {a, b} holds for a
  // itself (a differs from b); ForAnyOfAllValues (the documented operator) refuses both.
  const both = `@Request[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidNotEquals {${SOMEONE}, 11111111-2222-4333-8444-555555555555}`;
  assert.equal(conditionAllows(both, attempt("write", OWNER, "User")), true);
  const documented = both.replace("ForAnyOfAnyValues", "ForAnyOfAllValues");
  assert.equal(conditionAllows(documented, attempt("write", OWNER, "User")), false);
  assert.equal(conditionAllows(documented, { ...attempt("write", OWNER, "User"), principalId: "11111111-2222-4333-8444-555555555555" }), false);
  assert.equal(conditionAllows(documented, { ...attempt("write", OWNER, "User"), principalId: "22222222-2222-4333-8444-555555555555" }), true);
  assert.throws(() => parseAbacCondition("@Request[a:b] GuidLike {x}"), /unsupported operator GuidLike/);
  assert.throws(() => parseAbacCondition("(ActionMatches{'x'}"), /expected \)/);
});

/** The CI identities of a CiIdentity run, and what its RBAC administration condition allows. */
async function rbacAdministration(production: boolean) {
  const result = await run(() => newCi({ ...base, production }));
  const admin = result.one(ASSIGNMENT, "ci-deploy-rbac-admin");
  assert.equal(typeof admin.values.condition, "string");
  const condition = parseAbacCondition(String(admin.values.condition));
  return {
    result,
    admin,
    deploy: String(result.one(IDENTITY, "ci-deploy").outputs.principalId),
    preview: String(result.one(IDENTITY, "ci-preview").outputs.principalId),
    allows: (action: "write" | "delete", role: string, principalId: string, principalType: string) =>
      conditionAllows(condition, { action, roleDefinitionGuid: role, principalId, principalType }),
  };
}

test("attack: the deploy identity cannot assign itself Key Vault Administrator (nor anything else)", async () => {
  for (const production of [false, true]) {
    const { allows, deploy } = await rbacAdministration(production);
    for (const action of ["write", "delete"] as const) {
      // The attack of issue 13: any run on main grants itself Key Vault Administrator (or Secrets
      // Officer, or AKS cluster admin) and reads Vault's root token from the Key Vault.
      for (const role of ["Key Vault Administrator", "Key Vault Secrets Officer", "Azure Kubernetes Service RBAC Cluster Admin"] as const) {
        assert.equal(allows(action, BUILT_IN_ROLES[role], deploy, "ServicePrincipal"), false, `${action} ${role} for itself`);
      }
      for (const role of DELEGABLE_ROLES) assert.equal(allows(action, BUILT_IN_ROLES[role], deploy, "ServicePrincipal"), false, `${action} ${role} for itself`);
    }
  }
});

test("the RBAC administration condition admits exactly the allow-listed roles, to service principals other than the CI identities", async () => {
  const { allows, deploy, preview } = await rbacAdministration(false);
  const outside = [...(Object.keys(BUILT_IN_ROLES) as BuiltInRole[]).filter((r) => !DELEGABLE_ROLES.includes(r)).map((r) => BUILT_IN_ROLES[r]), OWNER, USER_ACCESS_ADMINISTRATOR];
  for (const action of ["write", "delete"] as const) {
    for (const role of DELEGABLE_ROLES) {
      const guid = BUILT_IN_ROLES[role];
      assert.equal(allows(action, guid, SOMEONE, "ServicePrincipal"), true, `${action} ${role} for another managed identity`);
      assert.equal(allows(action, guid, SOMEONE, "User"), false, `${action} ${role} for a user`);
      assert.equal(allows(action, guid, SOMEONE, "Group"), false, `${action} ${role} for a group`);
      // Previews run pull-request code: the deploy identity cannot widen what they can read either.
      assert.equal(allows(action, guid, preview, "ServicePrincipal"), false, `${action} ${role} for the preview identity`);
      assert.equal(allows(action, guid, deploy.toUpperCase(), "ServicePrincipal"), false, `${action} ${role} for itself, spelled in capitals`);
    }
    for (const guid of outside) assert.equal(allows(action, guid, SOMEONE, "ServicePrincipal"), false, `${action} ${guid}: not in the allow-list`);
  }
});

test("ids go to the repository as Actions variables through the given provider, one name set per stack", async () => {
  const result = await run(() => {
    const provider = new github.Provider("gh", { owner: "acme" });
    const ci = newCi({ ...base, production: false, variableSuffix: "dev" }, { providers: { github: provider } });
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
  const labelled = await run(() => newCi({ ...base, production: false, variableSuffix: "dev", runnerLabel: "platform-dev" }));
  assert.equal(labelled.ofType(VARIABLE).find((v) => v.values.variableName === "PULUMI_RUNS_ON_DEV")?.values.value, "platform-dev");
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
    runsOn: "PULUMI_RUNS_ON_PROD_EU",
  });
});

test("a bad repository or scope is an error", async () => {
  await assert.rejects(run(() => newCi({ ...base, repository: "platform-infra", production: false })), /repository "platform-infra" must be owner\/name/);
  assert.equal(subscriptionOf(GROUP), SUBSCRIPTION);
  assert.equal(subscriptionOf("rg-gitops-dev"), undefined);
});

const OWNER_OR_CONTRIBUTOR = /grants (Contributor|Owner|Role Based Access Control Administrator)/;

test("policy: the deploy identity may hold Contributor; an identity federated with a Kubernetes service account may not", async () => {
  const result = await run(() => {
    newCi({ ...base, production: true });
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


test("policy, attack: an unreviewed environment reaches a writing identity only as a non-production stack's own deploy environment", async () => {
  const unattended = async (stack: "dev" | "prod", extraSubject?: string) => {
    const result = await run(() => {
      const github_ = new github.Provider("gh2", { owner: "acme" });
      new github.RepositoryEnvironment("env", { repository: "platform-infra", environment: "dev", deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true } }, { provider: github_ });
      new github.RepositoryEnvironmentDeploymentPolicy("env-branch", { repository: "platform-infra", environment: "dev", branchPattern: "main" }, { provider: github_ });
      new WorkloadIdentity("writer", {
        resourceGroupName: "rg-gitops-dev",
        location: "westeurope",
        externalCredentials: [
          { name: "dev", issuer: ISSUER, subject: "repo:acme/platform-infra:environment:dev" },
          ...(extraSubject ? [{ name: "other", issuer: ISSUER, subject: extraSubject }] : []),
        ],
        roles: [{ role: "Key Vault Secrets User", scope: VAULT }],
      });
    });
    const checked = result.resources.map(checkedFromRecord);
    return evaluatePolicies(checked, policyContext(checked, stack)).filter((f) => f.policy === "unattended-ci-identity-read-only").map((f) => f.message);
  };
  // dev's deploy identity: trusted by dev's own main-only environment and nothing else.
  assert.deepEqual(await unattended("dev"), []);
  // The same identity, also reachable from a pull request's (preview) environment: refused.
  assert.equal((await unattended("dev", "repo:acme/platform-infra:environment:preview-dev")).length, 1);
  // In production an unattended writer is refused outright (prod deploys wait for a reviewer).
  assert.match((await unattended("prod")).join("\n"), /grants Key Vault Secrets User to .*, which unattended jobs in environment dev act as; it may only read/);
});
