/**
 * Deploy rules (policy/deploy/): each rule has a passing and a failing fixture, built by hand as
 * small graphs, and a rule added to DEPLOY_RULES without both fails the suite. Fixtures are
 * graphs rather than stacks so that each one shows exactly the shape the rule is about.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BUILT_IN_ROLES } from "../components/azure/role-ids";
import { DEPLOY_RULES } from "../policy/deploy";
import { evaluatePolicies } from "../policy/evaluate";
import { CheckedResource, PolicyContext } from "../policy/types";

const DEV: PolicyContext = { environment: "dev", production: false };

/** A custom resource of a fixture graph: no links unless given. */
export function node(
  name: string,
  type: string,
  props: Record<string, unknown> = {},
  links: Partial<NonNullable<CheckedResource["links"]>> = {},
): CheckedResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    props,
    protect: false,
    links: { custom: true, parent: null, provider: null, dependencies: [], ...links },
  };
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::gitops-platform::${type}::${name}`;
}

interface Fixture {
  rule: string;
  /** What the fixture shows, for the test name. */
  title: string;
  resources: CheckedResource[];
  context?: PolicyContext;
  /** The names of the resources the rule must report, in any order; empty for a passing fixture. */
  reports: string[];
}

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const SLEEP = "time:index/sleep:Sleep";
const KEY_VAULT = "azure-native:keyvault:Vault";
const KEY = "azure-native:keyvault:Key";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const AGENT_POOL = "azure-native:containerservice:AgentPool";
const K8S_PROVIDER = "pulumi:providers:kubernetes";

const RG = "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-dev";
const VAULT_ID = `${RG}/providers/Microsoft.KeyVault/vaults/kv-dev-abc123`;
const SUBNET = `${RG}/providers/Microsoft.Network/virtualNetworks/platform-network/subnets/nodes`;

function grant(name: string, role: keyof typeof BUILT_IN_ROLES, scope: string, principalId = "deployer-object-id", dependencies: string[] = []) {
  return node(name, ASSIGNMENT, { principalId, scope, roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}` }, { dependencies });
}
const wait = (name: string, after: CheckedResource[]) => node(name, SLEEP, { createDuration: "5m" }, { dependencies: after.map((r) => r.urn) });
const vault = (defaultAction: "Allow" | "Deny", virtualNetworkRules: { id: string }[] = []) =>
  node("kv", KEY_VAULT, { vaultName: "kv-dev-abc123", resourceGroupName: "rg-gitops-dev", properties: { networkAcls: { defaultAction, virtualNetworkRules } } });
const key = (dependsOn: CheckedResource[]) =>
  node("seal-key", KEY, { vaultName: "kv-dev-abc123", resourceGroupName: "rg-gitops-dev", keyName: "seal" }, { dependencies: dependsOn.map((r) => r.urn) });

/** The Vault server's identity, federated with its service account, granted the seal key. */
function vaultServer(): CheckedResource[] {
  return [
    node("vault-server", IDENTITY, { name: "vault-server-id", principalId: "vault-principal" }),
    node("vault-server-fic", CREDENTIAL, { resourceName: "vault-server-id", subject: "system:serviceaccount:vault:vault" }),
    grant("vault-seal-crypto", "Key Vault Crypto Service Encryption User", `${VAULT_ID}/keys/seal`, "vault-principal"),
  ];
}
const clusterIn = (subnet?: string) => node("aks", CLUSTER, { agentPoolProfiles: [{ name: "system", vnetSubnetID: subnet }] });

const officer = grant("kv-crypto-officer-deployer", "Key Vault Crypto Officer", VAULT_ID);
const officerWait = wait("kv-data-plane-wait", [officer]);
const clusterAdmin = grant("aks-deployer-admin", "Azure Kubernetes Service RBAC Cluster Admin", RG);
const clusterAdminWait = wait("aks-deployer-admin-wait", [clusterAdmin]);

const FIXTURES: Fixture[] = [
  {
    rule: "key-vault-objects-wait-for-data-plane-grant",
    title: "a key that waits for the propagated Crypto Officer grant on its vault",
    resources: [vault("Allow"), officer, officerWait, key([officerWait])],
    reports: [],
  },
  {
    rule: "key-vault-objects-wait-for-data-plane-grant",
    title: "a key with no data-plane grant for whoever runs Pulumi (Contributor alone)",
    resources: [vault("Allow"), grant("contributor", "Contributor", RG), key([])],
    reports: ["seal-key"],
  },
  {
    rule: "key-vault-objects-wait-for-data-plane-grant",
    title: "a key that uses the grant before it has propagated",
    resources: [vault("Allow"), officer, officerWait, key([officer])],
    reports: ["seal-key"],
  },
  {
    rule: "key-vault-objects-wait-for-data-plane-grant",
    title: "a key that waits for a grant that cannot manage keys (Crypto User)",
    resources: [vault("Allow"), grant("crypto-user", "Key Vault Crypto User", VAULT_ID), wait("w", []), key([])],
    reports: ["seal-key"],
  },
  {
    rule: "in-cluster-key-vault-callers-can-reach-it",
    title: "a vault that denies by default but admits the nodes' subnet",
    resources: [vault("Deny", [{ id: SUBNET }]), clusterIn(SUBNET), node("apps", AGENT_POOL, { vnetSubnetID: SUBNET }), ...vaultServer()],
    reports: [],
  },
  {
    rule: "in-cluster-key-vault-callers-can-reach-it",
    title: "a vault that allows by default",
    resources: [vault("Allow"), clusterIn(), ...vaultServer()],
    reports: [],
  },
  {
    rule: "in-cluster-key-vault-callers-can-reach-it",
    title: "a vault that denies by default, nodes in the VNet AKS manages",
    resources: [vault("Deny"), clusterIn(), ...vaultServer()],
    reports: ["vault-seal-crypto"],
  },
  {
    rule: "in-cluster-key-vault-callers-can-reach-it",
    title: "a vault that admits the system pool's subnet but not a user pool's",
    resources: [vault("Deny", [{ id: SUBNET }]), clusterIn(SUBNET), node("apps", AGENT_POOL, { vnetSubnetID: `${SUBNET}2` }), ...vaultServer()],
    reports: ["vault-seal-crypto"],
  },
  {
    rule: "grants-propagate-before-use",
    title: "a Kubernetes provider that waits for the deployer's propagated cluster-admin grant",
    resources: [clusterAdmin, clusterAdminWait, node("k8s", K8S_PROVIDER, {}, { dependencies: [clusterAdminWait.urn] })],
    reports: [],
  },
  {
    rule: "grants-propagate-before-use",
    title: "a Kubernetes provider that uses the grant the moment it exists",
    resources: [clusterAdmin, node("k8s", K8S_PROVIDER, {}, { dependencies: [clusterAdmin.urn] })],
    reports: ["k8s"],
  },
  {
    rule: "role-assignments-named-by-what-they-are",
    title: "assignments named by role and scope",
    resources: [node("ci-deploy-contributor-rg", ASSIGNMENT), node("ci-deploy-aks-rbac-cluster-admin-c0ffee12", ASSIGNMENT)],
    reports: [],
  },
  {
    rule: "role-assignments-named-by-what-they-are",
    title: "assignments named by their list index",
    resources: [node("ci-preview-reader-0", ASSIGNMENT), node("ci-preview-key-vault-reader-3", ASSIGNMENT)],
    reports: ["ci-preview-reader-0", "ci-preview-key-vault-reader-3"],
  },
];

for (const fixture of FIXTURES) {
  test(`${fixture.rule}: ${fixture.reports.length === 0 ? "passes" : "fails"} ${fixture.title}`, () => {
    const rule = DEPLOY_RULES.find((r) => r.name === fixture.rule);
    assert.ok(rule, `no deploy rule ${fixture.rule}`);
    const findings = evaluatePolicies(fixture.resources, fixture.context ?? DEV, [rule]);
    const reported = findings.map((f) => fixture.resources.find((r) => r.urn === f.urn)?.name ?? `(no resource) ${f.message}`);
    assert.deepEqual([...reported].sort(), [...fixture.reports].sort(), findings.map((f) => f.message).join("\n"));
  });
}

test("every deploy rule has a passing and a failing fixture", () => {
  for (const rule of DEPLOY_RULES) {
    const own = FIXTURES.filter((f) => f.rule === rule.name);
    assert.ok(own.some((f) => f.reports.length === 0), `${rule.name} has no passing fixture`);
    assert.ok(own.some((f) => f.reports.length > 0), `${rule.name} has no failing fixture`);
  }
});

test("a rule that needs the graph says it cannot decide when it gets no links", () => {
  const unlinked = node("a", ASSIGNMENT);
  delete unlinked.links;
  for (const rule of DEPLOY_RULES) {
    const findings = rule.check([unlinked, node("b", ASSIGNMENT)], DEV);
    // These read properties only, not the order of creation.
    if (rule.name === "role-assignments-named-by-what-they-are" || rule.name === "in-cluster-key-vault-callers-can-reach-it") continue;
    assert.ok(findings.some((f) => /cannot decide/.test(f.message)), `${rule.name} passed silently without links`);
  }
});
