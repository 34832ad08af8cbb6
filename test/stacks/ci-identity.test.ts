/**
 * CiIdentity in the real dev and prod stacks: the platform wiring, the approval gate and the
 * RBAC-administration allow-list against the roles a CI run really assigns. The component alone
 * (subjects, roles, variables, the privileged-role policy) is in test/ci-identity.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { DELEGABLE_ROLES } from "../../components/azure/ci-identity";
import { vaultBootstrapRoleGuid } from "../../components/azure/vault-bootstrap-role";
import { tenantDeployerRoleGuid } from "../../components/azure/tenant-deployer";
import { MOCK_CLIENT } from "../../synth/mocks";
import { BUILT_IN_ROLES } from "../../components/azure/roles";
import { conditionAllows } from "../../policy/rules/abac";
import { RecordedResource } from "../../synth/engine";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { pinTestDay, stackFileWith, withFinders } from "../helpers";

pinTestDay();

const ISSUER = "https://token.actions.githubusercontent.com";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const VARIABLE = "github:index/actionsVariable:ActionsVariable";

const devConfig = (edit: (platform: Record<string, unknown>) => void) => stackFileWith("dev", edit);


test("platform: the real stacks create the CI identities for their environment and export the client ids", async () => {
  for (const stack of ["dev", "prod"] as const) {
    const { run: result, graph } = await synthesize({ stack });
    const subjects = result.resources.filter((r) => r.type === CREDENTIAL && r.name.startsWith("platform-ci-")).map((r) => r.values.subject);
    assert.deepEqual(
      subjects.sort(),
      stack === "prod"
        ? ["repo:acme-platform/platform-infra:environment:drift-prod", "repo:acme-platform/platform-infra:environment:preview-prod", "repo:acme-platform/platform-infra:environment:production"]
        : ["repo:acme-platform/platform-infra:environment:dev", "repo:acme-platform/platform-infra:environment:drift-dev", "repo:acme-platform/platform-infra:environment:preview-dev"],
    );
    // Each names an environment the stack itself creates (with its gate), and the stack creates no other.
    const environments = result.resources.filter((r) => r.type === "github:index/repositoryEnvironment:RepositoryEnvironment").map((r) => `repo:acme-platform/platform-infra:environment:${r.values.environment}`);
    // Besides the CI identities', the environments of prod's tenant-stack deployers (one each).
    const deployerSubjects = result.resources.filter((r) => r.type === CREDENTIAL && r.name.startsWith("platform-tenant-deployer-")).map((r) => String(r.values.subject));
    assert.deepEqual(deployerSubjects.sort(), stack === "prod" ? ["repo:acme-platform/platform-infra:environment:prod-commerce", "repo:acme-platform/platform-infra:environment:prod-payments"] : [], stack);
    assert.deepEqual(environments.sort(), [...subjects, ...deployerSubjects].sort(), stack);
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

/**
 * The subject GitHub puts in a job's OIDC token (docs.github.com, "OpenID Connect reference",
 * example subject claims): a job that names an environment gets the environment form, whatever
 * the event; otherwise a pull_request event gets the pull_request form, others the ref form.
 */
function githubSubject(repository: string, job: { event: "pull_request" | "push"; ref: string; environment?: string }): string {
  if (job.environment !== undefined) return `repo:${repository}:environment:${job.environment}`;
  return job.event === "pull_request" ? `repo:${repository}:pull_request` : `repo:${repository}:ref:${job.ref}`;
}

test("attack: a pull-request job without approval gets no CI identity's token; only a job in the approval environment gets the preview identity's", async () => {
  const workflow = parse(readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "preview.yml"), "utf8"));
  const previewJob = workflow.jobs["pulumi-preview"];
  const environment = typeof previewJob.environment === "object" ? previewJob.environment?.name : previewJob.environment;
  for (const stack of ["dev", "prod"] as const) {
    const result = withFinders((await synthesize({ stack })).run);
    const repository = "acme-platform/platform-infra";
    /** The identities whose federated credentials accept a token with this subject. */
    const trusting = (subject: string) =>
      result
        .ofType(CREDENTIAL)
        .filter((c) => c.values.issuer === ISSUER && c.values.subject === subject)
        .map((c) => result.ofType(IDENTITY).find((i) => i.outputs.name === c.values.resourceName)!.name);
    // Anyone who can push a branch opens a pull request whose workflow requests an OIDC token in a
    // job of its own (or edits preview.yml to drop the environment): no identity accepts it.
    assert.deepEqual(trusting(githubSubject(repository, { event: "pull_request", ref: "refs/pull/7/merge" })), [], `${stack}: a pull-request job without an environment`);
    assert.deepEqual(trusting(githubSubject(repository, { event: "push", ref: "refs/heads/attacker" })), [], `${stack}: a pushed branch`);
    // The real preview runs in the environment a reviewer approves, and only that gets the preview identity.
    const previewEnvironment = String(environment).replace("${{ matrix.stack }}", stack);
    assert.equal(previewEnvironment, `preview-${stack}`, "preview.yml's pulumi-preview job runs in the stack's approval environment");
    assert.deepEqual(trusting(githubSubject(repository, { event: "pull_request", ref: "refs/pull/7/merge", environment: previewEnvironment })), ["platform-ci-preview"], stack);
    // A pull request that names the deploy environment gets nothing: its branch rule admits main
    // only, so GitHub never starts the job; and the other stack's preview environment reaches
    // only the other stack's preview identity.
    const other = stack === "dev" ? "prod" : "dev";
    assert.deepEqual(trusting(githubSubject(repository, { event: "pull_request", ref: "refs/pull/7/merge", environment: `preview-${other}` })), [], stack);
    // The nightly drift report's environment reaches the same read-only identity and nothing
    // else. What keeps a pull request's job out of it is the environment's deployment-branch
    // rule (main only), which the stack itself creates before it trusts the environment.
    const drift = parse(readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "drift.yml"), "utf8")).jobs.drift;
    const driftEnvironment = String(drift.environment).replace("${{ matrix.stack }}", stack);
    assert.deepEqual(trusting(githubSubject(repository, { event: "push", ref: "refs/heads/main", environment: driftEnvironment })), ["platform-ci-preview"], stack);
    const rule = result.one("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy", "platform-ci-drift-branch");
    assert.deepEqual([rule.values.environment, rule.values.branchPattern], [driftEnvironment, "main"], stack);
  }
});

test("platform: the allow-list is exactly the roles of the role assignments a CI run creates in dev and prod", async () => {
  const made = new Map<string, string[]>();
  // prod once more with a private DNS zone beside its public one: the add-on's record writer
  // there needs Private DNS Zone Contributor, which no committed stack file asks for.
  const withPrivateZone = stackFileWith("prod", (platform) => {
    const ingress = platform.ingress as { dnsZoneIds: string[] };
    ingress.dnsZoneIds.push(ingress.dnsZoneIds[0].replace("/dns-prod/", "/dns-private-prod/").replace("/dnszones/acme-platform.com", "/privateDnsZones/internal.acme-platform.com"));
  });
  const runs = [{ stack: "dev" }, { stack: "prod" }, { stack: "prod", configFile: withPrivateZone }] as const;
  for (const { stack, ...options } of runs) {
    const result = withFinders((await synthesize({ stack, ...options })).run);
    const ci = result.one("gitops-platform:azure:CiIdentity");
    const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
    const underCi = (r: RecordedResource): boolean => r.parent !== null && (r.parent === ci.urn || underCi(byUrn.get(r.parent)!));
    const ciPrincipals = result.ofType(IDENTITY).filter(underCi).map((i) => i.outputs.principalId);
    const config = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config["gitops-platform:platform"];
    const adminGroups: string[] = config.cluster.adminGroupObjectIds;
    for (const assignment of result.ofType(ASSIGNMENT)) {
      // Made by the person who runs a stack's first `up` (docs/operating.md, "Pull-request previews and
      // deploys"), and by a person whenever they change: the CI identities' own grants, and the
      // admin groups' (a Group, which the deploy identity may not grant).
      if (underCi(assignment)) continue;
      if (adminGroups.includes(String(assignment.values.principalId))) {
        assert.equal(assignment.values.principalType, "Group", assignment.name);
        continue;
      }
      // Tenant admin groups' SOPS encrypt-only role: the one role CI may give a group (it reads
      // and decrypts nothing); the test above checks the condition's exception for it.
      const custom = result.ofType("azure-native:authorization:RoleDefinition").find((d) => String(assignment.values.roleDefinitionId).endsWith(String(d.values.roleDefinitionId)));
      // Vault's bootstrap Job and the tenant stacks' deployers: the custom roles CI gives service
      // principals (instead of Secrets Officer, and of AKS RBAC Writer).
      if (custom && custom.name !== "platform-vault-bootstrap-secrets" && custom.name !== "platform-tenant-deployer-role") {
        assert.equal(assignment.values.principalType, "Group", assignment.name);
        continue;
      }
      // Everything else the deploy identity creates on a later run: for a managed identity of
      // the stack, never for a CI identity.
      assert.equal(assignment.values.principalType, "ServicePrincipal", assignment.name);
      assert.ok(!ciPrincipals.includes(assignment.values.principalId), assignment.name);
      const guid = String(assignment.values.roleDefinitionId).split("/").pop()!;
      made.set(guid, [...(made.get(guid) ?? []), `${stack}:${assignment.name}`]);
    }
  }
  const names = Object.fromEntries(Object.entries(BUILT_IN_ROLES).map(([role, guid]) => [guid, role]));
  const group = (environment: string) => `/subscriptions/${MOCK_CLIENT.subscriptionId}/resourceGroups/rg-gitops-${environment}`;
  const [PROD_GROUP, DEV_GROUP] = [group("prod"), group("dev")];
  assert.ok(made.has(vaultBootstrapRoleGuid(PROD_GROUP)), "prod's bootstrap Job gets the custom role from CI");
  assert.deepEqual(
    [...made.keys()]
      .map((guid) => names[guid] ?? guid)
      .filter((role) => ![vaultBootstrapRoleGuid(PROD_GROUP), vaultBootstrapRoleGuid(DEV_GROUP), tenantDeployerRoleGuid(PROD_GROUP), tenantDeployerRoleGuid(DEV_GROUP)].includes(role))
      .sort(),
    [...DELEGABLE_ROLES].sort(),
    `made by CI: ${JSON.stringify(Object.fromEntries(made))}`,
  );
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
      p.ci = { repository: "other-org/infra", reviewers: { teams: [1] } };
    }),
  });
  const providers = noOwner.run.resources.filter((r) => r.type === "pulumi:providers:github");
  assert.deepEqual(
    providers.map((p) => [p.name, p.values.owner]),
    [["platform-github-ci", "other-org"]],
  );
  const variables = noOwner.run.resources.filter((r) => r.type === VARIABLE);
  assert.equal(variables.length, 5, "the four ids and the runner label");
  assert.ok(variables.every((v) => v.provider === providers[0].urn && v.values.repository === "infra"));
});

test("the deploy identity may assign the tenants' SOPS encrypt-only role, to groups only: the one exception to ServicePrincipal", async () => {
  const dev = (await synthesize({ stack: "dev" })).run.resources;
  const admin = dev.find((r) => r.type === "azure-native:authorization:RoleAssignment" && r.name === "platform-ci-deploy-rbac-admin")!;
  const definition = dev.find((r) => r.type === "azure-native:authorization:RoleDefinition")!;
  const guid = String(definition.values.roleDefinitionId);
  const condition = String(admin.values.condition);
  assert.equal((condition.match(new RegExp(guid, "g")) ?? []).length, 2, "on write and on delete");
  const group = "5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f";
  for (const action of ["write", "delete"] as const) {
    assert.ok(conditionAllows(condition, { action, roleDefinitionGuid: guid, principalId: group, principalType: "Group" }), `${action} for a group`);
    assert.ok(!conditionAllows(condition, { action, roleDefinitionGuid: guid, principalId: group, principalType: "User" }), `${action} for a user`);
    for (const role of ["Key Vault Crypto User", "Key Vault Secrets Officer"] as const) {
      assert.ok(!conditionAllows(condition, { action, roleDefinitionGuid: BUILT_IN_ROLES[role], principalId: group, principalType: "Group" }), `${role} to a group`);
    }
  }
  const encryptGrants = dev.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && String(r.values.roleDefinitionId).endsWith(guid));
  assert.ok(encryptGrants.length >= 2, "every tenant admin group gets it");
});
