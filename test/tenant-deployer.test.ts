/**
 * The tenant deployer's rights as data (components/azure/tenant-deployer-rights.ts): the data
 * actions guard checks for each request, the condition and what it admits, the subject and
 * environment of a tenant stack's deployer. The whole-stack checks are in
 * test/stacks/tenant-deployers.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  conditionCustomResources,
  grantsAllow,
  requestDataAction,
  TENANT_DEPLOYER_CUSTOM_RESOURCES,
  TENANT_DEPLOYER_DATA_ACTIONS,
  tenantDeployerCondition,
  tenantDeployerEnvironment,
  tenantDeployerRoleGuid,
  tenantDeployerSubject,
  MAX_NAMESPACE_TAGS,
  namespaceTags,
  namespacesFromTags,
} from "../components/azure/tenant-deployer";
import { FLUX_API } from "../components/kubernetes/flux-manifests";

const CLUSTER = "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";

test("guard's data actions: core kinds without a group, known groups with it, subresources as actions, Flux's kinds as custom resources", () => {
  assert.equal(requestDataAction({ verb: "write", group: "", resource: "secrets", namespace: "a" }), "Microsoft.ContainerService/managedClusters/secrets/write");
  assert.equal(requestDataAction({ verb: "write", group: "apps", resource: "deployments", namespace: "a" }), "Microsoft.ContainerService/managedClusters/apps/deployments/write");
  assert.equal(requestDataAction({ verb: "write", group: "rbac.authorization.k8s.io", resource: "roles" }), "Microsoft.ContainerService/managedClusters/rbac.authorization.k8s.io/roles/write");
  assert.equal(requestDataAction({ verb: "write", group: "", resource: "pods", subresource: "exec", namespace: "a" }), "Microsoft.ContainerService/managedClusters/pods/exec/action");
  assert.equal(requestDataAction({ verb: "delete", group: "source.toolkit.fluxcd.io", resource: "gitrepositories", namespace: "a" }), "Microsoft.ContainerService/managedClusters/customresources/delete");
});

test("the condition admits exactly the Flux kinds the tenant side creates, and every group of FLUX_API is among them", () => {
  const kinds = conditionCustomResources(tenantDeployerCondition());
  assert.deepEqual(kinds, TENANT_DEPLOYER_CUSTOM_RESOURCES);
  const groups = Object.values(FLUX_API).map((apiVersion) => apiVersion.split("/")[0]);
  assert.deepEqual([...new Set(groups)].sort(), Object.keys(TENANT_DEPLOYER_CUSTOM_RESOURCES).sort());
  // Without the ActionMatches guard it is not of the form: it cannot be shown to narrow anything.
  assert.equal(conditionCustomResources(tenantDeployerCondition().replace(/ActionMatches/g, "ActionMatch")), undefined);
  assert.equal(conditionCustomResources(undefined), undefined);
});

test("grants: a namespace assignment covers its namespace only; without the condition it covers every custom resource there", () => {
  const grant = { scope: `${CLUSTER}/namespaces/a`, dataActions: TENANT_DEPLOYER_DATA_ACTIONS, condition: tenantDeployerCondition() };
  const canary = { verb: "write", group: "flagger.app", resource: "canaries", namespace: "a" } as const;
  assert.equal(grantsAllow([grant], CLUSTER, { verb: "write", group: "helm.toolkit.fluxcd.io", resource: "helmreleases", namespace: "a" }), true);
  assert.equal(grantsAllow([grant], CLUSTER, { verb: "write", group: "helm.toolkit.fluxcd.io", resource: "helmreleases", namespace: "ab" }), false);
  assert.equal(grantsAllow([grant], CLUSTER, canary), false);
  assert.equal(grantsAllow([{ ...grant, condition: undefined }], CLUSTER, canary), true);
  // A cluster-scope assignment of the same role would reach every namespace: the reason for namespace scopes.
  assert.equal(grantsAllow([{ ...grant, scope: CLUSTER }], CLUSTER, { verb: "read", group: "", resource: "secrets", namespace: "flux-system" }), true);
});

test("a tenant stack's deployer trusts its own environment of the infrastructure repository, named after the stack; its role GUID is stable per resource group", () => {
  assert.equal(tenantDeployerEnvironment("stage-payments"), "stage-payments");
  assert.equal(tenantDeployerSubject("acme-platform/platform-infra", "stage-payments"), "repo:acme-platform/platform-infra:environment:stage-payments");
  assert.throws(() => tenantDeployerSubject("not a repository", "stage-payments"), /must be owner\/name/);
  const group = "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-stage";
  assert.equal(tenantDeployerRoleGuid(group), tenantDeployerRoleGuid(group.toUpperCase()));
  assert.notEqual(tenantDeployerRoleGuid(group), tenantDeployerRoleGuid(`${group}2`));
});

test("a deployer's namespaces fit its identity's tags however many: 256-character values, read back whole", () => {
  const namespaces = Array.from({ length: 300 }, (_, i) => `team-${String(i).padStart(3, "0")}-services`);
  const tags = namespaceTags(namespaces)!;
  assert.ok(Object.keys(tags).length > 1 && Object.keys(tags).length <= MAX_NAMESPACE_TAGS, `${Object.keys(tags).length} tags`);
  assert.ok(Object.values(tags).every((value) => value.length <= 256));
  assert.deepEqual(namespacesFromTags({ other: "x y", ...tags }), namespaces);
  assert.deepEqual(namespaceTags(["payments-prod"]), { "gitops-platform-tenant-namespaces": "payments-prod" });
  assert.equal(namespaceTags(Array.from({ length: 200 }, (_, i) => `${"n".repeat(60)}-${i}`)), undefined, "over 40 tags: refused");
});
