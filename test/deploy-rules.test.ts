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
import { CONTRACT_VERSION } from "../stacks/contract";
import { failsOpen, loadPack, runPack } from "./crossguard";

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
// As the program makes them: an ARM resource's name is also its `name` output, and an input
// computed from another resource's output records it in propertyDependencies (which is all
// CrossGuard has of the path parameters, see test/crossguard.ts).
const vault = (defaultAction: "Allow" | "Deny", virtualNetworkRules: { id: string }[] = []) =>
  node("kv", KEY_VAULT, { vaultName: "kv-dev-abc123", name: "kv-dev-abc123", resourceGroupName: "rg-gitops-dev", properties: { networkAcls: { defaultAction, virtualNetworkRules } } });
const key = (dependsOn: CheckedResource[]) =>
  node(
    "seal-key",
    KEY,
    { vaultName: "kv-dev-abc123", resourceGroupName: "rg-gitops-dev", keyName: "seal", name: "seal" },
    { dependencies: dependsOn.map((r) => r.urn), propertyDependencies: { vaultName: [urnOf(KEY_VAULT, "kv")] } },
  );

/** The Vault server's identity, federated with its service account, granted the seal key. */
function vaultServer(): CheckedResource[] {
  return [
    node("vault-server", IDENTITY, { name: "vault-server-id", principalId: "vault-principal" }),
    node("vault-server-fic", CREDENTIAL, { resourceName: "vault-server-id", subject: "system:serviceaccount:vault:vault" }, { propertyDependencies: { resourceName: [urnOf(IDENTITY, "vault-server")] } }),
    grant("vault-seal-crypto", "Key Vault Crypto Service Encryption User", `${VAULT_ID}/keys/seal`, "vault-principal"),
  ];
}
const clusterIn = (subnet?: string) => node("aks", CLUSTER, { agentPoolProfiles: [{ name: "system", vnetSubnetID: subnet }] });

const officer = grant("kv-crypto-officer-deployer", "Key Vault Crypto Officer", VAULT_ID);
const officerWait = wait("kv-data-plane-wait", [officer]);
const clusterAdmin = grant("aks-deployer-admin", "Azure Kubernetes Service RBAC Cluster Admin", RG);
const clusterAdminWait = wait("aks-deployer-admin-wait", [clusterAdmin]);
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** A PodDisruptionBudget in `ns` selecting app=<app>. */
const pdb = (name: string, spec: Record<string, unknown>, app = "web", ns = "team-a") =>
  node(name, PDB, { metadata: { name, namespace: ns }, spec: { selector: { matchLabels: { app } }, ...spec } });
const deployment = (name: string, replicas: number | undefined, app = "web", ns = "team-a") =>
  node(name, DEPLOYMENT, {
    metadata: { name, namespace: ns },
    spec: { ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: { app } }, template: { metadata: { labels: { app, tier: "front" } } } },
  });
const NAMESPACE = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const EXTENSION = "azure-native:kubernetesconfiguration:Extension";
const COMPONENT = "gitops-platform:kubernetes:Tenant";
const secret = (name: string, namespace: string | undefined, dependencies: string[] = [], parent: string | null = null) =>
  node(name, SECRET, { metadata: { name, ...(namespace === undefined ? {} : { namespace }) } }, { dependencies, parent });
const namespaceObject = (name: string) => node(`${name}-ns`, NAMESPACE, { metadata: { name } });
const component = (name: string, dependencies: string[] = []) => node(name, COMPONENT, {}, { custom: false, dependencies });
/** A platform's contract (stacks/contract.ts) as `pulumi stack output --json --show-secrets` prints it: prod's registry. */
const PROD_CONTRACT = {
  version: CONTRACT_VERSION,
  environment: "prod",
  platformName: "platform",
  clusterName: "gitops-platform-prod",
  kubeconfig: "apiVersion: v1\nkind: Config\n",
  oidcIssuerUrl: "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/",
  resourceGroupName: "rg-gitops-prod",
  flux: { namespace: "flux-system", multitenancy: true, sops: true },
  githubOwner: "acme-platform",
  tenants: {
    web: { namespace: "web", stack: "prod-commerce", imageAutomation: true },
    api: { namespace: "api", stack: "prod-commerce", imageAutomation: false },
    payments: { namespace: "payments-prod", stack: "prod-payments", imageAutomation: false },
  },
};
/** A tenant stack's read of its platform stack, as the engine records it (builtins.go readStackReference: name, outputs, secretOutputNames). */
const contractReference = (stack: string, contract: Record<string, unknown>) => ({
  ...node("platform", "pulumi:pulumi:StackReference", {
    name: "organization/gitops-platform/prod",
    outputs: { environment: "prod", tenantContract: contract },
    secretOutputNames: [],
  }),
  urn: `urn:pulumi:${stack}::gitops-platform-tenants::pulumi:pulumi:StackReference::platform`,
});
const tenantSecret = (stack: string, name: string, namespace: string) => ({
  ...secret(name, namespace),
  urn: `urn:pulumi:${stack}::gitops-platform-tenants::kubernetes:core/v1:Secret::${name}`,
});
const fluxRelease = node("flux", RELEASE, { chart: "flux2", namespace: "flux-system", createNamespace: true });
const fluxExtension = node("flux-ext", EXTENSION, { extensionType: "microsoft.flux", scope: { cluster: { releaseNamespace: "flux-ext-system" } } });
const vaultRelease = (name: string, server: Record<string, unknown>) =>
  node(name, RELEASE, { chart: "vault", repositoryOpts: { repo: "https://helm.releases.hashicorp.com" }, values: { server } });

const DCR = "azure-native:monitor:DataCollectionRule";
const DCRA = "azure-native:monitor:DataCollectionRuleAssociation";
const PROMETHEUS_RULE = "managed-prometheus-has-a-destination";
const metricsCluster = (enabled: boolean) => node("aks", CLUSTER, { azureMonitorProfile: { metrics: { enabled } } });
const prometheusRule = node("prom-dcr", DCR, {
  destinations: { monitoringAccounts: [{ name: "MonitoringAccount1", accountResourceId: `${RG}/providers/Microsoft.Monitor/accounts/amw` }] },
  dataFlows: [{ streams: ["Microsoft-PrometheusMetrics"], destinations: ["MonitoringAccount1"] }],
});
// Container insights' rule: logs to Log Analytics, no Prometheus flow.
const logsRule = node("ci-dcr", DCR, {
  destinations: { logAnalytics: [{ name: "ciworkspace", workspaceResourceId: `${RG}/providers/Microsoft.OperationalInsights/workspaces/logs` }] },
  dataFlows: [{ streams: ["Microsoft-ContainerInsights-Group-Default"], destinations: ["ciworkspace"] }],
});
const association = (name: string, cluster: CheckedResource, rule: CheckedResource) =>
  node(name, DCRA, { dataCollectionRuleId: `${RG}/providers/Microsoft.Insights/dataCollectionRules/${rule.name}` }, {
    dependencies: [cluster.urn, rule.urn],
    propertyDependencies: { resourceUri: [cluster.urn], dataCollectionRuleId: [rule.urn] },
  });

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const tenantNamespace = (name: string) => node(`${name}-ns`, "kubernetes:core/v1:Namespace", { metadata: { name, labels: { "toolkit.fluxcd.io/tenant": name } } });
const vaultIn = (namespace: string) => node("vault", RELEASE, { chart: "vault", name: "vault", namespace, values: {} });
const egressPolicy = (name: string, namespace: string, egress: unknown[]) =>
  node(name, NETWORK_POLICY, { metadata: { name, namespace }, spec: { podSelector: {}, policyTypes: ["Egress"], egress } });
const dnsOnly = (namespace: string) =>
  egressPolicy(`${namespace}-dns`, namespace, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ protocol: "UDP", port: 53 }] }]);
const toVault = (namespace: string, port: number, component = "server") =>
  egressPolicy(`${namespace}-vault`, namespace, [
    {
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vault" } },
          podSelector: { matchLabels: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", component } },
        },
      ],
      ports: [{ protocol: "TCP", port }],
    },
  ]);

const FIXTURES: Fixture[] = [
  {
    rule: PROMETHEUS_RULE,
    title: "the addon on, with a Prometheus rule associated with the cluster",
    resources: [metricsCluster(true), prometheusRule, association("prom-dcra", metricsCluster(true), prometheusRule)],
    reports: [],
  },
  {
    rule: PROMETHEUS_RULE,
    title: "the addon off needs no rule",
    resources: [metricsCluster(false)],
    reports: [],
  },
  {
    rule: PROMETHEUS_RULE,
    title: "the addon on and no association: it would send nowhere",
    resources: [metricsCluster(true), prometheusRule],
    reports: ["aks"],
  },
  {
    rule: PROMETHEUS_RULE,
    title: "the addon on with only a logs rule associated (Container insights), no Prometheus flow",
    resources: [metricsCluster(true), logsRule, association("ci-dcra", metricsCluster(true), logsRule)],
    reports: ["aks"],
  },
  {
    rule: PROMETHEUS_RULE,
    title: "an association whose target is unknown (no propertyDependencies): cannot decide, reported on the cluster",
    resources: [metricsCluster(true), prometheusRule, { ...association("prom-dcra", metricsCluster(true), prometheusRule), links: { custom: true, parent: null, provider: null, dependencies: [] } }],
    reports: ["aks"],
  },
  {
    rule: "tenants-can-reach-vault",
    title: "restricted tenant egress with an allowance for Vault's servers on 8200, and a tenant with open egress",
    resources: [vaultIn("vault"), tenantNamespace("web"), dnsOnly("web"), toVault("web", 8200), tenantNamespace("api")],
    reports: [],
  },
  {
    rule: "tenants-can-reach-vault",
    title: "restricted tenant egress without Vault, to the wrong port, or to the injector instead of the servers",
    resources: [
      vaultIn("vault"),
      tenantNamespace("web"),
      dnsOnly("web"),
      tenantNamespace("api"),
      dnsOnly("api"),
      toVault("api", 8201),
      tenantNamespace("pay"),
      dnsOnly("pay"),
      toVault("pay", 8200, "webhook"),
    ],
    reports: ["web-ns", "api-ns", "pay-ns"],
  },
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
  {
    rule: "namespaced-objects-wait-for-their-namespace",
    title: "objects that wait for their Namespace, the release or extension creating it, directly, through a component or a chain",
    resources: [
      namespaceObject("team-a"),
      secret("direct", "team-a", [urnOf(NAMESPACE, "team-a-ns")]),
      secret("chained", "team-a", [urnOf(SECRET, "direct")]),
      component("tenant", [urnOf(NAMESPACE, "team-a-ns")]),
      secret("inside-component", "team-a", [], urnOf(COMPONENT, "tenant")),
      component("flux-component"),
      { ...fluxRelease, links: { ...fluxRelease.links!, parent: urnOf(COMPONENT, "flux-component") } },
      secret("webhook", "flux-system", [urnOf(COMPONENT, "flux-component")]),
      fluxExtension,
      secret("ext-webhook", "flux-ext-system", [urnOf(EXTENSION, "flux-ext")]),
      secret("in-default", undefined),
      secret("in-kube-system", "kube-system"),
      node("reader", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", { metadata: { name: "reader" } }),
      node("crd", "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", { metadata: { name: "x.example.com" } }),
    ],
    reports: [],
  },
  {
    rule: "namespaced-objects-wait-for-their-namespace",
    title: "a Secret racing the Flux release for flux-system, one racing its Namespace, one whose namespace nothing creates",
    resources: [
      fluxRelease,
      secret("webhook", "flux-system"),
      namespaceObject("team-a"),
      secret("git-credentials", "team-a", [urnOf(RELEASE, "flux")]),
      node("alert", "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert", { metadata: { name: "alert", namespace: "team-a" } }),
      secret("orphan", "nowhere"),
      node("vault", RELEASE, { chart: "vault", namespace: "vault", createNamespace: false }),
    ],
    reports: ["webhook", "git-credentials", "alert", "orphan", "vault"],
  },
  {
    rule: "namespaced-objects-wait-for-their-namespace",
    title: "a tenant stack's objects in a namespace its platform stack creates (deployed first), judged on top of the platform's resources",
    resources: [
      // The platform stack's Namespace, and the tenant stack's Secret there: the namespace exists before the tenant stack starts.
      { ...namespaceObject("payments"), urn: "urn:pulumi:stage::gitops-platform::kubernetes:core/v1:Namespace::payments-ns" },
      { ...secret("git-secret", "payments"), urn: "urn:pulumi:stage-payments::gitops-platform-tenants::kubernetes:core/v1:Secret::git-secret" },
    ],
    reports: [],
  },
  {
    rule: "namespaced-objects-wait-for-their-namespace",
    title: "a tenant stack's object in a namespace no stack creates, and one in its own stack's namespace without waiting",
    resources: [
      { ...secret("orphan", "nowhere"), urn: "urn:pulumi:stage-payments::gitops-platform-tenants::kubernetes:core/v1:Secret::orphan" },
      { ...namespaceObject("own"), urn: "urn:pulumi:stage-payments::gitops-platform-tenants::kubernetes:core/v1:Namespace::own-ns" },
      { ...secret("racing", "own"), urn: "urn:pulumi:stage-payments::gitops-platform-tenants::kubernetes:core/v1:Secret::racing" },
    ],
    reports: ["orphan", "racing"],
  },
  {
    rule: "namespaced-objects-wait-for-their-namespace",
    title: "a tenant stack judged alone (--platform-outputs, CrossGuard): its objects in the namespaces its platform's contract registers to its tenants",
    resources: [
      contractReference("prod-commerce", PROD_CONTRACT),
      tenantSecret("prod-commerce", "web-git-secret", "web"),
      tenantSecret("prod-commerce", "api-git-secret", "api"),
    ],
    reports: [],
  },
  {
    rule: "namespaced-objects-wait-for-their-namespace",
    title:
      "a tenant stack judged alone: a Secret in another tenant stack's registered namespace, one in the platform's flux-system, one in a namespace nobody registered, one under a contract of an unknown version",
    resources: [
      contractReference("prod-commerce", PROD_CONTRACT),
      tenantSecret("prod-commerce", "into-payments", "payments-prod"),
      tenantSecret("prod-commerce", "into-flux", "flux-system"),
      tenantSecret("prod-commerce", "into-nowhere", "nowhere"),
      // The platform's own reference to its previous deployment carries the same registry: it registers nothing to the platform stack.
      { ...secret("platform-orphan", "web"), urn: "urn:pulumi:prod::gitops-platform::kubernetes:core/v1:Secret::platform-orphan" },
      { ...contractReference("prod-commerce", PROD_CONTRACT), urn: "urn:pulumi:prod::gitops-platform::pulumi:pulumi:StackReference::previous" },
      contractReference("prod-payments", { ...PROD_CONTRACT, version: CONTRACT_VERSION + 1 }),
      tenantSecret("prod-payments", "payments-git-secret", "payments-prod"),
    ],
    reports: ["into-payments", "into-flux", "into-nowhere", "platform-orphan", "payments-git-secret"],
  },
  {
    rule: "no-unsatisfiable-pod-disruption-budgets",
    title: "budgets that leave room for one eviction, and Vault's chart budget at 3 replicas",
    resources: [
      pdb("web-pdb", { maxUnavailable: 1 }),
      pdb("api-pdb", { minAvailable: 2 }, "api"),
      deployment("api", 3, "api"),
      pdb("pct-pdb", { minAvailable: "50%" }, "pct"),
      pdb("unknown-pdb", { minAvailable: 1 }, "elsewhere"),
      vaultRelease("vault-ha", { ha: { enabled: true, replicas: 3, disruptionBudget: { enabled: true } } }),
      vaultRelease("vault-dev", { ha: { enabled: true, replicas: 1, disruptionBudget: { enabled: false } } }),
    ],
    reports: [],
  },
  {
    rule: "no-unsatisfiable-pod-disruption-budgets",
    title: "maxUnavailable 0, minAvailable 100% or >= replicas, and the PDB vault-helm renders for one or two replicas",
    resources: [
      pdb("zero-pdb", { maxUnavailable: 0 }),
      pdb("zero-pct-pdb", { maxUnavailable: "0%" }, "b"),
      pdb("all-pdb", { minAvailable: "100%" }, "c"),
      pdb("api-pdb", { minAvailable: 2 }, "api"),
      deployment("api", 2, "api"),
      pdb("single-pdb", { minAvailable: 1 }, "single"),
      deployment("single", undefined, "single"),
      vaultRelease("vault-one", { ha: { enabled: true, replicas: 1 } }),
      vaultRelease("vault-two", { ha: { enabled: true, replicas: 2, disruptionBudget: { enabled: true } } }),
    ],
    reports: ["zero-pdb", "zero-pct-pdb", "all-pdb", "api-pdb", "single-pdb", "vault-one", "vault-two"],
  },
  {
    rule: "one-resource-per-kubernetes-object",
    title: "one name in another namespace, kind or group; patches; unnamed objects; components",
    resources: [
      node("sealed-secrets-ns", NAMESPACE, { metadata: { name: "sealed-secrets" } }),
      node("web-ns", NAMESPACE, { metadata: { name: "web" } }),
      node("a-sa", "kubernetes:core/v1:ServiceAccount", { metadata: { name: "app", namespace: "web" } }),
      node("b-sa", "kubernetes:core/v1:ServiceAccount", { metadata: { name: "app", namespace: "api" } }),
      node("a-cm", "kubernetes:core/v1:ConfigMap", { metadata: { name: "app", namespace: "web" } }),
      node("a-np", NETWORK_POLICY, { metadata: { name: "app", namespace: "web" } }),
      node("a-cilium-np", "kubernetes:cilium.io/v2:CiliumNetworkPolicy", { metadata: { name: "app", namespace: "web" } }),
      node("a-patch", "kubernetes:core/v1:ConfigMapPatch", { metadata: { name: "app", namespace: "web" } }),
      node("unnamed-1", "kubernetes:batch/v1:Job", { metadata: { namespace: "web" } }),
      node("unnamed-2", "kubernetes:batch/v1:Job", { metadata: { namespace: "web" } }),
      node("chart", "kubernetes:helm.sh/v4:Chart", { name: "app", namespace: "web" }, { custom: false }),
      node("flux", RELEASE, { name: "flux", namespace: "flux-system", createNamespace: true }),
      node("flux-web", RELEASE, { name: "flux", namespace: "web" }),
    ],
    reports: [],
  },
  {
    rule: "kubernetes-objects-the-api-server-accepts",
    title: "objects with valid names and labels, one Kustomization and one GitRepository of one name, the same name in two namespaces",
    resources: [
      node("ns", "kubernetes:core/v1:Namespace", { metadata: { name: "web", labels: { "gitops-platform/tenant": "web" } } }),
      node("git", "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", { metadata: { name: "web-config", namespace: "web" } }),
      node("sync", "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", { metadata: { name: "web-config", namespace: "web" } }),
      node("api-sync", "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", { metadata: { name: "web-config", namespace: "api" } }),
      node("role", "kubernetes:rbac.authorization.k8s.io/v1:Role", { metadata: { name: "system:web:Reader", namespace: "web" } }),
      node("config", "kubernetes:core/v1:ConfigMap", { metadata: { name: "a.b-c", namespace: "web" }, data: { big: "x".repeat(1000 * 1000) } }),
      node("vault", RELEASE, { chart: "vault", namespace: "vault", values: { blob: "x".repeat(2 * 1024 * 1024) } }),
    ],
    reports: [],
  },
  {
    rule: "one-resource-per-kubernetes-object",
    title: "a tenant in Sealed Secrets' namespace, one RoleBinding twice, one Deployment in two versions, two Helm releases of one name",
    resources: [
      node("sealed-secrets-ns", NAMESPACE, { metadata: { name: "sealed-secrets" } }),
      node("tenant-sealed-secrets-ns", NAMESPACE, { metadata: { name: "sealed-secrets", labels: { "toolkit.fluxcd.io/tenant": "sealed-secrets" } } }),
      node("controller-binding", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", { metadata: { name: "admins", namespace: "sealed-secrets" } }),
      node("tenant-binding", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", { metadata: { name: "admins", namespace: "sealed-secrets" } }),
      node("api-v1", DEPLOYMENT, { metadata: { name: "api", namespace: "web" } }),
      node("api-v1beta1", "kubernetes:apps/v1beta1:Deployment", { metadata: { name: "api", namespace: "web" } }),
      node("default-ns-secret", SECRET, { metadata: { name: "token" } }),
      node("explicit-default-secret", SECRET, { metadata: { name: "token", namespace: "default" } }),
      node("vault", RELEASE, { name: "vault", namespace: "vault" }),
      node("vault-again", RELEASE, { name: "vault", namespace: "vault" }),
      node("git-sync", "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", { metadata: { name: "web-config", namespace: "web" } }),
      node("oci-sync", "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", { metadata: { name: "web-config", namespace: "web" } }),
    ],
    reports: ["tenant-sealed-secrets-ns", "tenant-binding", "api-v1beta1", "explicit-default-secret", "vault-again", "oci-sync"],
  },
  {
    rule: "kubernetes-objects-the-api-server-accepts",
    title: "a 64-character namespace, a label value over 63, a ConfigMap over 1 MiB, a HelmRelease over 1.5 MiB",
    resources: [
      node("long-ns", "kubernetes:core/v1:Namespace", { metadata: { name: "n".repeat(64) } }),
      node("dotted-ns", "kubernetes:core/v1:Namespace", { metadata: { name: "a.b" } }),
      node("upper", "kubernetes:core/v1:ServiceAccount", { metadata: { name: "Frontend", namespace: "web" } }),
      node("labelled", "kubernetes:core/v1:ServiceAccount", { metadata: { name: "frontend", namespace: "web", labels: { tenant: "t".repeat(64) } } }),
      node("big-config", "kubernetes:core/v1:ConfigMap", { metadata: { name: "big", namespace: "web" }, data: { big: "x".repeat(1024 * 1024 + 1) } }),
      node("big-release", "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease", { metadata: { name: "big", namespace: "web" }, spec: { values: { blob: "x".repeat(1600 * 1024) } } }),
    ],
    reports: ["long-ns", "dotted-ns", "upper", "labelled", "big-config", "big-release"],
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

/** Rules that read names and inputs only, never the graph. */
const READS_NO_LINKS = new Set([
  "role-assignments-named-by-what-they-are",
  "no-unsatisfiable-pod-disruption-budgets",
  "in-cluster-key-vault-callers-can-reach-it",
  "tenants-can-reach-vault",
  "one-resource-per-kubernetes-object",
  "kubernetes-objects-the-api-server-accepts",
]);

test("a rule that needs the graph says it cannot decide when it gets no links", () => {
  const unlinked = node("a", ASSIGNMENT);
  delete unlinked.links;
  for (const rule of DEPLOY_RULES) {
    const findings = rule.check([unlinked, node("b", ASSIGNMENT)], DEV);
    if (READS_NO_LINKS.has(rule.name)) continue;
    assert.ok(findings.some((f) => /cannot decide/.test(f.message)), `${rule.name} passed silently without links`);
  }
});

test("under CrossGuard (outputs as props, links as resources) every failing fixture still fails through the pack, or the pack says it cannot decide", () => {
  const policies = loadPack();
  const problems: string[] = [];
  for (const fixture of FIXTURES.filter((f) => f.reports.length > 0)) {
    const pack = policies.filter((p) => p.name === fixture.rule);
    assert.equal(pack.length, 1, fixture.rule);
    const reports = runPack(pack, fixture.resources);
    const expected = fixture.reports.map((name) => ({ policy: fixture.rule, urn: fixture.resources.find((r) => r.name === name)?.urn }));
    problems.push(...failsOpen(reports, expected).map((p) => `${fixture.title}: ${p}`));
    // Every resource synth reports, the pack reports too (or it says it cannot decide).
    if (!reports.some((r) => /cannot decide/.test(r.message))) {
      for (const e of expected) if (!reports.some((r) => r.urn === e.urn)) problems.push(`${fixture.title}: ${fixture.rule} does not report ${e.urn} under CrossGuard`);
    }
  }
  assert.deepEqual(problems, []);
});

test("under CrossGuard, a tenant stack's preview (its StackReference's outputs as props) passes the namespace rule in the namespaces its platform's contract registers to it, and only there", () => {
  const pack = loadPack().filter((p) => p.name === "namespaced-objects-wait-for-their-namespace");
  const resources = [
    contractReference("prod-commerce", PROD_CONTRACT),
    tenantSecret("prod-commerce", "web-git-secret", "web"),
    tenantSecret("prod-commerce", "into-payments", "payments-prod"),
  ];
  const reports = runPack(pack, resources);
  assert.deepEqual(
    reports.map((r) => r.message),
    ["into-payments: nothing in the stack creates its namespace payments-prod, and its platform's contract registers it to no tenant of stack prod-commerce"],
  );
});
