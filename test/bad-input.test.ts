/**
 * A corpus of invalid stack configs, each run through the synth CLI as a user would: exit 1, the
 * problem named by its key path (or the file's problem), no stack trace, nothing on stdout, and
 * nothing registered but the root stack.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, TestContext } from "node:test";
import { stringify } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { main } from "../synth/cli";
import { RecordedResource } from "../synth/engine";
import { PlatformMocks } from "../synth/mocks";
import { PROJECT_ROOT, synthesize } from "../synth/synthesize";
import { platformObjectSchema } from "../stacks/schema";
import { pinTestDay, TEST_DAY } from "./helpers";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "bad-input-"));
const P = "gitops-platform:platform";

interface Case {
  name: string;
  stack: "dev" | "prod";
  /** The stack file's text. */
  text: string;
  /** Lines stderr must contain, each in full (problems are indented by two spaces). */
  problems: string[];
  /** File-level failures stop before the program runs: nothing at all is registered. */
  fileLevel?: boolean;
}

/** A stack file whose `gitops-platform:platform` is `platform`, plus other config keys. */
function stackFile(platform: unknown, extra: Record<string, unknown> = {}): string {
  return stringify({ config: { "azure-native:location": "westeurope", [P]: platform, ...extra } });
}

const devCase = (name: string, platform: unknown, ...problems: string[]): Case => ({ name, stack: "dev", text: stackFile(platform), problems });
const prodCase = (name: string, platform: unknown, ...problems: string[]): Case => ({
  name,
  stack: "prod",
  text: stackFile({ environment: "prod", cluster: { authorizedIpRanges: ["203.0.113.0/24"] }, ...(platform as object) }),
  problems,
});

/** Each level's anchor aliases the previous level ten times: 10^6 nodes from a few lines. */
function billionLaughs(): string {
  const levels = ["  lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i <= 6; i++) levels.push(`  lol${i}: &lol${i} [${Array(10).fill(`*lol${i - 1}`).join(", ")}]`);
  return ["config:", `  ${P}: {}`, ...levels, ""].join("\n");
}

const UUID = "must be a UUID (an Entra object id such as 00000000-0000-0000-0000-000000000000)";
const DNS = "must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 chars)";
const PROD = 'environment "prod"';
const slack = { name: "slack", type: "slack", addressSecret: "slackWebhookUrl" };

const CASES: Case[] = [
  // Wrong types.
  devCase("location is a number", { location: 3 }, `${P}.location: must be a string, got number`),
  devCase("protect is a string", { protect: "yes" }, `${P}.protect: must be a boolean, got string`),
  devCase("the shared SOPS key switch is a string", { flux: { sharedSopsKey: "no" } }, `${P}.flux.sharedSopsKey: must be a boolean, got string`),
  devCase("tenants is a string", { tenants: "web" }, `${P}.tenants: must be an array, got string`),
  devCase("a count is a string", { cluster: { systemPool: { minCount: "3" } } }, `${P}.cluster.systemPool.minCount: must be a number, got string`),
  devCase("a count is a fraction", { vault: { replicas: 1.5 } }, `${P}.vault.replicas: must be an integer, got number`),
  devCase("a tag value is a number", { tags: { team: 7 } }, `${P}.tags.team: must be a string, got number`),
  // What ARM refuses in tags (learn.microsoft.com, "Use tags to organize your Azure resources", Limitations).
  devCase("a tag value over 256 characters", { tags: { notes: "x".repeat(257) } }, `${P}.tags.notes: must be at most 256 characters long (Azure's limit for a tag value), got 257`),
  devCase("a tag name over 512 characters", { tags: { ["n".repeat(513)]: "v" } }, `${P}.tags: the tag name "${"n".repeat(40)}..." is 513 characters long; Azure allows at most 512`),
  devCase(
    "tag names with characters ARM refuses",
    { tags: { "cost/center": "a", "r&d": "b", "ok-name": "c" } },
    `${P}.tags.cost/center: tag names must not contain any of < > % & \\ ? / (Azure refuses them)`,
    `${P}.tags.r&d: tag names must not contain any of < > % & \\ ? / (Azure refuses them)`,
  ),
  devCase(
    "more tags than a resource can carry",
    { tags: Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`tag-${i}`, "x"])) },
    `${P}.tags: 48 tags plus the 3 the platform adds (environment, managed-by, project) exceed Azure's 50 per resource`,
  ),
  devCase("a section is a list", { cluster: [] }, `${P}.cluster: must be an object, got array`),
  devCase("a tenant is missing its name", { tenants: [{}] }, `${P}.tenants[0].name: is required (string)`),
  // Values outside their enum.
  devCase("unknown SKU tier", { cluster: { skuTier: "Gold" } }, `${P}.cluster.skuTier: must be one of "Free", "Standard", "Premium"`),
  devCase("unknown Flux install", { flux: { install: "kubectl" } }, `${P}.flux.install: must be one of "helm", "aks-extension"`),
  devCase(
    "SOPS through the AKS extension",
    { flux: { install: "aks-extension", sops: true } },
    `${P}.flux.sops: must be false with install aks-extension: microsoft.flux federates only source-controller and image-reflector-controller, so kustomize-controller has no identity to decrypt with (set sops: false, or install: helm)`,
  ),
  devCase("unknown upgrade channel", { cluster: { upgradeChannel: "weekly" } }, `${P}.cluster.upgradeChannel: must be one of "rapid", "stable", "patch", "node-image", "none"`),
  devCase("unknown firewall action", { keyVault: { networkDefaultAction: "Block" } }, `${P}.keyVault.networkDefaultAction: must be one of "Allow", "Deny"`),
  // Unknown keys.
  devCase("tenant instead of tenants", { tenant: [] }, `${P}.tenant: unknown key (did you mean "tenants"?)`),
  devCase(
    "a tenant identity with 21 service accounts (Azure takes 20 federated credentials per identity)",
    { tenants: [{ name: "web", identities: [{ name: "apps", serviceAccounts: Array.from({ length: 21 }, (_, i) => `app-${i}`) }] }] },
    `${P}.tenants[0].identities[0].serviceAccounts: at most 20 service accounts: Azure allows 20 federated credentials per identity; split them over several identities`,
  ),
  devCase(
    "a private OCI source with provider azure and no account",
    { tenants: [{ name: "web", ociRepositories: [{ name: "cfg", url: "oci://acme.azurecr.io/cfg", tag: "1", provider: "azure" }] }] },
    `${P}.tenants[0].ociRepositories[0].serviceAccountName: is required with provider azure: name an account of tenants[].identities with AcrPull on the registry`,
  ),
  devCase("minCout", { cluster: { systemPool: { minCout: 2 } } }, `${P}.cluster.systemPool.minCout: unknown key (did you mean "minCount"?)`),
  devCase("quota.cpus", { tenants: [{ name: "web", quota: { cpus: "1" } }] }, `${P}.tenants[0].quota.cpus: unknown key (did you mean "cpu"?)`),
  devCase("vault.replica", { vault: { replica: 3 } }, `${P}.vault.replica: unknown key (did you mean "replicas"?)`),
  devCase("a key with no near match", { zzzzzz: true }, `${P}.zzzzzz: unknown key (allowed here: ${Object.keys(platformObjectSchema("dev").shape).join(", ")})`),
  // Names.
  devCase("environment is not a DNS label", { environment: "Dev_1" }, `${P}.environment: ${DNS}`),
  devCase("tenant name in capitals", { tenants: [{ name: "Web" }] }, `${P}.tenants[0].name: ${DNS}`),
  devCase("user pool name with a dash", { cluster: { userPools: [{ name: "apps-1" }] } }, `${P}.cluster.userPools[0].name: must be 1-12 lowercase letters or digits, starting with a letter`),
  devCase("user pool named system", { cluster: { userPools: [{ name: "system" }] } }, `${P}.cluster.userPools[0].name: "system" is the system pool's name`),
  devCase("user pool named like a renamed system pool", { cluster: { systemPool: { name: "sys2" }, userPools: [{ name: "sys2" }] } }, `${P}.cluster.userPools[0].name: "sys2" is the system pool's name`),
  devCase("user pool named system after the system pool was renamed", { cluster: { systemPool: { name: "sys2" }, userPools: [{ name: "system" }] } }, `${P}.cluster.userPools[0].name: "system" is reserved: it is the pool every cluster is created with`),
  devCase("system pool name with a capital", { cluster: { systemPool: { name: "System2" } } }, `${P}.cluster.systemPool.name: must be 1-12 lowercase letters or digits, starting with a letter`),
  devCase("region with spaces", { location: "West Europe" }, `${P}.location: must be an Azure region name such as westeurope`),
  // CIDRs and addresses.
  devCase("prefix longer than 32", { cluster: { network: { podCidr: "10.244.0.0/33" } } }, `${P}.cluster.network.podCidr: must be an IPv4 network in CIDR form such as 10.0.0.0/16`),
  devCase("host bits set", { cluster: { network: { serviceCidr: "10.0.0.1/16" } } }, `${P}.cluster.network.serviceCidr: must be an IPv4 network in CIDR form such as 10.0.0.0/16`),
  devCase("octet over 255", { cluster: { authorizedIpRanges: ["300.1.1.1"] } }, `${P}.cluster.authorizedIpRanges[0]: must be an IPv4 address or CIDR range such as 203.0.113.0/24`),
  devCase("a word as a firewall rule", { keyVault: { allowedIpRanges: ["office"] } }, `${P}.keyVault.allowedIpRanges[0]: must be an IPv4 address or CIDR range such as 203.0.113.0/24`),
  devCase(
    "private and never-public ranges in the Key Vault firewall",
    { keyVault: { allowedIpRanges: ["10.1.0.0/16", "203.0.113.0/24", "172.20.1.5", "192.168.0.0/24", "172.0.0.0/8", "127.0.0.1", "169.254.169.254", "100.64.0.0/10"] } },
    `${P}.keyVault.allowedIpRanges[0]: 10.1.0.0/16 is in the private range 10.0.0.0/8 (RFC 1918), which the Key Vault firewall refuses; callers in a VNet need a service endpoint or a private endpoint`,
    `${P}.keyVault.allowedIpRanges[2]: 172.20.1.5 is in the private range 172.16.0.0/12 (RFC 1918), which the Key Vault firewall refuses; callers in a VNet need a service endpoint or a private endpoint`,
    `${P}.keyVault.allowedIpRanges[3]: 192.168.0.0/24 is in the private range 192.168.0.0/16 (RFC 1918), which the Key Vault firewall refuses; callers in a VNet need a service endpoint or a private endpoint`,
    `${P}.keyVault.allowedIpRanges[4]: 172.0.0.0/8 overlaps the private range 172.16.0.0/12 (RFC 1918), which the Key Vault firewall refuses; callers in a VNet need a service endpoint or a private endpoint`,
    `${P}.keyVault.allowedIpRanges[5]: 127.0.0.1 is in the loopback range 127.0.0.0/8, from which no request reaches the vault's public endpoint; list public addresses only`,
    `${P}.keyVault.allowedIpRanges[6]: 169.254.169.254 is in the link-local range 169.254.0.0/16, from which no request reaches the vault's public endpoint; list public addresses only`,
    `${P}.keyVault.allowedIpRanges[7]: 100.64.0.0/10 is in the shared (carrier-grade NAT) range 100.64.0.0/10, from which no request reaches the vault's public endpoint; list public addresses only`,
  ),
  devCase(
    "one address twice in the Key Vault firewall, bare and as /32",
    { keyVault: { allowedIpRanges: ["198.51.100.17", "198.51.100.17/32"] } },
    `${P}.keyVault.allowedIpRanges[1]: duplicate range "198.51.100.17/32" (also at index 0)`,
  ),
  devCase("DNS address outside the service range", { cluster: { network: { dnsServiceIp: "10.1.0.10" } } }, `${P}.cluster.network.dnsServiceIp: must be an address inside serviceCidr (10.0.0.0/16) other than its first`),
  devCase("DNS address is not an address", { cluster: { network: { dnsServiceIp: "10.0.0.0/24" } } }, `${P}.cluster.network.dnsServiceIp: must be an IPv4 address`),
  // Overlapping ranges and combinations AKS refuses.
  devCase("pod range overlaps the service range", { cluster: { network: { podCidr: "10.0.0.0/8" } } }, `${P}.cluster.network.serviceCidr: must not overlap podCidr (10.0.0.0/8)`),
  devCase(
    "service range inside the pod range",
    { cluster: { network: { podCidr: "10.128.0.0/12", serviceCidr: "10.130.0.0/16", dnsServiceIp: "10.130.0.10" } } },
    `${P}.cluster.network.serviceCidr: must not overlap podCidr (10.128.0.0/12)`,
  ),
  devCase("private cluster with an allow list", { cluster: { privateCluster: true, authorizedIpRanges: ["203.0.113.0/24"] } }, `${P}.cluster.authorizedIpRanges: must be empty for a private cluster (AKS does not combine the two)`),
  devCase("cilium on kubenet", { cluster: { network: { plugin: "kubenet" } } }, `${P}.cluster.network.policy: cilium needs plugin "azure" (Azure CNI powered by Cilium), not "kubenet"`),
  // Duplicates.
  devCase(
    "duplicate tenant names",
    { tenants: [{ name: "web" }, { name: "web" }] },
    `${P}.tenants[1].name: duplicate name "web" (also at index 0)`,
    `${P}.tenants[1].name: duplicate namespace "web" (also at index 0)`,
  ),
  devCase("two tenants in one namespace", { tenants: [{ name: "web" }, { name: "api", namespace: "web" }] }, `${P}.tenants[1].namespace: duplicate namespace "web" (also at index 0)`),
  devCase("duplicate user pools", { cluster: { userPools: [{ name: "apps" }, { name: "apps" }] } }, `${P}.cluster.userPools[1].name: duplicate name "apps" (also at index 0)`),
  devCase("duplicate notification names", { flux: { notifications: [slack, slack] } }, `${P}.flux.notifications[1].name: duplicate name "slack" (also at index 0)`),
  devCase("a zone twice", { cluster: { systemPool: { zones: ["1", "1"] } } }, `${P}.cluster.systemPool.zones: must not repeat a zone`),
  // Reserved namespaces.
  devCase(
    "a tenant asks for RBAC",
    { tenants: [{ name: "web", extraApiAccess: [{ apiGroups: ["flagger.app"], resources: ["canaries"] }, { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"] }] }] },
    `${P}.tenants[0].extraApiAccess[1]: would let the tenant escalate: API group "rbac.authorization.k8s.io" is not allowed: RBAC: the platform owns who may do what in a tenant namespace`,
  ),
  devCase(
    "a tenant asks to impersonate",
    { tenants: [{ name: "web", extraApiAccess: [{ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] }] }] },
    `${P}.tenants[0].extraApiAccess[0].verbs[0]: must be one of "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"`,
  ),
  devCase(
    "a tenant asks for a cluster-scoped kind",
    { tenants: [{ name: "web", extraApiAccess: [{ apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"] }] }] },
    `${P}.tenants[0].extraApiAccess[0].resources[0]: "customresourcedefinitions" is of a cluster-scoped kind: a Role in the tenant's namespace cannot grant it (Kubernetes ignores the rule)`,
  ),
  devCase(
    "a tenant asks to mint tokens",
    { tenants: [{ name: "web", extraApiAccess: [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }] }] },
    `${P}.tenants[0].extraApiAccess[0].resources[0]: "serviceaccounts/token" mints service account tokens (serviceaccounts/token: any account of the namespace, its Vault role and Azure identity with it); pods get projected tokens without any grant`,
  ),
  devCase(
    "a tenant identity pulls from its own registry, which is off",
    { tenants: [{ name: "web", identities: [{ name: "puller", roles: [{ role: "AcrPull", scope: "registry" }] }] }] },
    `${P}.tenants[0].identities[0].roles[0].scope: registry is the tenant's own container registry: set registry.enabled: true`,
  ),
  devCase(
    "an azure OCI source whose identity pulls from the tenant's own registry but names another registry",
    {
      registry: { enabled: true },
      tenants: [
        {
          name: "web",
          identities: [{ name: "puller", roles: [{ role: "AcrPull", scope: "registry" }] }],
          ociRepositories: [{ name: "app", url: "oci://acrapidevabc123.azurecr.io/app", tag: "1.0.0", provider: "azure", serviceAccountName: "puller" }],
        },
      ],
    },
    `${P}.tenants[0].ociRepositories[0].url: identity "puller" has no AcrPull on the registry acrapidevabc123.azurecr.io names (its login server is <registry name>.azurecr.io)`,
  ),
  devCase(
    "an azure source authenticating as a tenant account without Flux's lockdown",
    {
      flux: { multitenancy: false },
      tenants: [
        {
          name: "web",
          identities: [{ name: "puller", roles: [{ role: "AcrPull", scope: "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-dev/providers/Microsoft.ContainerRegistry/registries/acmeshared" }] }],
          ociRepositories: [{ name: "app", url: "oci://acmeshared.azurecr.io/app", tag: "1.0.0", provider: "azure", serviceAccountName: "puller" }],
        },
      ],
    },
    `${P}.tenants[0].ociRepositories[0].serviceAccountName: needs flux.install helm with flux.multitenancy: only then do source-controller and image-reflector-controller run with object-level workload identity`,
  ),
  devCase("tenant named default", { tenants: [{ name: "default" }] }, `${P}.tenants[0].name: "default" is a system namespace (Kubernetes' default namespace); tenants need their own`),
  devCase("tenant in kube-system", { tenants: [{ name: "t", namespace: "kube-system" }] }, `${P}.tenants[0].namespace: "kube-system" is a system namespace (kube-*: Kubernetes' own: kube-system, kube-public, kube-node-lease); tenants need their own`),
  devCase("tenant in flux-system", { tenants: [{ name: "t", namespace: "flux-system" }] }, `${P}.tenants[0].namespace: "flux-system" is a system namespace (Flux's controllers); tenants need their own`),
  devCase("tenant in Vault's namespace", { tenants: [{ name: "vault" }] }, `${P}.tenants[0].name: "vault" is a system namespace (HashiCorp Vault, with vault.enabled: its storage and unseal identity); tenants need their own`),
  // Versions.
  devCase("Vault too old for workload identity", { vault: { version: "1.15.4" } }, `${P}.vault.version: 1.15.4 is too old: the Azure Key Vault seal supports workload identity from 1.15.5`),
  devCase("Vault 1.18.5", { vault: { version: "1.18.5" } }, `${P}.vault.version: 1.18.5 broke workload identity for the Azure Key Vault seal (hashicorp/vault#29717); pick another version`),
  devCase("Vault latest", { vault: { version: "latest" } }, `${P}.vault.version: must be a version such as 1.2.3`),
  devCase("Kubernetes 2.0", { cluster: { kubernetesVersion: "2.0" } }, `${P}.cluster.kubernetesVersion: must be a Kubernetes version such as 1.36 or 1.36.2`),
  devCase(
    "Kubernetes past its AKS end of support",
    { cluster: { kubernetesVersion: "1.33" } },
    `${P}.cluster.kubernetesVersion: 1.33 reached the end of AKS support on 2026-07-31; supported on 2026-11-30: 1.34, 1.35, 1.36, 1.37`,
  ),
  devCase(
    "a Kubernetes minor AKS has not announced",
    { cluster: { kubernetesVersion: "1.40.1" } },
    `${P}.cluster.kubernetesVersion: 1.40 is not in this platform's AKS release calendar (stacks/kubernetes-versions.ts); supported on 2026-11-30: 1.34, 1.35, 1.36, 1.37`,
  ),
  devCase("Flux version with a v", { flux: { version: "v2.18.3" } }, `${P}.flux.version: must be a version such as 1.2.3`),
  // UUIDs.
  devCase("admin group by name", { cluster: { adminGroupObjectIds: ["platform-admins"] } }, `${P}.cluster.adminGroupObjectIds[0]: ${UUID}`),
  devCase("tenant viewer group truncated", { tenants: [{ name: "web", groups: { viewers: ["8a1f2e3d-4c5b-4a69-8789"] } }] }, `${P}.tenants[0].groups.viewers[0]: ${UUID}`),
  // Production rules.
  prodCase("prod without protection", { protect: false }, `${P}.protect: must be true for ${PROD}`),
  prodCase("prod without purge protection", { keyVault: { purgeProtection: false } }, `${P}.keyVault.purgeProtection: must be true for ${PROD}`),
  prodCase("prod with one system node", { cluster: { authorizedIpRanges: ["203.0.113.0/24"], systemPool: { minCount: 1 } } }, `${P}.cluster.systemPool.minCount: must be >= 2 for ${PROD} (got 1)`),
  prodCase("prod API server open to everyone", { cluster: {} }, `${P}.cluster.authorizedIpRanges: must list who may reach the API server for ${PROD}, or set privateCluster: true`),
  devCase("allow lists that admit every address", { cluster: { authorizedIpRanges: ["0.0.0.0/0"] }, keyVault: { allowedIpRanges: ["203.0.113.0/24", "0.0.0.0/0"] } },
    `${P}.cluster.authorizedIpRanges[0]: 0.0.0.0/0 admits every address; list only the ranges that need access`,
    `${P}.keyVault.allowedIpRanges[1]: 0.0.0.0/0 admits every address; list only the ranges that need access`),
  prodCase("prod without upgrades", { cluster: { authorizedIpRanges: ["203.0.113.0/24"], upgradeChannel: "none" } }, `${P}.cluster.upgradeChannel: must not be "none" for ${PROD}: unpatched clusters fall out of support`),
  prodCase("prod Vault without quorum", { vault: { replicas: 1 } }, `${P}.vault.replicas: must be >= 3 for ${PROD} (got 1): raft needs a quorum`),
  prodCase(
    "prod with everything off at once",
    { protect: false, keyVault: { purgeProtection: false }, vault: { replicas: 2 } },
    `${P}.protect: must be true for ${PROD}`,
    `${P}.keyVault.purgeProtection: must be true for ${PROD}`,
    `${P}.vault.replicas: must be >= 3 for ${PROD} (got 2): raft needs a quorum`,
  ),
  // Ranges of numbers.
  devCase("maxCount below minCount", { cluster: { systemPool: { minCount: 3, maxCount: 2 } } }, `${P}.cluster.systemPool.maxCount: must be >= minCount (3)`),
  devCase("zero nodes", { cluster: { systemPool: { minCount: 0 } } }, `${P}.cluster.systemPool.minCount: must be >= 1`),
  devCase("soft delete retention too short", { keyVault: { softDeleteRetentionDays: 3 } }, `${P}.keyVault.softDeleteRetentionDays: must be >= 7`),
  devCase("recovery threshold above shares", { vault: { recoveryShares: 3, recoveryThreshold: 4 } }, `${P}.vault.recoveryThreshold: must be <= recoveryShares (3)`),
  devCase("maintenance at hour 25", { cluster: { maintenanceWindow: { dayOfWeek: "Sunday", startHour: 25 } } }, `${P}.cluster.maintenanceWindow.startHour: must be <= 23`),
  // Quantities, durations, paths, URLs.
  devCase("memory quota in words", { tenants: [{ name: "web", quota: { memory: "lots" } }] }, `${P}.tenants[0].quota.memory: must be a memory quantity such as 512Mi or 8Gi`),
  devCase("interval in words", { tenants: [{ name: "web", git: { repository: "a/b", interval: "5 minutes" } }] }, `${P}.tenants[0].git.interval: must be a duration such as 1m, 10m or 1h`),
  devCase("kustomize path without ./", { tenants: [{ name: "web", git: { repository: "a/b", path: "envs/dev" } }] }, `${P}.tenants[0].git.path: must be a path in the repository starting with ./`),
  devCase("Helm repository over http", { tenants: [{ name: "web", helmReleases: [{ name: "app", repository: "http://charts.example.com", chart: "app", version: "1.0.0" }] }] }, `${P}.tenants[0].helmReleases[0].repository: must be an https:// or oci:// URL`),
  devCase("OCI source with tag and semver", { tenants: [{ name: "web", ociRepositories: [{ name: "app", url: "oci://acr.azurecr.io/app", tag: "1.0.0", semver: ">=1.0.0" }] }] }, `${P}.tenants[0].ociRepositories[0]: needs exactly one of tag or semver`),
  devCase("a taint without an effect", { cluster: { userPools: [{ name: "gpu", taints: ["dedicated=gpu"] }] } }, `${P}.cluster.userPools[0].taints[0]: must be a taint such as dedicated=gpu:NoSchedule`),
  // Git sources and CI.
  devCase("repository without an owner", { tenants: [{ name: "web", git: { repository: "web-config" } }] }, `${P}.tenants[0].git.repository: "web-config" has no owner: write owner/name or set github.owner`),
  devCase(
    "create under another owner",
    { github: { owner: "acme" }, tenants: [{ name: "web", git: { repository: "other/web-config", create: true } }] },
    `${P}.tenants[0].git.repository: create: true makes repositories under github.owner (acme), not other`,
  ),
  devCase(
    "branch names git refuses",
    { tenants: [{ name: "web", git: { repository: "a/b", branch: "feature..x" } }, { name: "api", git: { repository: "a/c", branch: "release/" } }] },
    `${P}.tenants[0].git.branch: "feature..x" is not a valid Git branch name (git check-ref-format --branch): it contains '..'`,
    `${P}.tenants[1].git.branch: "release/" is not a valid Git branch name (git check-ref-format --branch): it has an empty path component (a leading, trailing or doubled '/')`,
  ),
  devCase("CI repository without an owner", { ci: { repository: "platform-infra", reviewers: { teams: [1] } }, cluster: { adminGroupObjectIds: ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f"] } }, `${P}.ci.repository: must be the infrastructure repository as owner/name`),
  devCase(
    "previews in the production environment",
    { ci: { repository: "acme/infra", reviewers: { teams: [1] }, productionEnvironment: "deploy", previewEnvironment: "deploy" }, cluster: { adminGroupObjectIds: ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f"] } },
    `${P}.ci.previewEnvironment: must differ from ci.productionEnvironment ("deploy"): pull-request code must never run as the deploy identity`,
  ),
  devCase(
    "the production environment named like the drift report's",
    { ci: { repository: "acme/infra", reviewers: { teams: [1] }, productionEnvironment: "drift-dev" }, cluster: { adminGroupObjectIds: ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f"] } },
    `${P}.ci.driftReport: the drift report's environment "drift-dev" is also ci.productionEnvironment or ci.previewEnvironment: rename that environment, or set driftReport: false`,
  ),
  // Notifications and the secrets they name.
  devCase("notification of an unknown type", { flux: { notifications: [{ ...slack, type: "email" }] } }, `${P}.flux.notifications[0].type: must be one of "slack", "msteams", "generic"`),
  devCase("notification events misspelt", { flux: { notifications: [{ ...slack, events: "change" }] } }, `${P}.flux.notifications[0].events: must be one of "errors", "changes"`),
  devCase(
    "webhook URL written where the key name goes",
    { flux: { notifications: [{ ...slack, addressSecret: "https://hooks.slack.com/services/T0/B0/x" }] } },
    `${P}.flux.notifications[0].addressSecret: must be the name of a config key in this project (set it with pulumi config set --secret <name>)`,
  ),
  devCase(
    "addressSecret names a key that is not set",
    { flux: { notifications: [slack] } },
    `${P}.flux.notifications[0].addressSecret: config key gitops-platform:slackWebhookUrl is not set (pulumi config set --secret slackWebhookUrl <url>)`,
  ),
  {
    name: "addressSecret names a key holding the URL in plain text",
    stack: "dev",
    text: stackFile({ flux: { notifications: [slack] } }, { "gitops-platform:slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/plain" }),
    problems: [`${P}.flux.notifications[0].addressSecret: config key gitops-platform:slackWebhookUrl holds a webhook address in plain text: set it with --secret`],
  },
  {
    name: "the secret sits under another project's namespace",
    stack: "dev",
    text: stackFile({ flux: { notifications: [slack] } }, { "other-project:slackWebhookUrl": { secure: "v1:abc" } }),
    problems: [`${P}.flux.notifications[0].addressSecret: config key gitops-platform:slackWebhookUrl is not set (pulumi config set --secret slackWebhookUrl <url>)`],
  },
  devCase(
    "a tenant's addressSecret names a key that is not set",
    { tenants: [{ name: "web", notifications: [{ ...slack, addressSecret: "webSlackWebhookUrl" }] }] },
    `${P}.tenants[0].notifications[0].addressSecret: config key gitops-platform:webSlackWebhookUrl is not set (pulumi config set --secret webSlackWebhookUrl <url>)`,
  ),
  {
    name: "a tenant's addressSecret names a key holding the URL in plain text",
    stack: "dev",
    text: stackFile(
      { tenants: [{ name: "web", notifications: [{ ...slack, addressSecret: "webSlackWebhookUrl" }] }] },
      { "gitops-platform:webSlackWebhookUrl": "https://hooks.slack.com/services/T0/B0/plain" },
    ),
    problems: [`${P}.tenants[0].notifications[0].addressSecret: config key gitops-platform:webSlackWebhookUrl holds a webhook address in plain text: set it with --secret`],
  },
  devCase(
    "a tenant names the platform's webhook",
    { flux: { notifications: [slack] }, tenants: [{ name: "web", notifications: [slack] }] },
    `${P}.tenants[0].notifications[0].addressSecret: slackWebhookUrl is the address of the platform's notification "slack" (flux.notifications): a tenant needs a webhook of its own`,
  ),
  devCase(
    "a registry pusher trusting pull requests",
    { registry: { enabled: true }, tenants: [{ name: "web", registry: { push: [{ repository: "acme/web-app", pullRequest: true }] } }] },
    `${P}.tenants[0].registry.push[0].pullRequest: unknown key (allowed here: repository, branch, environment)`,
    `${P}.tenants[0].registry.push[0]: name exactly one of branch or environment (pull requests can never push: every pull request presents the pull_request subject)`,
  ),
  devCase(
    "a registry pusher with neither branch nor environment",
    { registry: { enabled: true }, tenants: [{ name: "web", registry: { push: [{ repository: "acme/web-app" }] } }] },
    `${P}.tenants[0].registry.push[0]: name exactly one of branch or environment (pull requests can never push: every pull request presents the pull_request subject)`,
  ),
  devCase(
    "registry pushers without a registry",
    { tenants: [{ name: "web", registry: { push: [{ repository: "acme/web-app", branch: "main" }] } }] },
    `${P}.tenants[0].registry.push: needs registry.enabled: true (the tenant's registry to push to)`,
  ),
  devCase(
    "21 registry pushers for one tenant",
    { registry: { enabled: true }, tenants: [{ name: "web", registry: { push: Array.from({ length: 21 }, (_, i) => ({ repository: "acme/web-app", branch: `release-${i}` })) } }] },
    `${P}.tenants[0].registry.push: 21 pushers; one identity takes at most 20 federated credentials (Azure's limit)`,
  ),
  // Audit and metrics.
  prodCase(
    "prod without audit logs",
    { monitoring: { enabled: false } },
    `${P}.monitoring.enabled: must be true for ${PROD}: production keeps an audit log of the cluster and the Key Vault`,
  ),
  prodCase(
    "prod collecting the cluster's logs but not its audit log",
    { monitoring: { clusterLogCategories: ["guard", "cluster-autoscaler"] } },
    `${P}.monitoring.clusterLogCategories: must include kube-audit-admin (or kube-audit) for ${PROD}: the cluster's audit log`,
  ),
  devCase(
    "an unknown AKS log category, retention below Log Analytics' minimum, a cap of nothing",
    { monitoring: { enabled: true, clusterLogCategories: ["kube-audit-admin", "guard", "etcd"], retentionDays: 7, dailyCapGb: 0 } },
    `${P}.monitoring.clusterLogCategories[2]: must be one of "kube-audit-admin", "kube-audit", "guard", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "cloud-controller-manager", "csi-azuredisk-controller", "csi-azurefile-controller", "csi-snapshot-controller"`,
    `${P}.monitoring.retentionDays: must be >= 30`,
    // An exclusive bound: positive() is "> 0" (it read ">= 0" before, which 0 satisfies).
    `${P}.monitoring.dailyCapGb: must be > 0`,
  ),
  devCase(
    "a log category listed twice",
    { monitoring: { enabled: true, clusterLogCategories: ["kube-audit-admin", "guard", "kube-audit-admin"] } },
    `${P}.monitoring.clusterLogCategories: must not repeat a category`,
  ),
  devCase(
    "alert receivers without Prometheus, and an address that is no action group",
    { monitoring: { enabled: true, prometheus: false, alertActionGroupIds: ["/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg/providers/microsoft.insights/actionGroups/oncall", "oncall@example.com"] } },
    `${P}.monitoring.alertActionGroupIds[1]: must be the ARM id of an action group (/subscriptions/<id>/resourceGroups/<group>/providers/microsoft.insights/actionGroups/<name>)`,
    `${P}.monitoring.alertActionGroupIds: the alerts come from managed Prometheus: needs monitoring.enabled and monitoring.prometheus`,
  ),
  devCase(
    "alert receivers while monitoring is off",
    { monitoring: { alertActionGroupIds: ["/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg/providers/microsoft.insights/actionGroups/oncall"] } },
    `${P}.monitoring.alertActionGroupIds: the alerts come from managed Prometheus: needs monitoring.enabled and monitoring.prometheus`,
  ),
  // The platform key itself.
  { name: "no platform key at all", stack: "dev", text: stringify({ config: { "azure-native:location": "westeurope" } }), problems: [`${P}: is not set: add it to Pulumi.dev.yaml`] },
  { name: "platform key set to null", stack: "prod", text: `config:\n  ${P}:\n`, problems: [`${P}: is not set: add it to Pulumi.prod.yaml`] },
  { name: "platform is a plain string", stack: "dev", text: `config:\n  ${P}: everything-default\n`, problems: [`${P}: must be an object of config sections (environment, cluster, ...)`] },
  { name: "platform is a list", stack: "dev", text: `config:\n  ${P}: [web, api]\n`, problems: [`${P}: must be an object of config sections (environment, cluster, ...)`] },
  // Sealed Secrets.
  devCase("the Sealed Secrets switch is a string", { sealedSecrets: { enabled: "yes" } }, `${P}.sealedSecrets.enabled: must be a boolean, got string`),
  devCase("no sealing key generation", { sealedSecrets: { enabled: true, keyGenerations: 0 } }, `${P}.sealedSecrets.keyGenerations: must be >= 1`),
  devCase("a typo in sealedSecrets", { sealedSecrets: { enable: true } }, `${P}.sealedSecrets.enable: unknown key (did you mean "enabled"?)`),
  // The file itself.
  { name: "empty file", stack: "dev", text: "", problems: [`${P}: is not set: add it to Pulumi.dev.yaml`] },
  { name: "only a comment", stack: "prod", text: "# nothing here yet\n", problems: [`${P}: is not set: add it to Pulumi.prod.yaml`] },
  { name: "YAML syntax error: unclosed flow mapping", stack: "dev", text: `config:\n  ${P}: {environment: dev\n`, problems: [": YAML syntax error at line "], fileLevel: true },
  { name: "YAML syntax error: tab indentation", stack: "dev", text: `config:\n\t${P}: {}\n`, problems: [": YAML syntax error at line "], fileLevel: true },
  { name: "YAML syntax error: duplicate key", stack: "dev", text: `config:\n  ${P}: {}\n  ${P}: {}\n`, problems: [": YAML syntax error at line "], fileLevel: true },
  { name: "the document is a list", stack: "dev", text: "- config\n", problems: [": must be a YAML mapping with a config: section"], fileLevel: true },
  { name: "config: is a list", stack: "dev", text: "config:\n  - a\n", problems: [": config: must be a mapping of config keys"], fileLevel: true },
  {
    name: "aliases that expand past the parser's limit (a billion laughs)",
    stack: "dev",
    text: billionLaughs(),
    problems: [": YAML aliases expand more than 100 times"],
    fileLevel: true,
  },
  { name: "an alias without its anchor", stack: "dev", text: `config:\n  ${P}: { tags: *nowhere }\n`, problems: [": YAML syntax error"], fileLevel: true },
  // Image automation (issue 15, item 4) and Flagger (item 3).
  devCase("image automation without a Git source", { tenants: [{ name: "web", imageAutomation: { enabled: true } }] }, `${P}.tenants[0].imageAutomation.enabled: needs tenants[].git: image automation pushes to the tenant's Git repository`),
  devCase(
    "image automation pushing to the branch create protects",
    { github: { owner: "acme" }, tenants: [{ name: "web", git: { repository: "web-config", create: true }, imageAutomation: { enabled: true, pushBranch: "main" } }] },
    `${P}.tenants[0].imageAutomation.pushBranch: must not be main: git.create protects that branch with reviewed pull requests, and GitHub refuses the deploy key's push; push to another branch and merge through a pull request`,
  ),
  devCase(
    "image automation with the AKS extension",
    { flux: { install: "aks-extension", sops: false }, tenants: [{ name: "web", git: { repository: "a/b" }, imageAutomation: { enabled: true } }] },
    `${P}.tenants[0].imageAutomation.enabled: needs flux.install helm: microsoft.flux cannot put the multi-tenancy lockdown on the image controllers`,
  ),
  devCase("image automation switch is a string", { tenants: [{ name: "web", imageAutomation: { enabled: "yes" } }] }, `${P}.tenants[0].imageAutomation.enabled: must be a boolean, got string`),
  devCase("Flagger in a system namespace", { flagger: { enabled: true, namespace: "kube-flagger" } }, `${P}.flagger.namespace: "kube-flagger" is a system namespace (kube-*: Kubernetes' own: kube-system, kube-public, kube-node-lease); Flagger needs its own`),
  devCase("Flagger in a tenant's namespace", { flagger: { enabled: true, namespace: "web" }, tenants: [{ name: "web" }] }, `${P}.flagger.namespace: "web" is a tenant's namespace; Flagger needs its own`),
  // Flagger's namespace is reserved only with Flagger on (issue 22, item 5: derived from the components that are on).
  devCase("a tenant in Flagger's namespace", { flagger: { enabled: true }, tenants: [{ name: "flagger-system" }] }, `${P}.flagger.namespace: "flagger-system" is a tenant's namespace; Flagger needs its own`),
];

/**
 * Runs the CLI in-process and captures what it prints, and every resource registration the mock
 * engine receives (each one reaches PlatformMocks.newResource, the stack included).
 */
async function cli(t: TestContext, argv: string[]): Promise<{ code: number; out: string; err: string; registered: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const registered: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  const newResource = PlatformMocks.prototype.newResource;
  t.mock.method(PlatformMocks.prototype, "newResource", function (this: PlatformMocks, args: pulumi.runtime.MockResourceArgs) {
    registered.push(args.type);
    return newResource.call(this, args);
  });
  try {
    return { code: await main(argv), out: out.join("\n"), err: err.join("\n"), registered };
  } finally {
    t.mock.restoreAll();
  }
}

test("the corpus is big enough and every case is distinct", () => {
  assert.ok(CASES.length >= 40, `${CASES.length} cases`);
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, "unique names");
  assert.equal(new Set(CASES.map((c) => `${c.stack}\n${c.text}`)).size, CASES.length, "unique files");
});

CASES.forEach((c, i) => {
  test(`bad input ${i + 1}: ${c.name} (${c.stack})`, async (t) => {
    const file = path.join(workdir, `case-${i + 1}.yaml`);
    writeFileSync(file, c.text);
    const { code, out, err, registered } = await cli(t, [c.stack, "--config", file]);
    assert.equal(code, 1, `exit code; stderr:\n${err}`);
    assert.equal(out, "", "nothing on stdout");
    assert.doesNotMatch(err, /\n\s+at /, "no stack trace");
    assert.doesNotMatch(err, /Error:|TypeError|ZodError/, "no raw error");
    if (c.fileLevel) {
      assert.equal(err.split("\n").length, 1, err);
      assert.ok(err.startsWith(`${file}: `), err);
      for (const expected of c.problems) assert.ok(err.includes(expected), `expected\n  ${expected}\nin\n${err}`);
    } else {
      const lines = err.split("\n");
      assert.equal(lines[0], `Invalid stack config for ${c.stack} (${lines.length - 1} problem(s)):`);
      for (const expected of c.problems) assert.ok(lines.includes(`  ${expected}`), `expected the line\n  ${expected}\nin\n${err}`);
      assert.equal(lines.length - 1, c.problems.length, `exactly the expected problems:\n${err}`);
    }
    assert.deepEqual(registered, c.fileLevel ? [] : ["pulumi:pulumi:Stack"], "nothing but the root stack is registered");
  });
});

test("synthesize({ registered }) agrees: a config error or a file error registers nothing but the root stack", async () => {
  const samples = [
    CASES.find((c) => c.name === "prod without protection")!,
    CASES.find((c) => c.name === "addressSecret names a key holding the URL in plain text")!,
    CASES.find((c) => c.name === "YAML syntax error: unclosed flow mapping")!,
  ];
  for (const c of samples) {
    const file = path.join(workdir, `sample-${CASES.indexOf(c)}.yaml`);
    writeFileSync(file, c.text);
    const registered: RecordedResource[] = [];
    await assert.rejects(synthesize({ stack: c.stack, configFile: file, registered }), (e: Error) => e.name === (c.fileLevel ? "Error" : "ConfigError"));
    assert.deepEqual(
      registered.map((r) => r.type),
      c.fileLevel ? [] : ["pulumi:pulumi:Stack"],
      c.name,
    );
  }
});

// The child process takes seconds to start: it runs alongside the in-process cases.
const childFile = path.join(workdir, "child.yaml");
writeFileSync(childFile, stackFile({ environment: "prod", protect: false, cluster: { authorizedIpRanges: ["203.0.113.0/24"] }, tenants: [{ name: "kube-public" }, { name: "web", groups: { admins: ["x"] } }] }));
const child = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
  const proc = spawn(process.execPath, ["--import", "tsx", "synth/cli.ts", "prod", "--config", childFile, "--today", TEST_DAY], { cwd: PROJECT_ROOT });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  proc.on("error", reject);
  proc.on("close", (status) => resolve({ status, stdout, stderr }));
});

test("a real process: exit 1, the key paths on stderr, no stack trace, nothing on stdout", async () => {
  const result = await child;
  assert.equal(result.status, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    [
      "Invalid stack config for prod (3 problem(s)):",
      `  ${P}.tenants[1].groups.admins[0]: ${UUID}`,
      `  ${P}.tenants[0].name: "kube-public" is a system namespace (kube-*: Kubernetes' own: kube-system, kube-public, kube-node-lease); tenants need their own`,
      `  ${P}.protect: must be true for ${PROD}`,
      "",
    ].join("\n"),
  );
});
