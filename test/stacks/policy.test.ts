/**
 * The security policies (policy/): every policy passes on the real dev and prod stacks, and every
 * policy has a fixture that trips it with exactly the finding it should. A policy added to
 * PLATFORM_POLICIES without a fixture here fails the suite.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, TestContext } from "node:test";
import * as github from "@pulumi/github";
import { parse, stringify } from "yaml";
import { BUILT_IN_ROLES, BuiltInRole } from "../../components/azure/role-ids";
import { SEALING_KEY_LABEL, sealedSecretsHelmValues } from "../../components/kubernetes/sealed-secrets-config";
import { DEPLOY_RULES } from "../../policy/deploy";
import { evaluatePolicies, PLATFORM_POLICIES, policyContext } from "../../policy/evaluate";
import { checkedFromRecord } from "../../policy/from-synth";
import { CheckedResource, Enforcement, PolicyContext, Violation } from "../../policy/types";
import { main } from "../../synth/cli";
import { PROJECT_ROOT, projectProgram, synthesize } from "../../synth/synthesize";
import { asCrossGuard, failsOpen, loadPack, runPack } from "../crossguard";
import { inlineStackFile } from "../environments";
import { pinTestDay } from "../helpers";

pinTestDay();

type Stack = "dev" | "prod";

const CLUSTER = "azure-native:containerservice:ManagedCluster";
const KEY_VAULT = "azure-native:keyvault:Vault";
const KEY = "azure-native:keyvault:Key";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const KUSTOMIZATION = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey";
const OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const EXTENSION = "azure-native:kubernetesconfiguration:Extension";
const FLUX_RELEASE = "platform-flux";
/** Tenant web's decryption identity's Crypto User grant on web's key. */
const WEB_SOPS_GRANT = "platform-web-sops-key-vault-crypto-user-sops-key";
const LOCKDOWN = "flux-multi-tenancy-lockdown";
const SOPS_PER_TENANT = "sops-decryption-per-tenant";
const ISOLATED = "tenant-identities-isolated";
const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const WEB_APP_CREDENTIAL = "platform-web-azure-frontend-azure-web-frontend-azure";
const WEB_APP_GRANT = "platform-web-azure-frontend-azure-key-vault-secrets-user-tenant-vault";
const WEB_VAULT = "kv-dev-web-bofnyz";
const PLATFORM_VAULT = "kv-dev-kvfb16";
const API_SOPS_GRANT = "platform-api-sops-key-vault-crypto-user-sops-key";
const WEB_DEV_SOPS_KEY = "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-dev/providers/Microsoft.KeyVault/vaults/kv-dev-kvfb16/keys/sops-web-45t89b";
const WEB_APP_IDENTITY_NAME = "platform-web-azure-frontend-azure0a16032";
const WEB_DEPLOYER_IDENTITY_NAME = "platform-web-azure-deployer60ff6ce";
const REGISTRY = "azure-native:containerregistry:Registry";
/** Tenant web's registry push identity's AcrPush grant on web's registry. */
const WEB_PUSH = "platform-web-acr-push-acrpush";
/** The name the mocks give tenant api's prod registry (its random suffix is deterministic). */
const API_REGISTRY_PROD = "acrapiprode1xgy4";
const DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting";
const AUDIT_LOGS = "audit-logs-collected";
const NO_CLUSTER_AUDIT = "platform-aks: no diagnostic setting sends the cluster's audit log (kube-audit-admin or kube-audit) to a workspace, storage account or event hub";
const NO_VAULT_AUDIT = "platform-kv: no diagnostic setting sends the Key Vault's audit log (AuditEvent) to a workspace, storage account or event hub";
const NO_WEB_VAULT_AUDIT = "platform-web-azure-kv: no diagnostic setting sends the Key Vault's audit log (AuditEvent) to a workspace, storage account or event hub";

/** The real stacks, synthesized once per file. */
const realStacks = new Map<Stack, Promise<CheckedResource[]>>();
function real(stack: Stack): Promise<CheckedResource[]> {
  // Prod in the single-stack form (its tenant stacks' tenants inline): the fixtures need a tenant's Flux side and its platform side in one graph.
  if (!realStacks.has(stack)) {
    const configFile = stack === "prod" ? inlineStackFile("prod") : undefined;
    realStacks.set(stack, synthesize({ stack, configFile }).then(({ run }) => run.resources.map(checkedFromRecord)));
  }
  return realStacks.get(stack)!;
}

/** A fresh deep copy, so that fixtures never change what other tests see. */
async function copyOf(stack: Stack): Promise<CheckedResource[]> {
  return structuredClone(await real(stack));
}

function one(resources: readonly CheckedResource[], type: string, name: string): CheckedResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** Resource properties as fixtures reach into them: any depth, any shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

/** Props of one resource, for fixtures to change in place. */
function props(resources: readonly CheckedResource[], type: string, name: string): Props {
  return one(resources, type, name).props as Props;
}

/** `type::name` of a URN: short enough to write in a table, precise enough to identify. */
function shortUrn(urn: string | undefined): string | undefined {
  if (urn === undefined) return undefined;
  const parts = urn.split("::");
  return `${parts[2].split("$").pop()}::${parts[3]}`;
}

interface Expected {
  policy: string;
  enforcement: Enforcement;
  /** `type::name` of the resource the finding is about. */
  resource: string;
  message: string;
}

const expect = (policy: string, enforcement: Enforcement, type: string, name: string, message: string): Expected => ({
  policy,
  enforcement,
  resource: `${type}::${name}`,
  message,
});

function contextFor(resources: readonly CheckedResource[], stack: Stack): PolicyContext {
  return policyContext(resources, stack);
}

function summarize(violations: readonly Violation[]): Expected[] {
  return violations.map((v) => ({ policy: v.policy, enforcement: v.enforcement, resource: shortUrn(v.urn)!, message: v.message }));
}

interface Fixture {
  title: string;
  /** The real stack whose resources the fixture starts from. */
  stack: Stack;
  /** Changes a deep copy of that stack's resources (or adds to them). */
  change(resources: CheckedResource[]): void;
  /** Every violation of every policy afterwards: exactly these, nothing else. Empty: must pass. */
  expected: Expected[];
}

const RBAC_ADMIN = "platform-ci-deploy-rbac-admin";
/** The mock engine's principal id of each stack's CI deploy identity. */
const DEPLOY_PRINCIPAL: Record<Stack, string> = { dev: "c7e41c92-a128-4c45-aa27-1c8b3531c42f", prod: "6bba0211-a4db-4b93-ace4-d1d5aae6a91e" };
/** A condition in the shape CiIdentity had before issue 13: roles constrained, principals not. */
function rolesOnlyCondition(roles: BuiltInRole[]): string {
  const guids = `{${roles.map((r) => BUILT_IN_ROLES[r]).join(", ")}}`;
  return [
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals ${guids}))`,
    "AND",
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals ${guids}))`,
  ].join("\n");
}

const hcl = (resources: CheckedResource[]) => props(resources, RELEASE, "platform-vault").values.server.ha.raft;

const DRIFT_ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";
const DRIFT_BRANCH = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy";
const CONTRIBUTOR_ROLE = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const KEY_VAULT_SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6";
/** Dev without monitoring: the cluster, the platform's vault and tenant web's vault, each advisory. */
const DEV_UNAUDITED = [
  expect(AUDIT_LOGS, "advisory", CLUSTER, "platform-aks", NO_CLUSTER_AUDIT),
  expect(AUDIT_LOGS, "advisory", KEY_VAULT, "platform-kv", NO_VAULT_AUDIT),
  expect(AUDIT_LOGS, "advisory", KEY_VAULT, "platform-web-azure-kv", NO_WEB_VAULT_AUDIT),
];

const FIXTURES: Record<string, Fixture[]> = {
  "tenant-deployer-rights-scoped": [
    {
      // The whole-stack cases run on stage's real deployers: test/stacks/tenant-deployers.test.ts.
      title: "a tenant stack's deployer given the built-in AKS RBAC Writer on the cluster",
      stack: "dev",
      change: (rs) => {
        rs.push(
          added(IDENTITY, "tenant-deployer-dev-x", { principalId: "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", tags: { "gitops-platform-tenant-stack": "dev-x", "gitops-platform-tenant-namespaces": "x" } }),
          added(ASSIGNMENT, "tenant-deployer-dev-x-writer", {
            principalId: "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
            principalType: "ServicePrincipal",
            roleDefinitionId: "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/providers/Microsoft.Authorization/roleDefinitions/a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
            scope: "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-dev/providers/Microsoft.ContainerService/managedClusters/aks",
          }),
        );
      },
      expected: [
        expect(
          "tenant-deployer-rights-scoped",
          "mandatory",
          ASSIGNMENT,
          "tenant-deployer-dev-x-writer",
          "tenant-deployer-dev-x-writer: tenant stack dev-x's deployer gets role a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb, which is not a custom role of this stack (a built-in role such as AKS RBAC Writer runs Pods as any service account and reads every Secret)",
        ),
        expect(
          "tenant-deployer-rights-scoped",
          "mandatory",
          ASSIGNMENT,
          "tenant-deployer-dev-x-writer",
          "tenant-deployer-dev-x-writer: tenant stack dev-x's deployer is assigned on /subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-dev/providers/Microsoft.ContainerService/managedClusters/aks, not on a namespace of the cluster (<cluster>/namespaces/<ns>)",
        ),
      ],
    },
  ],
  "unattended-ci-identity-read-only": [
    {
      title: "Contributor for the read-only identity that the nightly drift report acts as",
      stack: "dev",
      change: (rs) => {
        const assignment = props(rs, ASSIGNMENT, "platform-ci-preview-reader");
        assignment.roleDefinitionId = assignment.roleDefinitionId.replace(/[^/]+$/, CONTRIBUTOR_ROLE);
      },
      expected: [expect("unattended-ci-identity-read-only", "mandatory", ASSIGNMENT, "platform-ci-preview-reader", "platform-ci-preview-reader: grants Contributor to platform-ci-preview235fea7, which unattended jobs in environment drift-dev act as; it may only read (Reader, Key Vault Reader, Azure Kubernetes Service RBAC Reader, Azure Kubernetes Service Cluster User Role)")],
    },
    {
      title: "a data-plane read of secret values is no read-only role either",
      stack: "prod",
      change: (rs) => {
        const assignment = props(rs, ASSIGNMENT, "platform-ci-preview-key-vault-reader");
        assignment.roleDefinitionId = assignment.roleDefinitionId.replace(/[^/]+$/, KEY_VAULT_SECRETS_USER_ROLE);
      },
      expected: [expect("unattended-ci-identity-read-only", "mandatory", ASSIGNMENT, "platform-ci-preview-key-vault-reader", "platform-ci-preview-key-vault-reader: grants Key Vault Secrets User to platform-ci-preview38a873c, which unattended jobs in environment drift-prod act as; it may only read (Reader, Key Vault Reader, Azure Kubernetes Service RBAC Reader, Azure Kubernetes Service Cluster User Role)")],
    },
    {
      title: "the drift environment admits every branch",
      stack: "prod",
      change: (rs) => {
        props(rs, DRIFT_ENVIRONMENT, "platform-ci-drift-environment").deploymentBranchPolicy = { protectedBranches: false, customBranchPolicies: false };
      },
      expected: [expect("unattended-ci-identity-read-only", "mandatory", DRIFT_ENVIRONMENT, "platform-ci-drift-environment", "platform-ci-drift-environment: environment drift-prod has no reviewers and an identity trusts it, but it admits every branch (deploymentBranchPolicy.customBranchPolicies is not true)")],
    },
    {
      title: "the drift environment's branch rule is a wildcard",
      stack: "dev",
      change: (rs) => {
        props(rs, DRIFT_BRANCH, "platform-ci-drift-branch").branchPattern = "*";
      },
      expected: [expect("unattended-ci-identity-read-only", "mandatory", DRIFT_ENVIRONMENT, "platform-ci-drift-environment", "platform-ci-drift-environment: environment drift-dev has no reviewers and an identity trusts it, but it admits more than named branches (*)")],
    },
    {
      title: "an environment with reviewers is not unattended: its branch rule is the reviewers' business",
      stack: "dev",
      change: (rs) => {
        const environment = props(rs, DRIFT_ENVIRONMENT, "platform-ci-drift-environment");
        environment.reviewers = [{ teams: [7] }];
        environment.deploymentBranchPolicy = { protectedBranches: false, customBranchPolicies: false };
      },
      expected: [],
    },
  ],
  "aks-local-accounts-disabled": [
    {
      title: "local accounts switched back on",
      stack: "prod",
      change: (rs) => (props(rs, CLUSTER, "platform-aks").disableLocalAccounts = false),
      expected: [expect("aks-local-accounts-disabled", "mandatory", CLUSTER, "platform-aks", "platform-aks: disableLocalAccounts must be true")],
    },
    {
      title: "local accounts left at the Azure default (on), in dev too",
      stack: "dev",
      change: (rs) => delete props(rs, CLUSTER, "platform-aks").disableLocalAccounts,
      expected: [expect("aks-local-accounts-disabled", "mandatory", CLUSTER, "platform-aks", "platform-aks: disableLocalAccounts must be true")],
    },
  ],
  "aks-azure-rbac": [
    {
      title: "Kubernetes RBAC instead of Azure RBAC",
      stack: "dev",
      change: (rs) => (props(rs, CLUSTER, "platform-aks").aadProfile.enableAzureRBAC = false),
      expected: [expect("aks-azure-rbac", "mandatory", CLUSTER, "platform-aks", "platform-aks: aadProfile.managed and aadProfile.enableAzureRBAC must be true")],
    },
  ],
  "aks-workload-identity": [
    {
      title: "workload identity off",
      stack: "prod",
      change: (rs) => (props(rs, CLUSTER, "platform-aks").securityProfile.workloadIdentity.enabled = false),
      expected: [
        expect("aks-workload-identity", "mandatory", CLUSTER, "platform-aks", "platform-aks: oidcIssuerProfile.enabled and securityProfile.workloadIdentity.enabled must be true"),
      ],
    },
  ],
  "aks-network-policy": [
    {
      title: "no network policy engine",
      stack: "prod",
      change: (rs) => (props(rs, CLUSTER, "platform-aks").networkProfile.networkPolicy = "none"),
      expected: [expect("aks-network-policy", "mandatory", CLUSTER, "platform-aks", "platform-aks: networkProfile.networkPolicy must be set (cilium, calico or azure)")],
    },
  ],
  "aks-upgrade-channel": [
    {
      title: "no upgrade channel in prod: mandatory",
      stack: "prod",
      change: (rs) => (props(rs, CLUSTER, "platform-aks").autoUpgradeProfile.upgradeChannel = "none"),
      expected: [expect("aks-upgrade-channel", "mandatory", CLUSTER, "platform-aks", "platform-aks: autoUpgradeProfile.upgradeChannel must not be none")],
    },
    {
      title: "no upgrade channel in dev: advisory",
      stack: "dev",
      change: (rs) => (props(rs, CLUSTER, "platform-aks").autoUpgradeProfile.upgradeChannel = "none"),
      expected: [expect("aks-upgrade-channel", "advisory", CLUSTER, "platform-aks", "platform-aks: autoUpgradeProfile.upgradeChannel must not be none")],
    },
  ],
  "aks-api-server-restricted": [
    {
      title: "a public API server open to all in prod",
      stack: "prod",
      change: (rs) => delete props(rs, CLUSTER, "platform-aks").apiServerAccessProfile,
      expected: [
        expect("aks-api-server-restricted", "mandatory", CLUSTER, "platform-aks", "platform-aks: a production API server must be private or have authorizedIPRanges"),
      ],
    },
    {
      title: "an allow list that allows every address",
      stack: "prod",
      change: (rs) => (props(rs, CLUSTER, "platform-aks").apiServerAccessProfile.authorizedIPRanges = ["203.0.113.0/24", "0.0.0.0/0"]),
      expected: [
        expect(
          "aks-api-server-restricted",
          "mandatory",
          CLUSTER,
          "platform-aks",
          "platform-aks: authorizedIPRanges 0.0.0.0/0 lets every address reach a production API server",
        ),
      ],
    },
    {
      title: "a private cluster needs no allow list",
      stack: "prod",
      change: (rs) => (props(rs, CLUSTER, "platform-aks").apiServerAccessProfile = { enablePrivateCluster: true }),
      expected: [],
    },
    {
      title: "a dev API server may be public",
      stack: "dev",
      change: (rs) => assert.equal(props(rs, CLUSTER, "platform-aks").apiServerAccessProfile, undefined),
      expected: [],
    },
  ],
  "key-vault-rbac": [
    {
      title: "access policies instead of RBAC, in dev too",
      stack: "dev",
      change: (rs) => (props(rs, KEY_VAULT, "platform-kv").properties.enableRbacAuthorization = false),
      expected: [expect("key-vault-rbac", "mandatory", KEY_VAULT, "platform-kv", "platform-kv: properties.enableRbacAuthorization must be true")],
    },
  ],
  "key-vault-soft-delete": [
    {
      title: "soft delete off",
      stack: "prod",
      change: (rs) => (props(rs, KEY_VAULT, "platform-kv").properties.enableSoftDelete = false),
      expected: [expect("key-vault-soft-delete", "mandatory", KEY_VAULT, "platform-kv", "platform-kv: properties.enableSoftDelete must not be false")],
    },
  ],
  "key-vault-purge-protection": [
    {
      title: "no purge protection in prod",
      stack: "prod",
      change: (rs) => delete props(rs, KEY_VAULT, "platform-kv").properties.enablePurgeProtection,
      expected: [
        expect("key-vault-purge-protection", "mandatory", KEY_VAULT, "platform-kv", "platform-kv: properties.enablePurgeProtection must be true in production"),
      ],
    },
    {
      title: "dev may go without (so a dev vault can be purged and recreated)",
      stack: "dev",
      change: (rs) => assert.equal(props(rs, KEY_VAULT, "platform-kv").properties.enablePurgeProtection, undefined),
      expected: [],
    },
  ],
  "key-vault-network-deny": [
    {
      title: "a firewall that allows by default in prod",
      stack: "prod",
      change: (rs) => (props(rs, KEY_VAULT, "platform-kv").properties.networkAcls.defaultAction = "Allow"),
      expected: [
        expect("key-vault-network-deny", "mandatory", KEY_VAULT, "platform-kv", "platform-kv: properties.networkAcls.defaultAction must be Deny in production"),
      ],
    },
    {
      title: "a deny-by-default firewall whose allow list allows every address",
      stack: "prod",
      change: (rs) => props(rs, KEY_VAULT, "platform-kv").properties.networkAcls.ipRules.push({ value: "0.0.0.0/0" }),
      expected: [
        expect(
          "key-vault-network-deny",
          "mandatory",
          KEY_VAULT,
          "platform-kv",
          "platform-kv: properties.networkAcls.ipRules 0.0.0.0/0 lets every address through the firewall in production",
        ),
      ],
    },
    {
      title: "dev may allow by default",
      stack: "dev",
      change: (rs) => assert.equal(props(rs, KEY_VAULT, "platform-kv").properties.networkAcls.defaultAction, "Allow"),
      expected: [],
    },
  ],
  "no-privileged-roles-for-workloads": [
    {
      title: "Owner for Vault's managed identity",
      stack: "prod",
      change: (rs) => {
        const assignment = props(rs, ASSIGNMENT, "platform-vault-seal-crypto");
        assignment.roleDefinitionId = assignment.roleDefinitionId.replace(/[^/]+$/, OWNER_ROLE);
      },
      expected: [
        expect(
          "no-privileged-roles-for-workloads",
          "mandatory",
          ASSIGNMENT,
          "platform-vault-seal-crypto",
          "platform-vault-seal-crypto: grants Owner to a workload identity; grant a narrow built-in role instead",
        ),
        // Owner may write role assignments: without a condition, to anyone, itself included.
        expect(
          "rbac-administration-constrained",
          "mandatory",
          ASSIGNMENT,
          "platform-vault-seal-crypto",
          "platform-vault-seal-crypto: grants Owner without a condition, so it may assign any role to anyone, itself included",
        ),
      ],
    },
  ],
  "role-assignment-principal-type": [
    {
      title: "a role assignment without principalType",
      stack: "dev",
      change: (rs) => delete props(rs, ASSIGNMENT, WEB_SOPS_GRANT).principalType,
      expected: [expect("role-assignment-principal-type", "mandatory", ASSIGNMENT, WEB_SOPS_GRANT, `${WEB_SOPS_GRANT}: principalType must be set`)],
    },
  ],
  [LOCKDOWN]: [
    {
      title: "kustomize-controller follows remote bases again and helm-controller loses its kubeconfig default",
      stack: "prod",
      change: (rs) => {
        const values = props(rs, RELEASE, FLUX_RELEASE).values;
        values.kustomizeController.container.additionalArgs = values.kustomizeController.container.additionalArgs.filter((a: string) => a !== "--no-remote-bases=true");
        values.helmController.container.additionalArgs = ["--feature-gates=ObjectLevelWorkloadIdentity=true"];
      },
      expected: [
        expect(LOCKDOWN, "mandatory", RELEASE, FLUX_RELEASE, `${FLUX_RELEASE}: kustomize-controller runs without --no-remote-bases=true`),
        expect(LOCKDOWN, "mandatory", RELEASE, FLUX_RELEASE, `${FLUX_RELEASE}: helm-controller runs without --default-kubeconfig-service-account=<an account of the object's namespace>`),
      ],
    },
    {
      title: "multi-tenancy off: no cross-namespace lock, no impersonation default, and an insecure kubeconfig flag",
      // prod: a tenant there uses image automation, so the image controllers are installed.
      stack: "prod",
      change: (rs) => {
        const values = props(rs, RELEASE, FLUX_RELEASE).values;
        values.multitenancy.enabled = false;
        values.notificationController.container.additionalArgs.push("--insecure-kubeconfig-exec=true");
      },
      expected: [
        expect(LOCKDOWN, "mandatory", RELEASE, FLUX_RELEASE, `${FLUX_RELEASE}: kustomize-controller runs without --no-cross-namespace-refs=true, --default-service-account=<an account of the object's namespace>`),
        expect(LOCKDOWN, "mandatory", RELEASE, FLUX_RELEASE, `${FLUX_RELEASE}: helm-controller runs without --no-cross-namespace-refs=true, --default-service-account=<an account of the object's namespace>`),
        expect(LOCKDOWN, "mandatory", RELEASE, FLUX_RELEASE, `${FLUX_RELEASE}: notification-controller runs without --no-cross-namespace-refs=true, --insecure-kubeconfig-exec=false`),
        expect(LOCKDOWN, "mandatory", RELEASE, FLUX_RELEASE, `${FLUX_RELEASE}: image-reflector-controller runs without --no-cross-namespace-refs=true`),
        expect(LOCKDOWN, "mandatory", RELEASE, FLUX_RELEASE, `${FLUX_RELEASE}: image-automation-controller runs without --no-cross-namespace-refs=true`),
      ],
    },
    {
      title: "the feature gate switched off again by a later --feature-gates",
      stack: "dev",
      change: (rs) => props(rs, RELEASE, FLUX_RELEASE).values.sourceController.container.additionalArgs.push("--feature-gates=ObjectLevelWorkloadIdentity=false"),
      expected: [expect(LOCKDOWN, "mandatory", RELEASE, FLUX_RELEASE, `${FLUX_RELEASE}: source-controller runs without --feature-gates=ObjectLevelWorkloadIdentity=true`)],
    },
    {
      title: "a controller the chart does not install needs no flags",
      stack: "prod",
      change: (rs) => {
        const values = props(rs, RELEASE, FLUX_RELEASE).values;
        values.imageAutomationController = { create: false };
      },
      expected: [],
    },
    {
      title: "Flux through the microsoft.flux extension, which cannot refuse remote bases",
      stack: "prod",
      change: (rs) => {
        rs.splice(rs.indexOf(one(rs, RELEASE, FLUX_RELEASE)), 1);
        rs.push(added(EXTENSION, "platform-flux", { extensionType: "microsoft.flux", configurationSettings: { "multiTenancy.enforce": "true" } }));
        // Protected in prod, as Flux protects its install (issue 24 item 9).
        one(rs, EXTENSION, "platform-flux").protect = true;
      },
      expected: [
        expect(
          LOCKDOWN,
          "mandatory",
          EXTENSION,
          "platform-flux",
          "platform-flux: microsoft.flux cannot lock Flux down for tenants: its settings cannot set --no-remote-bases=true, the ObjectLevelWorkloadIdentity gate or the workload identity defaults (--default-decryption-service-account, --default-kubeconfig-service-account, --default-service-account on source, notification and image controllers); install Flux with the flux2 chart (flux.install: helm)",
        ),
      ],
    },
    {
      title: "no tenants, nothing to lock down for",
      stack: "dev",
      change: (rs) => {
        for (const ns of rs.filter((r) => r.type === "kubernetes:core/v1:Namespace")) delete (ns.props as Props).metadata.labels;
        props(rs, RELEASE, FLUX_RELEASE).values.multitenancy.enabled = false;
      },
      expected: [],
    },
  ],
  [SOPS_PER_TENANT]: [
    {
      title: "the shared key and kustomize-controller's own identity, as before per-tenant keys",
      stack: "dev",
      change: (rs) => {
        // web's Kustomization decrypts as the controller, whose identity may decrypt with web's key, and so does api's identity.
        delete props(rs, KUSTOMIZATION, "platform-web-git-sync").spec.decryption.serviceAccountName;
        const webKey = props(rs, ASSIGNMENT, WEB_SOPS_GRANT).scope;
        const apiGrant = props(rs, ASSIGNMENT, "platform-api-sops-key-vault-crypto-user-sops-key");
        apiGrant.scope = webKey;
        props(rs, "azure-native:managedidentity:FederatedIdentityCredential", "platform-web-sops-web-flux-decryption").subject = "system:serviceaccount:flux-system:kustomize-controller";
      },
      expected: [
        expect(SOPS_PER_TENANT, "mandatory", KUSTOMIZATION, "platform-web-git-sync", "platform-web-git-sync: decrypts without spec.decryption.serviceAccountName, so not as tenant web's own identity"),
        expect(SOPS_PER_TENANT, "mandatory", ASSIGNMENT, WEB_SOPS_GRANT, `${WEB_SOPS_GRANT}: kustomize-controller's own identity platform-web-sops267ee56 may decrypt with Key Vault keys, for every tenant alike`),
        expect(SOPS_PER_TENANT, "mandatory", ASSIGNMENT, WEB_SOPS_GRANT, `${WEB_SOPS_GRANT}: key sops-web-45t89b is decryptable from namespaces api, flux-system; each tenant needs a key of its own`),
        expect(
          SOPS_PER_TENANT,
          "mandatory",
          ASSIGNMENT,
          "platform-api-sops-key-vault-crypto-user-sops-key",
          "platform-api-sops-key-vault-crypto-user-sops-key: key sops-web-45t89b is decryptable from namespaces api, flux-system; each tenant needs a key of its own",
        ),
      ],
    },
    {
      title: "a tenant identity with Crypto User on the whole vault",
      stack: "prod",
      change: (rs) => {
        const grant = props(rs, ASSIGNMENT, WEB_SOPS_GRANT);
        grant.scope = grant.scope.replace(/\/keys\/[^/]+$/, "");
      },
      expected: [
        expect(SOPS_PER_TENANT, "mandatory", ASSIGNMENT, WEB_SOPS_GRANT, `${WEB_SOPS_GRANT}: tenant web's identity platform-web-sopsca3cda3 may decrypt with every key under kv-prod-ft4sdp, not only its own`),
        expect(ISOLATED, "mandatory", ASSIGNMENT, WEB_SOPS_GRANT, `${WEB_SOPS_GRANT}: grants tenant web's identity a role on the platform's Key Vault kv-prod-ft4sdp; a tenant identity gets its own tenant's vault, or one object in it`),
      ],
    },
  ],
  "tenant-identities-isolated": [
    {
      title: "web's source identity pulls from api's registry",
      stack: "dev",
      change: (rs) => {
        const apiRegistry = props(rs, REGISTRY, "platform-api-acr");
        const group = "/subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-dev";
        props(rs, ASSIGNMENT, "platform-web-azure-deployer-acrpull-tenant-registry").scope = `${group}/providers/Microsoft.ContainerRegistry/registries/${apiRegistry.registryName}`;
      },
      expected: [
        expect(
          ISOLATED,
          "mandatory",
          ASSIGNMENT,
          "platform-web-azure-deployer-acrpull-tenant-registry",
          "platform-web-azure-deployer-acrpull-tenant-registry: grants tenant web's identity a role in tenant api's container registry acrapidevlz5s9f",
        ),
      ],
    },
    {
      title: "web's application identity federated with an account of api's namespace: api's pods read web's vault",
      stack: "dev",
      change: (rs) => (props(rs, CREDENTIAL, WEB_APP_CREDENTIAL).subject = "system:serviceaccount:api:frontend-azure"),
      expected: [expect(ISOLATED, "mandatory", ASSIGNMENT, WEB_APP_GRANT, `${WEB_APP_GRANT}: grants tenant api's identity a role in tenant web's Key Vault ${WEB_VAULT}`)],
    },
    {
      title: "web's application identity federated with source-controller instead: a controller reads web's vault",
      stack: "dev",
      change: (rs) => (props(rs, CREDENTIAL, WEB_APP_CREDENTIAL).subject = "system:serviceaccount:flux-system:source-controller"),
      expected: [
        expect(
          ISOLATED,
          "mandatory",
          ASSIGNMENT,
          WEB_APP_GRANT,
          `${WEB_APP_GRANT}: grants identity ${WEB_APP_IDENTITY_NAME}, which no account of tenant web's namespace alone acts as, a role in tenant web's Key Vault ${WEB_VAULT}`,
        ),
      ],
    },
    {
      title: "web's deployer identity also trusts an account of api's namespace",
      stack: "dev",
      change: (rs) => {
        const identity = one(rs, IDENTITY, "platform-web-azure-deployer");
        rs.push(
          added(CREDENTIAL, "platform-web-azure-deployer-api-flux-oci", {
            resourceName: (identity.props as Props).name,
            issuer: props(rs, CREDENTIAL, WEB_APP_CREDENTIAL).issuer,
            subject: "system:serviceaccount:api:flux-oci",
            audiences: ["api://AzureADTokenExchange"],
          }),
        );
      },
      expected: [
        expect(
          ISOLATED,
          "mandatory",
          IDENTITY,
          "platform-web-azure-deployer",
          `${WEB_DEPLOYER_IDENTITY_NAME}: tenant web's identity (namespace web) also trusts system:serviceaccount:api:flux-oci; federate a tenant identity with accounts of its own namespace only`,
        ),
      ],
    },
    {
      title: "web's application identity reads the platform's vault, or every vault of the resource group",
      stack: "dev",
      change: (rs) => {
        const platformVault = String(props(rs, ASSIGNMENT, "platform-web-sops-key-vault-crypto-user-sops-key").scope).replace(/\/keys\/[^/]+$/, "");
        props(rs, ASSIGNMENT, WEB_APP_GRANT).scope = platformVault;
        props(rs, ASSIGNMENT, "platform-web-azure-deployer-acrpull-tenant-registry").scope = platformVault.replace(/\/providers\/.*$/, "");
      },
      expected: [
        expect(ISOLATED, "mandatory", ASSIGNMENT, WEB_APP_GRANT, `${WEB_APP_GRANT}: grants tenant web's identity a role on the platform's Key Vault ${PLATFORM_VAULT}; a tenant identity gets its own tenant's vault, or one object in it`),
        expect(
          ISOLATED,
          "mandatory",
          ASSIGNMENT,
          "platform-web-azure-deployer-acrpull-tenant-registry",
          "platform-web-azure-deployer-acrpull-tenant-registry: grants tenant web's identity a role on /subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-dev, which covers every Key Vault in it (other tenants' and the platform's)",
        ),
      ],
    },
    {
      title: "api's decryption identity also holds web's SOPS key: one Key Vault object, two tenants",
      stack: "dev",
      change: (rs) => (props(rs, ASSIGNMENT, "platform-api-sops-key-vault-crypto-user-sops-key").scope = props(rs, ASSIGNMENT, WEB_SOPS_GRANT).scope),
      expected: [API_SOPS_GRANT, WEB_SOPS_GRANT].flatMap((grant) => [
        expect(SOPS_PER_TENANT, "mandatory", ASSIGNMENT, grant, `${grant}: key sops-web-45t89b is decryptable from namespaces api, web; each tenant needs a key of its own`),
        expect(ISOLATED, "mandatory", ASSIGNMENT, grant, `${grant}: ${WEB_DEV_SOPS_KEY} is held by the identities of tenants api and web; a Key Vault object belongs to one tenant`),
      ]),
    },
  ],
  "rbac-administration-constrained": [
    {
      title: "the CI deploy identity's condition before issue 13: roles only, so it could grant itself Key Vault Administrator",
      stack: "prod",
      change: (rs) => (props(rs, ASSIGNMENT, RBAC_ADMIN).condition = rolesOnlyCondition(["Key Vault Administrator", "Key Vault Secrets Officer", "Key Vault Crypto User"])),
      expected: ["create", "delete"].flatMap((verb) => [
        expect("rbac-administration-constrained", "mandatory", ASSIGNMENT, RBAC_ADMIN, `${RBAC_ADMIN}: the Role Based Access Control Administrator condition lets it ${verb} role assignments for principals of type User, Group; allow only ServicePrincipal`),
        expect("rbac-administration-constrained", "mandatory", ASSIGNMENT, RBAC_ADMIN, `${RBAC_ADMIN}: the Role Based Access Control Administrator condition lets it ${verb} role assignments for its own principal (${DEPLOY_PRINCIPAL.prod}); exclude it`),
      ]),
    },
    {
      title: "a condition that lets it hand out Owner, to anyone",
      stack: "dev",
      change: (rs) => {
        const grant = props(rs, ASSIGNMENT, RBAC_ADMIN);
        grant.condition = grant.condition.replaceAll("{12338af0-0e69-4776-bea7-57ae8d297424,", `{${OWNER_ROLE}, 12338af0-0e69-4776-bea7-57ae8d297424,`).replaceAll(/StringEqualsIgnoreCase \{'ServicePrincipal'\}/g, "StringEqualsIgnoreCase {'ServicePrincipal', 'User'}");
      },
      expected: ["create", "delete"].flatMap((verb) => [
        expect("rbac-administration-constrained", "mandatory", ASSIGNMENT, RBAC_ADMIN, `${RBAC_ADMIN}: the Role Based Access Control Administrator condition lets it ${verb} role assignments of Owner`),
        expect("rbac-administration-constrained", "mandatory", ASSIGNMENT, RBAC_ADMIN, `${RBAC_ADMIN}: the Role Based Access Control Administrator condition lets it ${verb} role assignments for principals of type User; allow only ServicePrincipal`),
      ]),
    },
    {
      title: "the tenants' write-only secrets role learns to read values: the group exception would hand a reading role to groups",
      stack: "dev",
      change: (rs) => props(rs, "azure-native:authorization:RoleDefinition", "platform-kv-secrets-writer").permissions[0].dataActions.push("Microsoft.KeyVault/vaults/secrets/getSecret/action"),
      expected: ["create", "delete"].map((verb) =>
        expect("rbac-administration-constrained", "mandatory", ASSIGNMENT, RBAC_ADMIN, `${RBAC_ADMIN}: the Role Based Access Control Administrator condition lets it ${verb} role assignments for principals of type Group; allow only ServicePrincipal`),
      ),
    },
    {
      title: "no condition at all",
      stack: "dev",
      change: (rs) => delete props(rs, ASSIGNMENT, RBAC_ADMIN).condition,
      expected: [
        expect("rbac-administration-constrained", "mandatory", ASSIGNMENT, RBAC_ADMIN, `${RBAC_ADMIN}: grants Role Based Access Control Administrator without a condition, so it may assign any role to anyone, itself included`),
      ],
    },
    {
      title: "a condition the evaluator cannot read is undecided, not passed",
      stack: "dev",
      change: (rs) => (props(rs, ASSIGNMENT, RBAC_ADMIN).condition = "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidLike {x}"),
      expected: [
        expect(
          "rbac-administration-constrained",
          "mandatory",
          ASSIGNMENT,
          RBAC_ADMIN,
          `${RBAC_ADMIN}: cannot decide, its condition does not parse (ABAC condition: unsupported operator GuidLike at offset 67: "ForAnyOfAnyValues:GuidLike {x}")`,
        ),
      ],
    },
    {
      title: "the platform's condition on one line with && still passes",
      stack: "prod",
      change: (rs) => {
        const grant = props(rs, ASSIGNMENT, RBAC_ADMIN);
        grant.condition = grant.condition.replace(/\s+/g, " ").replaceAll(" AND @", " && @");
        assert.match(grant.condition, /&&/);
      },
      expected: [],
    },
  ],
  "no-cluster-wide-tenant-access": [
    {
      title: "a ClusterRoleBinding for a tenant's service account and admin group",
      stack: "prod",
      change: (rs) =>
        rs.push(
          added(CLUSTER_ROLE_BINDING, "web-cluster-view", {
            metadata: { name: "web-cluster-view" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
            subjects: [
              { kind: "ServiceAccount", name: "flux-reconciler", namespace: "web" },
              { kind: "Group", name: "8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01" },
            ],
          }),
        ),
      expected: [
        expect(
          "no-cluster-wide-tenant-access",
          "mandatory",
          CLUSTER_ROLE_BINDING,
          "web-cluster-view",
          "web-cluster-view: ClusterRoleBinding for tenant subject(s) flux-reconciler, 8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01",
        ),
      ],
    },
    {
      title: "cluster-admin bound inside a tenant namespace",
      stack: "dev",
      change: (rs) => (props(rs, ROLE_BINDING, "platform-web-admins").roleRef.name = "cluster-admin"),
      expected: [expect("no-cluster-wide-tenant-access", "mandatory", ROLE_BINDING, "platform-web-admins", "platform-web-admins: binds cluster-admin in tenant namespace web")],
    },
    {
      title: "a ClusterRoleBinding for a platform service account is not a tenant's",
      stack: "prod",
      change: (rs) =>
        rs.push(
          added(CLUSTER_ROLE_BINDING, "flux-view", {
            metadata: { name: "flux-view" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
            subjects: [{ kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" }],
          }),
        ),
      expected: [],
    },
  ],
  "tenant-roles-cannot-escalate": [
    {
      title: "the tenant reconciler's Role grows RBAC, impersonation and token minting",
      stack: "prod",
      change: (rs) =>
        props(rs, ROLE, "platform-web-reconciler").rules.push(
          { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["create"] },
          { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] },
          { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
        ),
      expected: [
        expect(
          "tenant-roles-cannot-escalate",
          "mandatory",
          ROLE,
          "platform-web-reconciler",
          'platform-web-reconciler: bound to tenant subjects in web by platform-web-reconciler: API group "rbac.authorization.k8s.io" is not allowed: RBAC: the platform owns who may do what in a tenant namespace',
        ),
        expect(
          "tenant-roles-cannot-escalate",
          "mandatory",
          ROLE,
          "platform-web-reconciler",
          "platform-web-reconciler: bound to tenant subjects in web by platform-web-reconciler: verbs impersonate are not allowed (only get, list, watch, create, update, patch, delete, deletecollection: no escalate, bind, impersonate or *)",
        ),
        expect(
          "tenant-roles-cannot-escalate",
          "mandatory",
          ROLE,
          "platform-web-reconciler",
          'platform-web-reconciler: bound to tenant subjects in web by platform-web-reconciler: writing core resource "serviceaccounts/token" is not allowed: tokens for any service account of the namespace',
        ),
      ],
    },
    {
      title: "a Role of every API group bound to a tenant's admin group (the platform's token Roles for kustomize-controller stay unjudged)",
      stack: "prod",
      change: (rs) => {
        rs.push(
          added(ROLE, "web-everything", { metadata: { name: "everything", namespace: "web", labels: { "gitops-platform/guardrail": "true" } }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }] }),
          added(ROLE_BINDING, "web-everything", {
            metadata: { name: "everything", namespace: "web", labels: { "gitops-platform/guardrail": "true" } },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "everything" },
            subjects: [{ kind: "Group", name: "8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01" }],
          }),
        );
      },
      expected: [
        expect(
          "tenant-roles-cannot-escalate",
          "mandatory",
          ROLE,
          "web-everything",
          'web-everything: bound to tenant subjects in web by web-everything: API group "*" is not allowed: every API group, RBAC included',
        ),
      ],
    },
  ],
  "tenant-ingress-names-pods": [
    {
      title: "the platform admits all of flagger-system into a tenant namespace, not just its Prometheus",
      stack: "prod",
      change: (rs) => {
        const allow = rs.find(
          (r) => r.type === NETWORK_POLICY && (r.props.metadata as Props).name === "allow-ingress-from-flagger-prometheus" && (r.props.metadata as Props).namespace === "api",
        )!;
        delete (allow.props as Props).spec.ingress[0].from[0].podSelector;
      },
      expected: [
        expect(
          "tenant-ingress-names-pods",
          "mandatory",
          NETWORK_POLICY,
          "platform-api-allow-ingress-from-flagger-prometheus",
          "platform-api-allow-ingress-from-flagger-prometheus: admits every pod of flagger-system into tenant namespace api; name the pods (podSelector) that need in",
        ),
      ],
    },
  ],
  "custom-role-names-scoped": [
    {
      title: "a custom role named after its environment alone (the same environment in another subscription of the tenant takes the name)",
      stack: "prod",
      change: (rs) => {
        props(rs, "azure-native:authorization:RoleDefinition", "platform-sops-encrypt-only").roleName = "gitops-platform SOPS encrypt-only (prod)";
      },
      expected: [
        expect(
          "custom-role-names-scoped",
          "mandatory",
          "azure-native:authorization:RoleDefinition",
          "platform-sops-encrypt-only",
          'role definition "gitops-platform SOPS encrypt-only (prod)" must end with its scope\'s tag ", aee2dc53)" (customRoleName): custom role names are unique in the whole Entra tenant',
        ),
      ],
    },
  ],
  "tenant-objects-guarded": [
    {
      title: "the platform's reconciler RoleBinding in a tenant namespace without the guardrail label (the tenant's admins could rewrite it)",
      stack: "prod",
      change: (rs) => {
        delete props(rs, ROLE_BINDING, "platform-web-reconciler").metadata.labels["gitops-platform/guardrail"];
      },
      expected: [
        expect(
          "tenant-objects-guarded",
          "mandatory",
          ROLE_BINDING,
          "platform-web-reconciler",
          'platform-web-reconciler: in tenant namespace web without label gitops-platform/guardrail: "true"; the tenant could change or delete it',
        ),
      ],
    },
  ],
  "tenant-reconcilers-impersonate": [
    {
      title: "a tenant Kustomization that runs as the controller and deploys elsewhere",
      stack: "prod",
      change: (rs) => {
        const spec = props(rs, KUSTOMIZATION, "platform-web-git-sync").spec;
        delete spec.serviceAccountName;
        spec.targetNamespace = "api";
      },
      expected: [
        expect("tenant-reconcilers-impersonate", "mandatory", KUSTOMIZATION, "platform-web-git-sync", "platform-web-git-sync: spec.serviceAccountName is not set"),
        expect("tenant-reconcilers-impersonate", "mandatory", KUSTOMIZATION, "platform-web-git-sync", "platform-web-git-sync: spec.targetNamespace must be web"),
      ],
    },
  ],
  "no-cross-namespace-source-refs": [
    {
      title: "a Kustomization reading a source from flux-system",
      stack: "dev",
      change: (rs) => (props(rs, KUSTOMIZATION, "platform-api-git-sync").spec.sourceRef.namespace = "flux-system"),
      expected: [expect("no-cross-namespace-source-refs", "mandatory", KUSTOMIZATION, "platform-api-git-sync", "platform-api-git-sync: sourceRef points into namespace flux-system")],
    },
    {
      title: "naming its own namespace explicitly is fine",
      stack: "dev",
      change: (rs) => (props(rs, KUSTOMIZATION, "platform-api-git-sync").spec.sourceRef.namespace = "api"),
      expected: [],
    },
  ],
  "deploy-keys-read-only": [
    {
      title: "a deploy key that can push",
      stack: "prod",
      change: (rs) => (props(rs, DEPLOY_KEY, "platform-payments-git-deploy-key").readOnly = false),
      expected: [
        expect(
          "deploy-keys-read-only",
          "mandatory",
          DEPLOY_KEY,
          "platform-payments-git-deploy-key",
          "platform-payments-git-deploy-key: readOnly must be true: tenant namespace payments-prod has no Role granting image.toolkit.fluxcd.io imageupdateautomations (tenants[].imageAutomation)",
        ),
      ],
    },
    {
      title: "web's write key (image automation) stays accepted with its Role's grant",
      stack: "prod",
      change: () => undefined,
      expected: [],
    },
    {
      title: "web's write key once web's Role no longer grants image automation",
      stack: "prod",
      change: (rs) => {
        const role = props(rs, "kubernetes:rbac.authorization.k8s.io/v1:Role", "platform-web-reconciler");
        role.rules = role.rules.filter((rule: { apiGroups: string[] }) => !rule.apiGroups.includes("image.toolkit.fluxcd.io"));
      },
      expected: [
        expect(
          "deploy-keys-read-only",
          "mandatory",
          DEPLOY_KEY,
          "platform-web-git-write-deploy-key",
          "platform-web-git-write-deploy-key: readOnly must be true: tenant namespace web has no Role granting image.toolkit.fluxcd.io imageupdateautomations (tenants[].imageAutomation)",
        ),
      ],
    },
    {
      title: "web's write key registered on another repository than web's GitRepository fetches",
      stack: "prod",
      change: (rs) => (props(rs, DEPLOY_KEY, "platform-web-git-write-deploy-key").repository = "payments-config"),
      expected: [
        expect(
          "deploy-keys-read-only",
          "mandatory",
          DEPLOY_KEY,
          "platform-web-git-write-deploy-key",
          "platform-web-git-write-deploy-key: readOnly must be true: no GitRepository of a tenant fetches acme-platform/payments-config with the Secret that holds its private key",
        ),
      ],
    },
    {
      title: "a write key whose public key does not come from a private key of the stack",
      stack: "prod",
      change: (rs) => {
        const key = one(rs, DEPLOY_KEY, "platform-web-git-write-deploy-key");
        key.links = { ...key.links!, propertyDependencies: { ...key.links!.propertyDependencies, key: [] } };
      },
      expected: [
        expect(
          "deploy-keys-read-only",
          "mandatory",
          DEPLOY_KEY,
          "platform-web-git-write-deploy-key",
          "platform-web-git-write-deploy-key: readOnly must be true: its public key comes from no private key of the stack, so it is no tenant's image automation key",
        ),
      ],
    },
  ],
  "flagger-no-cross-namespace-refs": [
    {
      title: "Flagger installed without -no-cross-namespace-refs",
      stack: "prod",
      change: (rs) => delete props(rs, RELEASE, "platform-flagger").values.noCrossNamespaceRefs,
      expected: [
        expect(
          "flagger-no-cross-namespace-refs",
          "mandatory",
          RELEASE,
          "platform-flagger",
          "platform-flagger: Flagger runs without -no-cross-namespace-refs (values.noCrossNamespaceRefs: true), so tenants' Canaries may use other namespaces' MetricTemplates and AlertProviders",
        ),
      ],
    },
    {
      title: "the string \"false\", which the chart renders as -no-cross-namespace-refs=false",
      stack: "prod",
      change: (rs) => (props(rs, RELEASE, "platform-flagger").values.noCrossNamespaceRefs = "false"),
      expected: [
        expect(
          "flagger-no-cross-namespace-refs",
          "mandatory",
          RELEASE,
          "platform-flagger",
          "platform-flagger: Flagger runs without -no-cross-namespace-refs (values.noCrossNamespaceRefs: true), so tenants' Canaries may use other namespaces' MetricTemplates and AlertProviders",
        ),
      ],
    },
  ],
  "tenant-ingress-admission": [
    {
      title: "api's Ingress binding only warns: api's namespace is unguarded, and its allowance for the controller with it",
      stack: "prod",
      change: (rs) => {
        props(rs, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding", "platform-api-ingress").spec.validationActions = ["Warn"];
      },
      expected: [
        expect("tenant-ingress-admission", "mandatory", "kubernetes:core/v1:Namespace", "platform-api", "tenant namespace api has no Deny binding of an Ingress admission policy: its Ingresses could take any host at the shared controller"),
        expect(
          "tenant-ingress-admission",
          "mandatory",
          "kubernetes:networking.k8s.io/v1:NetworkPolicy",
          "platform-api-allow-ingress-from-app-routing-nginx",
          "platform-api-allow-ingress-from-app-routing-nginx: admits app-routing-system into api, which has no Ingress admission binding",
        ),
      ],
    },
  ],
  "app-routing-grants-scoped": [
    {
      title: "the add-on's grant for web-tls widened to the whole platform vault",
      stack: "prod",
      change: (rs) => {
        const grant = props(rs, "azure-native:authorization:RoleAssignment", "platform-app-routing-cert-web-tls");
        grant.scope = String(grant.scope).replace(/\/secrets\/web-tls$/, "");
      },
      expected: [
        expect(
          "app-routing-grants-scoped",
          "mandatory",
          "azure-native:authorization:RoleAssignment",
          "platform-app-routing-cert-web-tls",
          `platform-app-routing-cert-web-tls: the application routing add-on gets a Key Vault role on /subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-prod/providers/Microsoft.KeyVault/vaults/kv-prod-ft4sdp; grant it on each certificate's secret (<vault>/secrets/<name>) only`,
        ),
      ],
    },
  ],
  "flagger-loadtester-own-namespace": [
    {
      title: "web's load tester without -namespace-regexp, and with an unanchored one",
      stack: "prod",
      change: (rs) => {
        const [container] = props(rs, "kubernetes:apps/v1:Deployment", "platform-web-loadtester").spec.template.spec.containers;
        assert.ok(container.command.includes("-namespace-regexp=^web$"));
        container.command = container.command.map((arg: string) => (arg.startsWith("-namespace-regexp=") ? "-namespace-regexp=web" : arg));
      },
      expected: [
        expect(
          "flagger-loadtester-own-namespace",
          "mandatory",
          "kubernetes:apps/v1:Deployment",
          "platform-web-loadtester",
          "platform-web-loadtester: the load tester ghcr.io/fluxcd/flagger-loadtester:0.38.0 does not run with -namespace-regexp=^web$, so other namespaces' Canaries can make it run commands in web",
        ),
      ],
    },
  ],
  "secrets-are-secret": [
    {
      title: "a Secret whose values are plain in state",
      stack: "prod",
      change: (rs) => {
        // Registered without the Kubernetes SDK's marking (its additionalSecretOutputs), as a plain value only can be.
        one(rs, SECRET, "platform-web-git-git-secret").secretPaths = ["stringData.identity"];
        one(rs, SECRET, "platform-web-git-git-secret").secretOutputs = [];
      },
      expected: [
        expect("secrets-are-secret", "mandatory", SECRET, "platform-web-git-git-secret", "platform-web-git-git-secret: stringData.known_hosts not marked secret (wrap with pulumi.secret)"),
      ],
    },
    {
      title: "CrossGuard: secret inputs unknown, but additionalSecretOutputs (the SDK's) cover data and stringData",
      stack: "prod",
      change: (rs) => {
        const secret = one(rs, SECRET, "platform-web-git-git-secret");
        secret.secretPaths = undefined;
        assert.deepEqual(secret.secretOutputs, ["data", "stringData"]);
      },
      expected: [],
    },
    {
      title: "CrossGuard: secret inputs unknown and no additionalSecretOutputs: it cannot decide, and says so",
      stack: "prod",
      change: (rs) => {
        one(rs, SECRET, "platform-web-git-git-secret").secretPaths = undefined;
        one(rs, SECRET, "platform-web-git-git-secret").secretOutputs = [];
      },
      expected: [
        expect(
          "secrets-are-secret",
          "mandatory",
          SECRET,
          "platform-web-git-git-secret",
          "platform-web-git-git-secret: cannot decide whether stringData.identity, stringData.known_hosts are secret (no secret inputs known, not in additionalSecretOutputs)",
        ),
      ],
    },
  ],
  "tenant-secrets-not-shared": [
    {
      title: "the platform's webhook copied into a tenant namespace (issue 13 item 3)",
      stack: "prod",
      change: (rs) => {
        const address = props(rs, SECRET, "platform-flux-notifications-platform-alerts-webhook").stringData.address;
        assert.equal(typeof address, "string");
        rs.push({
          ...added(SECRET, "platform-web-alerts-platform-alerts-webhook", { metadata: { name: "platform-alerts-webhook", namespace: "web", labels: { "gitops-platform/guardrail": "true" } }, stringData: { address } }),
          secretPaths: ["stringData"],
        });
      },
      expected: [
        expect(
          "tenant-secrets-not-shared",
          "mandatory",
          SECRET,
          "platform-web-alerts-platform-alerts-webhook",
          "platform-web-alerts-platform-alerts-webhook: address in tenant namespace web holds the same value as flux-system/platform-flux-notifications-platform-alerts-webhook (address); a tenant can read every Secret of its namespace, so it must get a credential of its own",
        ),
      ],
    },
    {
      title: "another tenant's deploy key, base64 in data, in a tenant namespace",
      stack: "prod",
      change: (rs) => {
        const identity = props(rs, SECRET, "platform-web-git-git-secret").stringData.identity as string;
        rs.push({
          ...added(SECRET, "api-borrowed-key", { metadata: { name: "borrowed", namespace: "api", labels: { "gitops-platform/guardrail": "true" } }, data: { identity: Buffer.from(identity).toString("base64") } }),
          secretPaths: ["data"],
        });
      },
      expected: [
        expect(
          "tenant-secrets-not-shared",
          "mandatory",
          SECRET,
          "api-borrowed-key",
          "api-borrowed-key: identity in tenant namespace api holds the same value as web/platform-web-git-git-secret (identity); a tenant can read every Secret of its namespace, so it must get a credential of its own",
        ),
        expect(
          "tenant-secrets-not-shared",
          "mandatory",
          SECRET,
          "platform-web-git-git-secret",
          "platform-web-git-git-secret: identity in tenant namespace web holds the same value as api/api-borrowed-key (identity); a tenant can read every Secret of its namespace, so it must get a credential of its own",
        ),
      ],
    },
    {
      title: "every tenant's Git Secret carries github.com's known_hosts: public, shared, no finding",
      stack: "prod",
      change: (rs) => {
        const hosts = ["web", "api", "payments"].map((t) => props(rs, SECRET, `platform-${t}-git-git-secret`).stringData.known_hosts);
        assert.equal(new Set(hosts).size, 1, "the same known_hosts in every tenant");
      },
      expected: [],
    },
  ],
  "vault-tenant-access-scoped": [
    {
      title: "dev as it is: web's frontend role names its account and reads secret/web/frontend/* only",
      stack: "dev",
      change: (rs) => assert.match(props(rs, CONFIG_MAP, "platform-vault-bootstrap").data["bootstrap.sh"], /auth\/kubernetes\/role\/web\.frontend/),
      expected: [],
    },
    {
      title: "an application role binding every account, a policy reaching another tenant, a writable path",
      stack: "dev",
      change: (rs) => {
        const data = props(rs, CONFIG_MAP, "platform-vault-bootstrap").data;
        data["bootstrap.sh"] = data["bootstrap.sh"]
          .replace('"bound_service_account_names":["frontend"]', '"bound_service_account_names":["*"]')
          .replace('path "secret/data/web/frontend/*" {\n  capabilities = ["read"]', 'path "secret/data/*" {\n  capabilities = ["read", "update"]');
      },
      expected: [
        expect(
          "vault-tenant-access-scoped",
          "mandatory",
          CONFIG_MAP,
          "platform-vault-bootstrap",
          'platform-vault-bootstrap: role web.frontend an application role binds ["*"]; it must name its service accounts (only the namespace-wide role web binds "*")',
        ),
        expect("vault-tenant-access-scoped", "mandatory", CONFIG_MAP, "platform-vault-bootstrap", 'platform-vault-bootstrap: policy tenant-web.frontend: path "secret/data/*" is outside secret/web/'),
        expect(
          "vault-tenant-access-scoped",
          "mandatory",
          CONFIG_MAP,
          "platform-vault-bootstrap",
          'platform-vault-bootstrap: policy tenant-web.frontend: path "secret/data/*" grants update; tenant policies are read-only',
        ),
      ],
    },
    {
      title: "a role bound to every namespace, with another tenant's policy",
      stack: "dev",
      change: (rs) => {
        const data = props(rs, CONFIG_MAP, "platform-vault-bootstrap").data;
        data["bootstrap.sh"] = data["bootstrap.sh"].replace('"bound_service_account_namespaces":["web"],"token_policies":["tenant-web.frontend"]', '"bound_service_account_namespaces":["*"],"token_policies":["tenant-api"]');
      },
      expected: [
        expect("vault-tenant-access-scoped", "mandatory", CONFIG_MAP, "platform-vault-bootstrap", 'platform-vault-bootstrap: role web.frontend binds namespaces ["*"]; a tenant role binds exactly its tenant\'s namespace'),
        expect("vault-tenant-access-scoped", "mandatory", CONFIG_MAP, "platform-vault-bootstrap", 'platform-vault-bootstrap: role web.frontend grants policies ["tenant-api"]; it must grant its own, tenant-web.frontend'),
      ],
    },
    {
      title: "a role that takes a token minted for any audience",
      stack: "dev",
      change: (rs) => {
        const data = props(rs, CONFIG_MAP, "platform-vault-bootstrap").data;
        assert.match(data["bootstrap.sh"], /"audience":"vault"/);
        data["bootstrap.sh"] = data["bootstrap.sh"].replace('"audience":"vault"', '"audience":""');
      },
      expected: [
        expect(
          "vault-tenant-access-scoped",
          "mandatory",
          CONFIG_MAP,
          "platform-vault-bootstrap",
          "platform-vault-bootstrap: role web.frontend requires no token audience; every tenant role requires one (VAULT_AUDIENCE), so a token minted for another party does not log in",
        ),
      ],
    },
  ],
  "vault-oidc-scoped": [
    {
      title: "prod as it is: the platform team's group gets the admin policy, each tenant's admins write their own subtree",
      stack: "prod",
      change: (rs) => assert.match(props(rs, CONFIG_MAP, "platform-vault-bootstrap").data["bootstrap.sh"], /^oidc_group 'entra-8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01' '8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01' '\["oidc-tenant-web"\]'$/m),
      expected: [],
    },
    {
      title: "web's admin group mapped to the admin policy too, web's write policy widened to the whole mount, a policy on the login role",
      stack: "prod",
      change: (rs) => {
        const data = props(rs, CONFIG_MAP, "platform-vault-bootstrap").data;
        data["bootstrap.sh"] = data["bootstrap.sh"]
          .replace(`'["oidc-tenant-web"]'`, `'["oidc-platform-admin","oidc-tenant-web"]'`)
          .replace('path "secret/data/web/*"', 'path "secret/data/*"')
          .replace('"token_policies":[]', '"token_policies":["oidc-tenant-api"]');
      },
      expected: [
        expect("vault-oidc-scoped", "mandatory", CONFIG_MAP, "platform-vault-bootstrap", 'platform-vault-bootstrap: policy oidc-tenant-web: path "secret/data/*" is outside secret/web/'),
        expect(
          "vault-oidc-scoped",
          "mandatory",
          CONFIG_MAP,
          "platform-vault-bootstrap",
          "platform-vault-bootstrap: group entra-8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01 carries oidc-platform-admin beside tenant policies: a tenant's admin group would administer all of Vault",
        ),
        expect("vault-oidc-scoped", "mandatory", CONFIG_MAP, "platform-vault-bootstrap", 'platform-vault-bootstrap: role default grants ["oidc-tenant-api"] to everyone who logs in; groups grant, the role does not'),
      ],
    },
  ],
  "vault-tls-listener": [
    {
      title: "TLS switched off on the listener and in the chart",
      stack: "prod",
      change: (rs) => {
        hcl(rs).config = hcl(rs).config.replace(/tls_disable\s*=\s*0/, "tls_disable = 1");
        props(rs, RELEASE, "platform-vault").values.global.tlsDisable = true;
      },
      expected: [
        expect("vault-tls-listener", "mandatory", RELEASE, "platform-vault", "platform-vault: a listener sets tls_disable"),
        expect("vault-tls-listener", "mandatory", RELEASE, "platform-vault", "platform-vault: values.global.tlsDisable must be false"),
      ],
    },
    {
      title: "a listener without a certificate",
      stack: "dev",
      change: (rs) => (hcl(rs).config = hcl(rs).config.replace(/^\s*tls_cert_file.*$/m, "")),
      expected: [expect("vault-tls-listener", "mandatory", RELEASE, "platform-vault", "platform-vault: a listener has no tls_cert_file/tls_key_file")],
    },
    {
      title: "standalone mode with a plain-text listener, the raft config left behind",
      stack: "dev",
      change: (rs) => {
        const server = props(rs, RELEASE, "platform-vault").values.server;
        server.ha.enabled = false;
        server.standalone = { enabled: true, config: 'listener "tcp" {\n  address = "[::]:8200"\n  tls_disable = 1\n}\nstorage "file" {\n  path = "/vault/data"\n}\n' };
      },
      expected: [
        expect("vault-tls-listener", "mandatory", RELEASE, "platform-vault", "platform-vault: a listener sets tls_disable"),
        expect("vault-tls-listener", "mandatory", RELEASE, "platform-vault", "platform-vault: a listener has no tls_cert_file/tls_key_file"),
        expect("vault-seal", "mandatory", RELEASE, "platform-vault", 'platform-vault: the server config has no seal "azurekeyvault" stanza'),
      ],
    },
    {
      title: "dev mode: in memory, unsealed, plain HTTP",
      stack: "prod",
      change: (rs) => (props(rs, RELEASE, "platform-vault").values.server.dev = { enabled: true }),
      expected: [
        expect("vault-tls-listener", "mandatory", RELEASE, "platform-vault", "platform-vault: values.server.dev.enabled runs Vault in dev mode (in memory, unsealed, no TLS)"),
        expect("vault-tls-listener", "mandatory", RELEASE, "platform-vault", 'platform-vault: the server config has no listener "tcp"'),
        expect("vault-seal", "mandatory", RELEASE, "platform-vault", 'platform-vault: the server config has no seal "azurekeyvault" stanza'),
      ],
    },
  ],
  "vault-seal": [
    {
      title: "Shamir seal (no seal stanza)",
      stack: "prod",
      change: (rs) => (hcl(rs).config = hcl(rs).config.replace(/seal "azurekeyvault"/, 'seal "transit"')),
      expected: [expect("vault-seal", "mandatory", RELEASE, "platform-vault", 'platform-vault: the server config has no seal "azurekeyvault" stanza')],
    },
    {
      title: "a seal stanza without its key",
      stack: "dev",
      change: (rs) => (hcl(rs).config = hcl(rs).config.replace(/^\s*key_name.*$/m, "")),
      expected: [expect("vault-seal", "mandatory", RELEASE, "platform-vault", "platform-vault: the seal stanza has no key_name")],
    },
  ],
  "vault-image-version": [
    {
      title: "the release that broke workload identity",
      stack: "prod",
      change: (rs) => (props(rs, RELEASE, "platform-vault").values.server.image.tag = "1.18.5"),
      expected: [
        expect(
          "vault-image-version",
          "mandatory",
          RELEASE,
          "platform-vault",
          "platform-vault: 1.18.5 broke workload identity for the Azure Key Vault seal (hashicorp/vault#29717); pick another version",
        ),
      ],
    },
    {
      title: "a floating tag",
      stack: "dev",
      change: (rs) => (props(rs, RELEASE, "platform-vault").values.server.image.tag = "latest"),
      expected: [expect("vault-image-version", "mandatory", RELEASE, "platform-vault", 'platform-vault: values.server.image.tag must be a pinned version, got "latest"')],
    },
  ],
  "vault-seal-key-protected": [
    {
      title: "an unprotected seal key in prod",
      stack: "prod",
      change: (rs) => (one(rs, KEY, "platform-vault-seal-key").protect = false),
      expected: [
        expect("vault-seal-key-protected", "mandatory", KEY, "platform-vault-seal-key", "platform-vault-seal-key: the Vault seal key must be protected"),
        expect("stateful-resources-protected", "mandatory", KEY, "platform-vault-seal-key", "platform-vault-seal-key (azure-native:keyvault:Key) must be protected in production"),
      ],
    },
  ],
  "stateful-resources-protected": [
    {
      title: "the cluster, the Key Vault and Vault's release unprotected in prod",
      stack: "prod",
      change: (rs) => {
        one(rs, CLUSTER, "platform-aks").protect = false;
        one(rs, KEY_VAULT, "platform-kv").protect = false;
        one(rs, RELEASE, "platform-vault").protect = false;
      },
      expected: [
        expect("stateful-resources-protected", "mandatory", KEY_VAULT, "platform-kv", "platform-kv (azure-native:keyvault:Vault) must be protected in production"),
        expect("stateful-resources-protected", "mandatory", CLUSTER, "platform-aks", "platform-aks (azure-native:containerservice:ManagedCluster) must be protected in production"),
        expect("stateful-resources-protected", "mandatory", RELEASE, "platform-vault", "platform-vault (kubernetes:helm.sh/v3:Release) must be protected in production"),
      ],
    },
    {
      title: "the audit log's workspace unprotected in prod",
      stack: "prod",
      change: (rs) => (one(rs, "azure-native:operationalinsights:Workspace", "platform-monitoring-logs").protect = false),
      expected: [
        expect(
          "stateful-resources-protected",
          "mandatory",
          "azure-native:operationalinsights:Workspace",
          "platform-monitoring-logs",
          "platform-monitoring-logs (azure-native:operationalinsights:Workspace) must be protected in production",
        ),
      ],
    },
    {
      title: "a Vault release installed as hashicorp/vault counts as Vault's storage too",
      stack: "prod",
      change: (rs) => {
        const release = one(rs, RELEASE, "platform-vault");
        (release.props as Record<string, unknown>).chart = "hashicorp/vault";
        release.protect = false;
      },
      expected: [
        expect("stateful-resources-protected", "mandatory", RELEASE, "platform-vault", "platform-vault (kubernetes:helm.sh/v3:Release) must be protected in production"),
      ],
    },
    {
      title: "the Flux release unprotected in prod: uninstalling it stops every tenant (issue 24 item 9)",
      stack: "prod",
      change: (rs) => (one(rs, RELEASE, "platform-flux").protect = false),
      expected: [
        expect("stateful-resources-protected", "mandatory", RELEASE, "platform-flux", "platform-flux (kubernetes:helm.sh/v3:Release) must be protected in production"),
      ],
    },
    {
      title: "nothing needs protection in dev",
      stack: "dev",
      change: (rs) => assert.ok(rs.some((r) => r.type === CLUSTER && !r.protect)),
      expected: [],
    },
    {
      title: "a tenant's container registry unprotected in prod",
      stack: "prod",
      change: (rs) => (one(rs, REGISTRY, "platform-web-acr").protect = false),
      expected: [
        expect("stateful-resources-protected", "mandatory", REGISTRY, "platform-web-acr", "platform-web-acr (azure-native:containerregistry:Registry) must be protected in production"),
      ],
    },
  ],
  "kubernetes-secrets-patched-in-place": [
    {
      title: "the cluster's provider without enableSecretMutable: a renewed certificate deletes Vault's TLS Secret first (issue 24 item 10)",
      stack: "prod",
      change: (rs) => delete props(rs, "pulumi:providers:kubernetes", "platform-aks-k8s").enableSecretMutable,
      expected: [
        expect(
          "kubernetes-secrets-patched-in-place",
          "mandatory",
          "pulumi:providers:kubernetes",
          "platform-aks-k8s",
          "platform-aks-k8s: enableSecretMutable is not set, so every change of a Secret's data replaces it (delete, then create: the Secret is missing in between); set enableSecretMutable: true",
        ),
      ],
    },
  ],
  "flux-crds-kept-on-uninstall": [
    {
      title: "the flux2 release without the keep annotation on its CRDs (issue 24 item 9)",
      stack: "dev",
      change: (rs) => delete (props(rs, RELEASE, "platform-flux").values as Record<string, unknown>).crds,
      expected: [
        expect(
          "flux-crds-kept-on-uninstall",
          "mandatory",
          RELEASE,
          "platform-flux",
          "platform-flux: the flux2 chart's CRDs lack helm.sh/resource-policy: keep (values crds.annotations); uninstalling the release would delete every tenant's Kustomizations and sources",
        ),
      ],
    },
  ],
  "container-registry-entra-only": [
    {
      title: "the admin user switched on",
      stack: "dev",
      change: (rs) => (props(rs, REGISTRY, "platform-web-acr").adminUserEnabled = true),
      expected: [
        expect("container-registry-entra-only", "mandatory", REGISTRY, "platform-web-acr", "platform-web-acr: adminUserEnabled must be false (a shared password past Entra and every role)"),
      ],
    },
    {
      title: "anonymous pull switched on",
      stack: "prod",
      change: (rs) => (props(rs, REGISTRY, "platform-api-acr").anonymousPullEnabled = true),
      expected: [
        expect("container-registry-entra-only", "mandatory", REGISTRY, "platform-api-acr", "platform-api-acr: anonymousPullEnabled must be false (anyone could pull every image)"),
      ],
    },
    {
      title: "both left unset: ARM's default is off",
      stack: "dev",
      change: (rs) => {
        delete props(rs, REGISTRY, "platform-web-acr").adminUserEnabled;
        delete props(rs, REGISTRY, "platform-web-acr").anonymousPullEnabled;
      },
      expected: [],
    },
  ],
  "container-registry-push-scoped": [
    {
      title: "push granted to a group",
      stack: "dev",
      change: (rs) => (props(rs, ASSIGNMENT, WEB_PUSH).principalType = "Group"),
      expected: [
        expect(
          "container-registry-push-scoped",
          "mandatory",
          ASSIGNMENT,
          WEB_PUSH,
          `${WEB_PUSH}: AcrPush to a principal of type Group; push only from CI identities (ServicePrincipal), never a group or a person`,
        ),
      ],
    },
    {
      title: "the push identity also trusts pull requests",
      stack: "dev",
      change: (rs) => {
        const credential = rs.find((r) => r.type === CREDENTIAL && r.name.startsWith("platform-web-acr-push-github-"))!;
        (credential.props as Props).subject = "repo:acme-platform/web-frontend:pull_request";
      },
      expected: [
        expect(
          "container-registry-push-scoped",
          "mandatory",
          ASSIGNMENT,
          WEB_PUSH,
          `${WEB_PUSH}: AcrPush to an identity every pull request can use (repo:acme-platform/web-frontend:pull_request); push from a branch or an approval environment`,
        ),
      ],
    },
    {
      title: "tenant web's CI given push on tenant api's registry",
      stack: "prod",
      change: (rs) => {
        const grant = props(rs, ASSIGNMENT, WEB_PUSH);
        grant.scope = grant.scope.replace(/[^/]+$/, props(rs, REGISTRY, "platform-api-acr").registryName);
      },
      expected: [
        expect(
          "container-registry-push-scoped",
          "mandatory",
          ASSIGNMENT,
          WEB_PUSH,
          `${WEB_PUSH}: AcrPush on tenant api's registry ${API_REGISTRY_PROD} to an identity of tenant web: a tenant's CI pushes to its own registry only`,
        ),
      ],
    },
    {
      title: "push on the whole resource group (every registry in it)",
      stack: "prod",
      change: (rs) => {
        const grant = props(rs, ASSIGNMENT, WEB_PUSH);
        grant.scope = grant.scope.replace(/\/providers\/Microsoft\.ContainerRegistry\/.*$/, "");
        const links = one(rs, ASSIGNMENT, WEB_PUSH).links;
        if (links?.propertyDependencies) one(rs, ASSIGNMENT, WEB_PUSH).links = { ...links, propertyDependencies: { ...links.propertyDependencies, scope: [] } };
      },
      expected: [
        expect(
          "container-registry-push-scoped",
          "mandatory",
          ASSIGNMENT,
          WEB_PUSH,
          `${WEB_PUSH}: AcrPush on /subscriptions/3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b/resourceGroups/rg-gitops-prod: push on one registry, not on everything under a resource group or subscription`,
        ),
      ],
    },
    {
      title: "push granted to a service principal the stack does not define",
      stack: "dev",
      change: (rs) => {
        const grant = one(rs, ASSIGNMENT, WEB_PUSH);
        (grant.props as Props).principalId = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f";
        if (grant.links?.propertyDependencies) grant.links = { ...grant.links, propertyDependencies: { ...grant.links.propertyDependencies, principalId: [] } };
      },
      expected: [
        expect(
          "container-registry-push-scoped",
          "mandatory",
          ASSIGNMENT,
          WEB_PUSH,
          `${WEB_PUSH}: AcrPush container-registry-push-scoped: cannot decide, its principal is no managed identity of the stack`,
        ),
      ],
    },
    {
      title: "the kubelet's AcrPull on every tenant registry is no push",
      stack: "prod",
      change: (rs) => assert.ok(rs.some((r) => r.type === ASSIGNMENT && r.name === "platform-api-acr-acrpull-kubelet")),
      expected: [],
    },
  ],
  "sealed-secrets-controller-locked-down": [
    {
      title: "the platform's controller: renewal off, no proxy binding, its key protected",
      stack: "prod",
      change: (rs) => rs.push(...sealedSecretsFixture(sealedSecretsHelmValues({ keysChecksum: "x" }), true)),
      expected: [],
    },
    {
      title: "the chart's defaults: the controller renews its own key, every signed-in user may proxy to it",
      stack: "dev",
      change: (rs) => rs.push(...sealedSecretsFixture({}, false)),
      expected: [
        expect(
          "sealed-secrets-controller-locked-down",
          "mandatory",
          RELEASE,
          "sealed-secrets",
          'sealed-secrets: values.keyrenewperiod is unset (the controller renews its key every 30 days): a key the controller makes is in no backup; set "0" and rotate with new key generations',
        ),
        expect(
          "sealed-secrets-controller-locked-down",
          "mandatory",
          RELEASE,
          "sealed-secrets",
          "sealed-secrets: values.rbac.serviceProxier binds services/proxy on the controller to system:authenticated (every signed-in user and service account); set create: false (the certificate is a stack output, kubeseal --cert)",
        ),
      ],
    },
    {
      title: "renewal every 720h, and arguments that replace the chart's",
      stack: "dev",
      change: (rs) => rs.push(...sealedSecretsFixture({ ...sealedSecretsHelmValues({ keysChecksum: "x" }), keyrenewperiod: "720h", args: ["--update-status"] }, false)),
      expected: [
        expect("sealed-secrets-controller-locked-down", "mandatory", RELEASE, "sealed-secrets", 'sealed-secrets: values.keyrenewperiod is "720h": a key the controller makes is in no backup; set "0" and rotate with new key generations'),
        expect("sealed-secrets-controller-locked-down", "mandatory", RELEASE, "sealed-secrets", "sealed-secrets: values.args replaces the chart's controller arguments, key renewal off among them"),
      ],
    },
    {
      title: "an unprotected sealing key in prod",
      stack: "prod",
      change: (rs) => rs.push(...sealedSecretsFixture(sealedSecretsHelmValues({ keysChecksum: "x" }), false)),
      expected: [
        expect(
          "sealed-secrets-controller-locked-down",
          "mandatory",
          SECRET,
          "sealing-key",
          "sealing-key: a sealing key (sealed-secrets-controller's) must be protected in production: what it sealed decrypts with nothing else in the cluster",
        ),
      ],
    },
  ],
  [AUDIT_LOGS]: [
    {
      title: "the Key Vault's diagnostic setting dropped in prod",
      stack: "prod",
      change: (rs) => rs.splice(rs.indexOf(one(rs, DIAGNOSTIC_SETTING, "platform-kv-diagnostics")), 1),
      expected: [expect(AUDIT_LOGS, "mandatory", KEY_VAULT, "platform-kv", NO_VAULT_AUDIT)],
    },
    {
      title: "the cluster sends its autoscaler log and a disabled audit category, and the vault's setting has no destination",
      stack: "prod",
      change: (rs) => {
        props(rs, DIAGNOSTIC_SETTING, "platform-aks-diagnostics").logs = [
          { category: "cluster-autoscaler", enabled: true },
          { category: "kube-audit-admin", enabled: false },
        ];
        delete props(rs, DIAGNOSTIC_SETTING, "platform-kv-diagnostics").workspaceId;
      },
      expected: [expect(AUDIT_LOGS, "mandatory", CLUSTER, "platform-aks", NO_CLUSTER_AUDIT), expect(AUDIT_LOGS, "mandatory", KEY_VAULT, "platform-kv", NO_VAULT_AUDIT)],
    },
    {
      title: "the audit category group counts (allLogs or audit)",
      stack: "prod",
      change: (rs) => {
        props(rs, DIAGNOSTIC_SETTING, "platform-aks-diagnostics").logs = [{ categoryGroup: "audit", enabled: true }];
        props(rs, DIAGNOSTIC_SETTING, "platform-kv-diagnostics").logs = [{ categoryGroup: "allLogs", enabled: true }];
      },
      expected: [],
    },
    {
      title: "a setting that names no resource: cannot decide",
      stack: "prod",
      change: (rs) => {
        const setting = one(rs, DIAGNOSTIC_SETTING, "platform-kv-diagnostics");
        setting.links = { ...setting.links!, propertyDependencies: {} };
      },
      expected: [
        expect(
          AUDIT_LOGS,
          "mandatory",
          KEY_VAULT,
          "platform-kv",
          "audit-logs-collected: cannot decide for platform-kv: diagnostic setting(s) platform-kv-diagnostics name no resource (no propertyDependencies for resourceUri)",
        ),
      ],
    },
    {
      title: "dev without monitoring: advisory",
      stack: "dev",
      change: (rs) => {
        for (let i = rs.length - 1; i >= 0; i--) if (rs[i].type === DIAGNOSTIC_SETTING) rs.splice(i, 1);
      },
      expected: DEV_UNAUDITED,
    },
  ],
};

/** A Sealed Secrets release with `values` and one active sealing key Secret, as another program might make them. */
function sealedSecretsFixture(values: Record<string, unknown>, protectKey: boolean): CheckedResource[] {
  const release = added(RELEASE, "sealed-secrets", { chart: "sealed-secrets", namespace: "sealed-secrets", values });
  const key = added(SECRET, "sealing-key", {
    type: "kubernetes.io/tls",
    metadata: { name: "sealing-key", namespace: "sealed-secrets", labels: { [SEALING_KEY_LABEL]: "active" } },
  });
  key.protect = protectKey;
  return [release, key];
}

/** A resource the real program does not create, parented to the stack. */
function added(type: string, name: string, resourceProps: Record<string, unknown>): CheckedResource {
  return { urn: `urn:pulumi:prod::gitops-platform::${type}::${name}`, type, name, props: resourceProps, protect: false, secretPaths: [] };
}

for (const stack of ["dev", "prod"] as const) {
  test(`${stack}: the real stack violates no mandatory policy`, async () => {
    const resources = await real(stack);
    const context = contextFor(resources, stack);
    assert.deepEqual(context, { environment: stack, production: stack === "prod" });
    for (const policy of PLATFORM_POLICIES) {
      if (policy.enforcement(context) !== "mandatory") continue;
      const findings = policy.check(resources, context);
      assert.deepEqual(findings, [], `${policy.name} on ${stack}: ${findings.map((f) => f.message).join("; ")}`);
    }
    assert.deepEqual(
      evaluatePolicies(resources, context).filter((v) => v.enforcement === "mandatory"),
      [],
    );
  });
}

test("every policy in PLATFORM_POLICIES has a fixture that trips it, and no fixture names an unknown policy", () => {
  const names = PLATFORM_POLICIES.map((p) => p.name);
  assert.equal(new Set(names).size, names.length, "policy names are unique");
  for (const name of names) {
    const failing = (FIXTURES[name] ?? []).filter((f) => f.expected.some((e) => e.policy === name));
    assert.ok(failing.length > 0, `policy ${name} has no failing fixture in test/stacks/policy.test.ts`);
  }
  assert.deepEqual(Object.keys(FIXTURES).filter((name) => !names.includes(name)), []);
});

/**
 * Advisory findings the real stack has as it is (dev without audit logs): each is listed once, in
 * its own policy's fixture, and left out of the other policies' fixtures when it is still there.
 */
async function standingAdvisories(stack: Stack): Promise<string[]> {
  const resources = await real(stack);
  return summarize(evaluatePolicies(resources, contextFor(resources, stack)))
    .filter((v) => v.enforcement === "advisory")
    .map((v) => JSON.stringify(v));
}

for (const [policy, fixtures] of Object.entries(FIXTURES)) {
  for (const fixture of fixtures) {
    test(`${policy}: ${fixture.title} (${fixture.stack})`, async () => {
      const standing = await standingAdvisories(fixture.stack);
      const resources = await copyOf(fixture.stack);
      fixture.change(resources);
      const violations = summarize(evaluatePolicies(resources, contextFor(resources, fixture.stack))).filter(
        (v) => v.policy === policy || !standing.includes(JSON.stringify(v)),
      );
      const sort = (list: Expected[]) => [...list].sort((a, b) => `${a.policy} ${a.message}`.localeCompare(`${b.policy} ${b.message}`));
      assert.deepEqual(sort(violations), sort(fixture.expected));
    });
  }
}

test("neither real stack has standing advisory findings: dev keeps its audit trail too (Pulumi.dev.yaml)", async () => {
  assert.deepEqual(await standingAdvisories("dev"), []);
  assert.deepEqual(await standingAdvisories("prod"), []);
});

test("enforcement: every policy is mandatory everywhere, except the upgrade channel and the audit logs outside production", () => {
  const levels = (context: PolicyContext) => PLATFORM_POLICIES.filter((p) => p.enforcement(context) === "advisory").map((p) => p.name);
  assert.deepEqual(levels({ environment: "dev", production: false }), ["aks-upgrade-channel", AUDIT_LOGS]);
  assert.deepEqual(levels({ environment: "prod", production: true }), []);
});

test("the environment comes from the resources' tags, so a prod platform under another stack name is still prod", async () => {
  const prod = await real("prod");
  assert.deepEqual(policyContext(prod, "dev"), { environment: "prod", production: true });
  assert.deepEqual(policyContext(prod.filter((r) => r.type !== "azure-native:resources:ResourceGroup"), "dev"), { environment: "prod", production: true });
  assert.deepEqual(policyContext([], "prod-eu"), { environment: "prod-eu", production: true });
  assert.deepEqual(policyContext([], "staging"), { environment: "staging", production: false });
});

// --- The CLI end: synth exits 2 on a mandatory finding and names the policy. ---

const workdir = mkdtempSync(path.join(tmpdir(), "policy-test-"));

async function cli(t: TestContext, argv: string[], program?: () => unknown): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  try {
    return { code: await main(argv, program), out: out.join("\n"), err: err.join("\n") };
  } finally {
    t.mock.restoreAll();
  }
}

/** The real stack file with one change to its `gitops-platform:platform` object. */
function stackFileWith(stack: Stack, change: (platform: Props) => void): string {
  const document = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  change(document.config["gitops-platform:platform"]);
  const file = path.join(workdir, `${stack}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(document));
  return file;
}

test("CLI: an open prod API server or an allow list of 0.0.0.0/0 is refused by the config rules first (exit 1)", async (t) => {
  // The policies stay as defence in depth (their fixtures above); config catches it before any resource.
  const open = await cli(t, ["prod", "--config", stackFileWith("prod", (p) => delete p.cluster.authorizedIpRanges)]);
  assert.equal(open.code, 1, open.err);
  assert.match(open.err, /gitops-platform:platform\.cluster\.authorizedIpRanges: must list who may reach the API server for environment "prod", or set privateCluster: true/);
  const everyone = await cli(
    t,
    ["prod", "--config", stackFileWith("prod", (p) => {
      p.cluster.authorizedIpRanges = ["0.0.0.0/0"];
      p.keyVault.allowedIpRanges = ["0.0.0.0/0"];
    })],
  );
  assert.equal(everyone.code, 1, everyone.err);
  assert.match(everyone.err, /cluster\.authorizedIpRanges\[0\]: 0\.0\.0\.0\/0 admits every address/);
  assert.match(everyone.err, /keyVault\.allowedIpRanges\[0\]: 0\.0\.0\.0\/0 admits every address/);
  assert.doesNotMatch(everyone.err, /\n\s+at /, "no stack trace");
});

test("CLI: a program that adds a writable deploy key to the real prod platform exits 2", async (t) => {
  const program = async () => {
    const outputs = projectProgram();
    new github.RepositoryDeployKey("rogue-key", { repository: "web-frontend-config", title: "rogue", key: "ssh-ed25519 AAAAC3Nza rogue", readOnly: false });
    return outputs;
  };
  const { code, err } = await cli(t, ["prod"], program);
  assert.equal(code, 2, err);
  assert.match(err, /^1 mandatory policy violation\(s\):$/m);
  // It names web's repository, whose tenant does push image updates: the key is still not web's.
  assert.match(err, /^ {2}\[deploy-keys-read-only\] rogue-key: readOnly must be true: its public key comes from no private key of the stack, so it is no tenant's image automation key$/m);
});

test("CLI: no upgrade channel is advisory in dev (exit 0, listed on stdout) and refused by the prod config rules", async (t) => {
  const dev = await cli(t, ["dev", "--config", stackFileWith("dev", (p) => (p.cluster = { ...p.cluster, upgradeChannel: "none" }))]);
  assert.equal(dev.code, 0, dev.err);
  assert.match(dev.out, /^1 advisory policy violation\(s\):$/m);
  assert.match(dev.out, /^ {2}\[aks-upgrade-channel\] platform-aks: autoUpgradeProfile\.upgradeChannel must not be none$/m);
  assert.doesNotMatch(dev.err, /mandatory/);

  const prod = await cli(t, ["prod", "--config", stackFileWith("prod", (p) => (p.cluster.upgradeChannel = "none"))]);
  assert.equal(prod.code, 1);
  assert.match(prod.err, /gitops-platform:platform\.cluster\.upgradeChannel: must not be "none" for environment "prod"/);
});

// --- policy/index.ts is the CrossGuard pack and nothing else. ---

const POLICY_DIR = path.join(PROJECT_ROOT, "policy");

/** Relative imports of a TypeScript file, resolved to files. */
function localImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)].map((m) => `${path.resolve(path.dirname(file), m[1])}.ts`);
}

test("the policies import neither @pulumi/policy nor the pack, so tests and synth can load them", () => {
  const files = [
    ...readdirSync(POLICY_DIR).filter((f) => f.endsWith(".ts") && f !== "index.ts").map((f) => path.join(POLICY_DIR, f)),
    ...readdirSync(path.join(POLICY_DIR, "rules")).filter((f) => f.endsWith(".ts")).map((f) => path.join(POLICY_DIR, "rules", f)),
  ];
  assert.ok(files.some((f) => f.endsWith("evaluate.ts")) && files.length >= 8, files.join(", "));
  for (const file of files) assert.doesNotMatch(readFileSync(file, "utf8"), /@pulumi\/policy/, path.relative(PROJECT_ROOT, file));

  // Everything synth/cli.ts reaches from the policy side, transitively.
  const seen = new Set<string>();
  const queue = [path.join(POLICY_DIR, "evaluate.ts"), path.join(POLICY_DIR, "from-synth.ts")];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    assert.notEqual(file, path.join(POLICY_DIR, "index.ts"), "nothing imports the pack");
    assert.doesNotMatch(readFileSync(file, "utf8"), /["']@pulumi\/policy["']/, path.relative(PROJECT_ROOT, file));
    queue.push(...localImports(file));
  }
  assert.ok(seen.size >= 8, [...seen].join(", "));

  const pack = readFileSync(path.join(POLICY_DIR, "index.ts"), "utf8");
  assert.equal(pack.match(/new PolicyPack\(/g)?.length, 1, "policy/index.ts creates the one pack");
});

test("the pack registers one mandatory CrossGuard policy per policy and deploy rule, and they report like synth", async () => {
  const policies = loadPack();
  assert.deepEqual(
    policies.map((p) => [p.name, p.description]),
    [...PLATFORM_POLICIES, ...DEPLOY_RULES].map((p) => [p.name, p.description]),
  );
  for (const p of policies) assert.equal(p.enforcementLevel, "mandatory", p.name);

  // CrossGuard hands validateStack each resource's outputs, options and links (test/crossguard.ts).
  const run = (resources: readonly CheckedResource[]) => runPack(policies, resources).map((r) => `${r.policy} ${shortUrn(r.urn)} ${r.message}`);
  assert.deepEqual(run(await real("prod")), []);
  assert.deepEqual(run(await real("dev")), []);

  const noChannel = async (stack: Stack) => {
    const resources = await copyOf(stack);
    props(resources, CLUSTER, "platform-aks").autoUpgradeProfile.upgradeChannel = "none";
    return run(resources);
  };
  assert.deepEqual(await noChannel("prod"), [`aks-upgrade-channel ${CLUSTER}::platform-aks platform-aks: autoUpgradeProfile.upgradeChannel must not be none`]);
  assert.deepEqual(await noChannel("dev"), [], "advisory outside production: the pack does not block");

  const unprotected = await copyOf("prod");
  one(unprotected, CLUSTER, "platform-aks").protect = false;
  assert.deepEqual(run(unprotected), [
    `stateful-resources-protected ${CLUSTER}::platform-aks platform-aks (azure-native:containerservice:ManagedCluster) must be protected in production`,
  ]);
});

test("under CrossGuard (outputs as props, links as resources) every failing fixture still fails through the pack, or the pack says it cannot decide", async () => {
  const policies = loadPack();
  const problems: string[] = [];
  for (const [policy, fixtures] of Object.entries(FIXTURES)) {
    for (const fixture of fixtures) {
      const expected = fixture.expected.filter((e) => e.enforcement === "mandatory");
      if (expected.length === 0) continue;
      const resources = await copyOf(fixture.stack);
      fixture.change(resources);
      problems.push(...failsOpen(runPack(policies, resources), expected).map((p) => `${policy}: ${fixture.title} (${fixture.stack}): ${p}`));
    }
  }
  assert.deepEqual(problems, []);
});

test("under CrossGuard the federated-credential rule links a credential to its identity through propertyDependencies, not resourceName", async () => {
  const resources = await copyOf("prod");
  const assignment = props(resources, ASSIGNMENT, "platform-vault-seal-crypto");
  assignment.roleDefinitionId = assignment.roleDefinitionId.replace(/[^/]+$/, OWNER_ROLE);
  const view = asCrossGuard(resources) as { type: string; props: Record<string, unknown>; propertyDependencies: Record<string, { type: string }[]> }[];
  const credentials = view.filter((r) => r.type === "azure-native:managedidentity:FederatedIdentityCredential");
  assert.ok(credentials.length > 0);
  for (const credential of credentials) {
    assert.equal(credential.props.resourceName, undefined, "a path parameter is not an output");
    assert.deepEqual(credential.propertyDependencies.resourceName.map((r) => r.type), ["azure-native:managedidentity:UserAssignedIdentity"]);
  }
  // (rbac-administration-constrained reports the unconditioned Owner grant too; this test is about the link.)
  const reports = runPack(loadPack(), resources)
    .filter((r) => r.policy === "no-privileged-roles-for-workloads")
    .map((r) => `${r.policy} ${shortUrn(r.urn)} ${r.message}`);
  assert.deepEqual(reports, [
    `no-privileged-roles-for-workloads ${ASSIGNMENT}::platform-vault-seal-crypto platform-vault-seal-crypto: grants Owner to a workload identity; grant a narrow built-in role instead`,
  ]);

  // Without the links it cannot tell whose credentials they are, and says so instead of passing.
  const unlinked = await copyOf("prod");
  const owner = props(unlinked, ASSIGNMENT, "platform-vault-seal-crypto");
  owner.roleDefinitionId = owner.roleDefinitionId.replace(/[^/]+$/, OWNER_ROLE);
  for (const r of unlinked) if (r.links?.propertyDependencies) r.links = { ...r.links, propertyDependencies: {} };
  const undecided = runPack(loadPack(), unlinked).filter((r) => r.policy === "no-privileged-roles-for-workloads");
  assert.ok(undecided.length > 0);
  for (const report of undecided) assert.match(report.message, /no-privileged-roles-for-workloads: cannot decide, federated credential\(s\) .* name no identity/);
  assert.ok(undecided.some((r) => r.message.startsWith("platform-vault-seal-crypto: grants Owner to identity ")), undecided.map((r) => r.message).join("\n"));
});
