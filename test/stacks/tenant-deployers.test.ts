/**
 * Tenant-stack deployers on the real stage environment (Pulumi.stage.yaml and
 * tenants/Pulumi.stage-*.yaml): one identity per tenant stack, federated with that stack's own
 * GitHub environment only, holding the tenant-deployer role on its tenants' namespaces only; the
 * policy tenant-deployer-rights-scoped passes on it and trips on each way out. The attacks run
 * the deployer's real grants through the model of Azure RBAC for Kubernetes
 * (components/azure/tenant-deployer-rights.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { grantsAllow, KubernetesGrant, KubernetesRequest, parseNamespaceScope, TENANT_STACK_TAG, tenantDeployerRoleGuid } from "../../components/azure/tenant-deployer";
import { checkedFromRecord } from "../../policy/from-synth";
import { grantees } from "../../policy/links";
import { tenantDeployerRightsScoped } from "../../policy/rules/tenant-deployers";
import { assignedRoleGuid, CheckedResource, get, text } from "../../policy/types";
import { synthesizeEnvironment } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const ROLE_DEFINITION = "azure-native:authorization:RoleDefinition";
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const CONTEXT = { environment: "stage", production: false };

const stage = synthesizeEnvironment({ stack: "stage" });
async function platformResources(): Promise<CheckedResource[]> {
  return structuredClone((await stage).platform.run.resources.map(checkedFromRecord));
}

type Props = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const byName = (rs: readonly CheckedResource[], type: string, name: string): Props => {
  const found = rs.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `${type} ${name}`);
  return found[0].props as Props;
};

/** A deployer's grants as the model takes them: each assignment's scope, its role's data actions and its condition. */
function grantsOf(rs: readonly CheckedResource[], identityName: string): KubernetesGrant[] {
  const granteeOf = grantees(rs);
  const definitions = new Map(rs.filter((r) => r.type === ROLE_DEFINITION).map((d) => [text(get(d.props, "roleDefinitionId")).toLowerCase(), d]));
  return rs
    .filter((r) => r.type === ASSIGNMENT && granteeOf(r)?.name === identityName)
    .map((a) => {
      const definition = definitions.get(assignedRoleGuid(a));
      assert.ok(definition, `${a.name}: its role is defined in the stack`);
      const permissions = get(definition.props, "permissions") as { dataActions?: string[]; actions?: string[] }[];
      assert.deepEqual(permissions.flatMap((p) => p.actions ?? []), [], `${a.name}: no Azure control-plane action`);
      return { scope: text(get(a.props, "scope")), dataActions: permissions.flatMap((p) => p.dataActions ?? []), condition: text(get(a.props, "condition")) || undefined };
    });
}

test("stage: each tenant stack gets one deployer, federated with its own GitHub environment only, assigned on its tenants' namespaces only", async () => {
  const { platform } = await stage;
  const rs = platform.run.resources.map(checkedFromRecord);
  const deployers = rs.filter((r) => r.type === IDENTITY && text(get(r.props, "tags", TENANT_STACK_TAG)));
  assert.deepEqual(deployers.map((d) => `${d.name}=${text(get(d.props, "tags", TENANT_STACK_TAG))}`).sort(), [
    "platform-tenant-deployer-stage-commerce=stage-commerce",
    "platform-tenant-deployer-stage-payments=stage-payments",
  ]);
  const subjects = rs.filter((r) => r.type === CREDENTIAL && r.name.startsWith("platform-tenant-deployer-")).map((c) => [c.name, get(c.props, "subject"), get(c.props, "issuer")]);
  assert.deepEqual(subjects.sort(), [
    ["platform-tenant-deployer-stage-commerce-github-environment-stage-commerce", "repo:acme-platform/platform-infra:environment:stage-commerce", "https://token.actions.githubusercontent.com"],
    ["platform-tenant-deployer-stage-payments-github-environment-stage-payments", "repo:acme-platform/platform-infra:environment:stage-payments", "https://token.actions.githubusercontent.com"],
  ]);
  const namespaces = (identity: string) => grantsOf(rs, identity).map((g) => parseNamespaceScope(g.scope)?.namespace);
  assert.deepEqual(namespaces("platform-tenant-deployer-stage-commerce").sort(), ["api", "web"]);
  assert.deepEqual(namespaces("platform-tenant-deployer-stage-payments"), ["payments-prod"]);
  // The environments it trusts exist with their one-branch gate (main); the client ids reach the workflows.
  const environment = byName(rs, "github:index/repositoryEnvironment:RepositoryEnvironment", "platform-tenant-deployer-stage-payments-environment");
  assert.equal(environment.environment, "stage-payments");
  assert.equal(environment.deploymentBranchPolicy.customBranchPolicies, true);
  assert.equal(byName(rs, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy", "platform-tenant-deployer-stage-payments-branch").branchPattern, "main");
  assert.equal(byName(rs, "github:index/actionsVariable:ActionsVariable", "platform-tenant-deployer-stage-payments-client-id").variableName, "AZURE_CLIENT_ID_DEPLOY_STAGE_PAYMENTS");
  const outputs = platform.graph.outputs.tenantDeployers as Record<string, { clientId: string; environment: string }>;
  assert.deepEqual(Object.keys(outputs).sort(), ["stage-commerce", "stage-payments"]);
  assert.equal(outputs["stage-payments"].environment, "stage-payments");
  assert.match(outputs["stage-payments"].clientId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(tenantDeployerRightsScoped.check(rs, CONTEXT), []);
});

test("attack: stage-payments' deployer writes its tenant's Flux objects and Secrets, and nothing of another tenant, the platform, RBAC, Pods or tokens", async () => {
  const rs = await platformResources();
  const grants = grantsOf(rs, "platform-tenant-deployer-stage-payments");
  const clusterId = parseNamespaceScope(grants[0].scope)!.clusterId;
  assert.equal(rs.filter((r) => r.type === CLUSTER).length, 1, "one cluster, whose namespaces the grants name");
  const may = (req: KubernetesRequest) => grantsAllow(grants, clusterId, req);
  const own = "payments-prod";
  // What its tenant side creates: it may.
  assert.equal(may({ verb: "write", group: "source.toolkit.fluxcd.io", resource: "gitrepositories", namespace: own }), true);
  assert.equal(may({ verb: "write", group: "kustomize.toolkit.fluxcd.io", resource: "kustomizations", namespace: own }), true);
  assert.equal(may({ verb: "delete", group: "notification.toolkit.fluxcd.io", resource: "alerts", namespace: own }), true);
  assert.equal(may({ verb: "write", group: "", resource: "secrets", namespace: own }), true);
  // Another tenant's namespace, and the platform's.
  for (const namespace of ["web", "api", "flux-system", "vault", "kube-system"]) {
    assert.equal(may({ verb: "write", group: "source.toolkit.fluxcd.io", resource: "gitrepositories", namespace }), false, namespace);
    assert.equal(may({ verb: "read", group: "", resource: "secrets", namespace }), false, namespace);
  }
  // In its own namespace: no RBAC, no Pods (which run as any service account), no tokens, no exec.
  assert.equal(may({ verb: "write", group: "rbac.authorization.k8s.io", resource: "roles", namespace: own }), false);
  assert.equal(may({ verb: "write", group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: own }), false);
  assert.equal(may({ verb: "write", group: "", resource: "pods", namespace: own }), false);
  assert.equal(may({ verb: "write", group: "apps", resource: "deployments", namespace: own }), false);
  assert.equal(may({ verb: "write", group: "", resource: "serviceaccounts", subresource: "token", namespace: own }), false);
  assert.equal(may({ verb: "write", group: "", resource: "pods", subresource: "exec", namespace: own }), false);
  // Custom resources beyond Flux's kinds (Flagger's Canaries, Flux image automation) are outside the condition.
  assert.equal(may({ verb: "write", group: "flagger.app", resource: "canaries", namespace: own }), false);
  assert.equal(may({ verb: "write", group: "image.toolkit.fluxcd.io", resource: "imageupdateautomations", namespace: own }), false);
  // Cluster-scoped writes: namespaces, ClusterRoleBindings, admission policies.
  assert.equal(may({ verb: "write", group: "", resource: "namespaces" }), false);
  assert.equal(may({ verb: "write", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" }), false);
  assert.equal(may({ verb: "write", group: "admissionregistration.k8s.io", resource: "validatingadmissionpolicies" }), false);
  // The platform's Azure resources: no assignment of the deployer outside the cluster's namespaces.
  const granteeOf = grantees(rs);
  const azureScopes = rs.filter((r) => r.type === ASSIGNMENT && granteeOf(r)?.name.startsWith("platform-tenant-deployer-")).map((a) => text(get(a.props, "scope")));
  assert.deepEqual(azureScopes.filter((scope) => !parseNamespaceScope(scope)), []);
});

/** The stage platform stack with one change, judged by the policy. */
async function judged(change: (rs: CheckedResource[]) => void): Promise<string[]> {
  const rs = await platformResources();
  change(rs);
  return tenantDeployerRightsScoped.check(rs, CONTEXT).map((f) => f.message);
}

const PAYMENTS_GRANT = "platform-tenant-deployer-stage-payments-payments-prod";

test("policy tenant-deployer-rights-scoped: another tenant's namespace, a platform namespace, the cluster or resource group as scope are refused", async () => {
  const retarget = (to: (scope: string) => string) => (rs: CheckedResource[]) => {
    const grant = byName(rs, ASSIGNMENT, PAYMENTS_GRANT);
    grant.scope = to(grant.scope);
  };
  assert.deepEqual(await judged(retarget((s) => s.replace(/payments-prod$/, "web"))), [
    `${PAYMENTS_GRANT}: tenant stack stage-payments's deployer is assigned on namespace web, which is not one of its tenants' (payments-prod)`,
  ]);
  assert.deepEqual(await judged(retarget((s) => s.replace(/payments-prod$/, "flux-system"))), [
    `${PAYMENTS_GRANT}: tenant stack stage-payments's deployer is assigned on namespace flux-system, which is not one of its tenants' (payments-prod)`,
  ]);
  const [message] = await judged(retarget((s) => s.replace(/\/namespaces\/payments-prod$/, "")));
  assert.match(message, /is assigned on \/subscriptions\/.*\/managedClusters\/[^/]+, not on a namespace of the cluster/);
});

test("policy tenant-deployer-rights-scoped: a built-in role, a wildcard, RBAC or Pod writes, Azure actions, or no condition are refused", async () => {
  const writer = await judged((rs) => {
    const grant = byName(rs, ASSIGNMENT, PAYMENTS_GRANT);
    grant.roleDefinitionId = grant.roleDefinitionId.replace(/[^/]+$/, "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb");
  });
  assert.match(writer[0], /gets role a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb, which is not a custom role of this stack/);
  const widened = (extra: { actions?: string[]; dataActions?: string[] }) => (rs: CheckedResource[]) => {
    const definition = byName(rs, ROLE_DEFINITION, "platform-tenant-deployer-role");
    definition.permissions[0].actions.push(...(extra.actions ?? []));
    definition.permissions[0].dataActions.push(...(extra.dataActions ?? []));
  };
  const messages = await judged(
    widened({
      actions: ["Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action"],
      dataActions: [
        "Microsoft.ContainerService/managedClusters/*",
        "Microsoft.ContainerService/managedClusters/rbac.authorization.k8s.io/rolebindings/write",
        "Microsoft.ContainerService/managedClusters/serviceaccounts/token/action",
        "Microsoft.ContainerService/managedClusters/pods/exec/action",
      ],
    }),
  );
  // Each of the three stage assignments of the role says each problem.
  const problems = [...new Set(messages.map((m) => m.replace(/^[^:]+: tenant stack [^ ]+ deployer role platform-tenant-deployer-role /, "")))];
  assert.deepEqual(problems, [
    "grants Azure control-plane actions (Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action); a tenant deployer needs none",
    "grants Microsoft.ContainerService/managedClusters/*: a wildcard (it would cover Pods, RBAC and service-account tokens)",
    "grants Microsoft.ContainerService/managedClusters/rbac.authorization.k8s.io/rolebindings/write: an RBAC write would let the deployer grant itself more",
    "grants Microsoft.ContainerService/managedClusters/serviceaccounts/token/action: service accounts and their tokens would let the deployer act as the tenant's reconciler",
    "grants Microsoft.ContainerService/managedClusters/pods/exec/action: workloads may run as any service account of the namespace (the tenant's reconciler among them)",
  ]);
  assert.deepEqual(
    await judged((rs) => {
      delete byName(rs, ASSIGNMENT, PAYMENTS_GRANT).condition;
    }),
    [`${PAYMENTS_GRANT}: tenant stack stage-payments's deployer may write every custom resource of its namespaces: its assignment needs the condition that admits Flux's kinds only (tenantDeployerCondition)`],
  );
  assert.deepEqual(
    await judged((rs) => {
      const grant = byName(rs, ASSIGNMENT, PAYMENTS_GRANT);
      grant.condition = grant.condition.replace("'helm.toolkit.fluxcd.io'", "'flagger.app'");
    }),
    [`${PAYMENTS_GRANT}: tenant stack stage-payments's deployer may write custom resources of flagger.app: only Flux's toolkit groups`],
  );
});

test("stage: every Kubernetes object a tenant stack creates is one its own deployer may write, in that object's namespace", async () => {
  const { platform, tenantStacks } = await stage;
  const rs = platform.run.resources.map(checkedFromRecord);
  let checked = 0;
  for (const { stack, result } of tenantStacks) {
    const grants = grantsOf(rs, `platform-tenant-deployer-${stack}`);
    const clusterId = parseNamespaceScope(grants[0].scope)!.clusterId;
    for (const r of result.run.resources) {
      const match = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(r.type);
      if (!match || r.type.startsWith("pulumi:")) continue;
      const [groupVersion, kind] = [match[1], match[2]];
      const group = groupVersion.includes("/") && !groupVersion.startsWith("core/") ? groupVersion.split("/")[0] : "";
      const namespace = text(get(checkedFromRecord(r).props, "metadata", "namespace"));
      assert.ok(namespace, `${stack} ${r.name}: namespaced`);
      // Every kind here pluralizes with an "s" (Secret, GitRepository, Kustomization, HelmRelease, Alert, Provider).
      const resource = `${kind.toLowerCase()}s`.replace(/ys$/, "ies");
      assert.equal(grantsAllow(grants, clusterId, { verb: "write", group, resource, namespace }), true, `${stack}: ${r.type} ${r.name} in ${namespace}`);
      checked++;
    }
  }
  assert.ok(checked >= 9, `checked ${checked} objects (three tenants: a Secret, a GitRepository and a Kustomization each)`);
});

test("stage: the CI deploy identity may assign the tenant-deployer role to service principals (its condition names the GUID), and assigns nothing else to the deployers", async () => {
  const rs = await platformResources();
  const guid = tenantDeployerRoleGuid("/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-stage");
  assert.equal(text(byName(rs, ROLE_DEFINITION, "platform-tenant-deployer-role").roleDefinitionId), guid);
  const condition = text(byName(rs, ASSIGNMENT, "platform-ci-deploy-rbac-admin").condition);
  const servicePrincipalRoles = [...condition.matchAll(/RoleDefinitionId\] ForAnyOfAnyValues:GuidEquals \{([^}]*)\}\s+AND @Request\[Microsoft\.Authorization\/roleAssignments:PrincipalType\] ForAnyOfAnyValues:StringEqualsIgnoreCase \{'ServicePrincipal'\}/g)].map((m) => m[1]);
  assert.ok(servicePrincipalRoles.length > 0 && servicePrincipalRoles.every((list) => list.includes(guid)), condition);
  const granteeOf = grantees(rs);
  for (const a of rs.filter((r) => r.type === ASSIGNMENT && granteeOf(r)?.name.startsWith("platform-tenant-deployer-"))) {
    assert.equal(assignedRoleGuid(a), guid, a.name);
    assert.equal(get(a.props, "principalType"), "ServicePrincipal", a.name);
  }
});
