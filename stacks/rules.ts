/**
 * Cross-field rules of the stack config: what a single field's type cannot say. Each rule adds
 * an issue at the key path a user has to change.
 */
import type { z } from "zod";
import { NON_PUBLIC_RANGES, normalizeIpRange, parseCidr, parseIpv4, rangeContains, rangesOverlap } from "./cidr";
import { KUBERNETES_VERSION, kubernetesVersionProblem } from "./kubernetes-versions";
import { effectiveVnet, isProduction } from "./environments";
import type { ParsedPlatform, RuleContext } from "./config-shape";
import {
  blobContainerScope,
  OWN_KEY_VAULT_SCOPE,
  OWN_REGISTRY_SCOPE,
  registryLoginServer,
  resourceGroupOf,
  scopeKind,
  STORAGE_ACCOUNT_ID,
  TENANT_IDENTITY_ROLES,
  TENANT_TAG,
} from "../components/tenant/identities";
import { MAX_FEDERATED_CREDENTIALS } from "../components/azure/workload-identity";
import { checkCiWiring } from "./rules-ci";
import { containerRegistryName } from "../components/azure/container-registry-push";
import { checkServiceLimits } from "./rules-limits";
import { checkNamespaces } from "./rules-namespaces";
import { checkTenantSources } from "./rules-sources";
import { checkTenantAccess } from "./rules-tenant-access";
import { checkKubernetesLimits } from "./rules-kubernetes";
import { checkResourceGroup } from "./rules-resource-group";
import { checkTenantRuntime } from "./rules-runtime";
import { checkIngress } from "./rules-ingress";
import { checkVaultOidc } from "./rules-vault-oidc";
import { checkTenantEgress } from "./rules-tenant-egress";

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

export function checkPlatformRules(config: ParsedPlatform, ctx: z.RefinementCtx, context: RuleContext): void {
  const report: Report = (path, message) => ctx.addIssue({ code: "custom", path, message });
  checkTags(config.tags, report);
  checkKubernetesVersion(config.cluster.kubernetesVersion, context.today, report);
  checkPools(config, report);
  checkNetwork(config, report);
  checkTenants(config, report);
  checkTenantIdentities(config, report);
  checkFlux(config, report);
  checkNotifications(config, report);
  checkVault(config, report);
  checkCi(config, report);
  checkCiWiring(config, report);
  checkRegistry(config, report);
  checkKeyVaultReach(config, report);
  checkKeyVaultFirewall(config.keyVault.allowedIpRanges, report);
  checkImageAutomation(config, report);
  checkObjectLevelIdentity(config, report);
  checkFlagger(config, report);
  if (isProduction(config.environment)) checkProduction(config, report);
  checkMonitoring(config, report);
  checkServiceLimits(config, report);
  checkTenantSources(config, report);
  checkTenantAccess(config, report);
  checkKubernetesLimits(config, report);
  checkResourceGroup(config, report);
  checkTenantRuntime(config, report);
  checkIngress(config, report);
  checkVaultOidc(config, report);
  checkTenantEgress(config, report);
}

/** Tags the platform puts on every Azure resource besides the configured ones (components/platform.ts). */
export const PLATFORM_TAG_NAMES = ["environment", "managed-by", "project"] as const;

/**
 * ARM's limits on tags, which it enforces on every resource the tags reach ("Use tags to organize
 * your Azure resources", Limitations): names up to 512 characters without < > % & \ ? /, values
 * up to 256 characters, at most 50 pairs per resource.
 */
export const AZURE_TAG_LIMITS = { nameLength: 512, valueLength: 256, perResource: 50, forbiddenInName: /[<>%&\\?/]/ } as const;

function checkTags(tags: Record<string, string>, report: Report): void {
  for (const [name, value] of Object.entries(tags)) {
    if (name.length > AZURE_TAG_LIMITS.nameLength) {
      // The name itself would make an unreadable key path: quote its start instead.
      report(["tags"], `the tag name "${name.slice(0, 40)}..." is ${name.length} characters long; Azure allows at most ${AZURE_TAG_LIMITS.nameLength}`);
    } else if (AZURE_TAG_LIMITS.forbiddenInName.test(name)) {
      report(["tags", name], "tag names must not contain any of < > % & \\ ? / (Azure refuses them)");
    }
    if (value.length > AZURE_TAG_LIMITS.valueLength) {
      report(["tags", name], `must be at most ${AZURE_TAG_LIMITS.valueLength} characters long (Azure's limit for a tag value), got ${value.length}`);
    }
  }
  const own = Object.keys(tags).filter((name) => !(PLATFORM_TAG_NAMES as readonly string[]).includes(name)).length;
  if (own + PLATFORM_TAG_NAMES.length > AZURE_TAG_LIMITS.perResource) {
    report(
      ["tags"],
      `${own} tags plus the ${PLATFORM_TAG_NAMES.length} the platform adds (${PLATFORM_TAG_NAMES.join(", ")}) exceed Azure's ${AZURE_TAG_LIMITS.perResource} per resource`,
    );
  }
}

/** A version AKS does not support on the day of the deployment fails cluster creation and upgrades. */
function checkKubernetesVersion(version: string, today: Date, report: Report): void {
  // A malformed version already has its issue from the schema.
  const problem = KUBERNETES_VERSION.test(version) ? kubernetesVersionProblem(version, today) : undefined;
  if (problem) report(["cluster", "kubernetesVersion"], problem);
}

function checkPools({ cluster }: ParsedPlatform, report: Report): void {
  const pools: { path: Path; pool: { minCount: number; maxCount: number } }[] = [
    { path: ["cluster", "systemPool"], pool: cluster.systemPool },
    ...cluster.userPools.map((pool, i) => ({ path: ["cluster", "userPools", i], pool })),
  ];
  for (const { path, pool } of pools) {
    if (pool.maxCount < pool.minCount) report([...path, "maxCount"], `must be >= minCount (${pool.minCount})`);
  }
  reportDuplicates(
    cluster.userPools.map((pool) => pool.name),
    (i) => ["cluster", "userPools", i, "name"],
    report,
  );
  cluster.userPools.forEach((pool, i) => {
    const path = ["cluster", "userPools", i, "name"];
    if (pool.name === cluster.systemPool.name) report(path, `"${pool.name}" is the system pool's name`);
    else if (pool.name === "system") report(path, `"system" is reserved: it is the pool every cluster is created with`);
  });
}

function checkNetwork({ cluster }: ParsedPlatform, report: Report): void {
  const { network } = cluster;
  const pods = parseCidr(network.podCidr);
  const services = parseCidr(network.serviceCidr);
  const dns = parseIpv4(network.dnsServiceIp);
  const path = ["cluster", "network"];
  if (pods && services && rangesOverlap(pods, services)) {
    report([...path, "serviceCidr"], `must not overlap podCidr (${network.podCidr})`);
  }
  if (services && dns !== undefined && (!rangeContains(services, dns) || dns === services.first)) {
    report([...path, "dnsServiceIp"], `must be an address inside serviceCidr (${network.serviceCidr}) other than its first`);
  }
  if (network.policy === "cilium" && network.plugin !== "azure") {
    report([...path, "policy"], `cilium needs plugin "azure" (Azure CNI powered by Cilium), not "${network.plugin}"`);
  }
  reportOpenRanges(["cluster", "authorizedIpRanges"], cluster.authorizedIpRanges, report);
  checkVnet(network, report);
  if (cluster.privateCluster && cluster.authorizedIpRanges.length > 0) {
    report(["cluster", "authorizedIpRanges"], "must be empty for a private cluster (AKS does not combine the two)");
  }
}

/** The platform VNet: the node subnet inside it, and no overlap with the pod or service ranges. */
function checkVnet(network: ParsedPlatform["cluster"]["network"], report: Report): void {
  const vnet = network.vnet;
  if (!vnet) return;
  const path = ["cluster", "network", "vnet"];
  if (network.plugin === "kubenet") {
    // AKS attaches a route table to a kubenet cluster's subnet, which the VNet (its subnet
    // declared inline) would detach again on its next update.
    report(path, 'needs plugin "azure": kubenet routes pods through a route table AKS attaches to the subnet');
  }
  const space = parseCidr(vnet.addressSpace);
  const nodes = parseCidr(vnet.nodeSubnet);
  if (space && nodes && !(rangeContains(space, nodes.first) && rangeContains(space, nodes.last))) {
    report([...path, "nodeSubnet"], `must lie inside addressSpace (${vnet.addressSpace})`);
  }
  for (const [key, range] of [["podCidr", network.podCidr], ["serviceCidr", network.serviceCidr]] as const) {
    const other = parseCidr(range);
    if (space && other && rangesOverlap(space, other)) report([...path, "addressSpace"], `must not overlap ${key} (${range})`);
  }
}

/**
 * A Key Vault that denies by default lets in only what its rules name; `bypass: AzureServices`
 * does not cover AKS pods. Vault's seal, its bootstrap Job and SOPS decryption call Key Vault from
 * the nodes, so the nodes need the platform VNet, whose subnet the vault admits.
 */
function checkKeyVaultReach(config: ParsedPlatform, report: Report): void {
  const callers = [
    config.vault.enabled ? "Vault's seal and bootstrap" : undefined,
    config.flux.sops ? "SOPS decryption" : undefined,
    // A tenant's vault has the platform vault's firewall; the CSI driver reads it from the nodes.
    config.tenants.some((t) => t.keyVault.enabled) ? "the CSI driver, for tenants' own vaults" : undefined,
    config.ingress.enabled && config.tenants.some((t) => t.ingress?.certificates.length) ? "the application routing add-on, for tenants' TLS certificates" : undefined,
  ].filter(Boolean);
  const vnet = effectiveVnet(config.environment, config.cluster.network.vnet);
  if (config.keyVault.networkDefaultAction === "Deny" && !vnet && callers.length > 0) {
    report(
      ["keyVault", "networkDefaultAction"],
      `Deny shuts the cluster out (${callers.join(", ")} call Key Vault from the nodes): set cluster.network.vnet so the vault admits the nodes' subnet, or use Allow`,
    );
  }
}

/** A /0 entry admits every address, which makes the allow list a false promise. */
function reportOpenRanges(path: Path, ranges: readonly string[], report: Report): void {
  ranges.forEach((range, i) => {
    if (parseCidr(range, true)?.prefix === 0) report([...path, i], `${range} admits every address; list only the ranges that need access`);
  });
}

/**
 * The Key Vault firewall takes public addresses only: ARM refuses RFC 1918 ranges ("IP network
 * rules are only allowed for public IP addresses", learn.microsoft.com/azure/key-vault/general/
 * network-security; the error reads "belongs to forbidden range ... (private IP addresses)").
 * Loopback, link-local, shared and "this network" addresses are refused too: no request to the
 * vault's public endpoint ever comes from one. Azure stores a bare address as /32, so `a.b.c.d`
 * and `a.b.c.d/32` are the same rule.
 */
function checkKeyVaultFirewall(ranges: readonly string[], report: Report): void {
  const path = ["keyVault", "allowedIpRanges"];
  reportOpenRanges(path, ranges, report);
  ranges.forEach((text, i) => {
    const range = parseCidr(text, true);
    if (!range || range.prefix === 0) return;
    for (const reserved of NON_PUBLIC_RANGES) {
      const block = parseCidr(reserved.cidr)!;
      if (!rangesOverlap(range, block)) continue;
      const relation = range.first >= block.first && range.last <= block.last ? "is in" : "overlaps";
      const why = reserved.privateNetwork
        ? `${reserved.kind} range ${reserved.cidr} (RFC 1918), which the Key Vault firewall refuses; callers in a VNet need a service endpoint or a private endpoint`
        : `${reserved.kind} range ${reserved.cidr}, from which no request reaches the vault's public endpoint; list public addresses only`;
      report([...path, i], `${text} ${relation} the ${why}`);
      return;
    }
  });
  reportDuplicates(ranges.map(normalizeIpRange), (i) => [...path, i], report, "range");
}

function checkTenants(config: ParsedPlatform, report: Report): void {
  const { tenants } = config;
  reportDuplicates(
    tenants.map((t) => t.name),
    (i) => ["tenants", i, "name"],
    report,
  );
  reportDuplicates(
    tenants.map((t) => t.namespace ?? t.name),
    (i) => ["tenants", i, tenants[i].namespace ? "namespace" : "name"],
    report,
    "namespace",
  );
  checkNamespaces(config, report);
  tenants.forEach((tenant, i) => {
    if (tenant.git) checkGitSource(config, i, report);
    tenant.ociRepositories.forEach((oci, j) => {
      if ((oci.tag === undefined) === (oci.semver === undefined)) {
        report(["tenants", i, "ociRepositories", j], "needs exactly one of tag or semver");
      }
    });
    const sourceNames = [
      ...tenant.helmReleases.map((s) => s.name),
      ...tenant.ociRepositories.map((s) => s.name),
      ...tenant.buckets.map((s) => s.name),
    ];
    reportDuplicates(sourceNames, () => ["tenants", i], report, "source name");
    reportDuplicates(
      tenant.vault.roles.map((r) => r.name),
      (j) => ["tenants", i, "vault", "roles", j, "name"],
      report,
    );
  });
}

function checkGitSource(config: ParsedPlatform, i: number, report: Report): void {
  const git = config.tenants[i].git!;
  const path = ["tenants", i, "git", "repository"];
  const owner = git.repository.includes("/") ? git.repository.split("/")[0] : config.github.owner;
  if (owner === undefined) {
    report(path, `"${git.repository}" has no owner: write owner/name or set github.owner`);
  } else if (git.create && owner !== config.github.owner) {
    report(path, `create: true makes repositories under github.owner (${config.github.owner ?? "unset"}), not ${owner}`);
  }
}

/**
 * microsoft.flux's workload identity settings federate source-controller and
 * image-reflector-controller only (learn.microsoft.com, "Tutorial: Deploy applications using
 * GitOps with Flux v2", Workload identity in AKS clusters): kustomize-controller, which decrypts
 * SOPS, gets no Azure identity from the extension.
 */
function checkFlux({ flux }: ParsedPlatform, report: Report): void {
  if (flux.install === "aks-extension" && flux.sops) {
    report(
      ["flux", "sops"],
      "must be false with install aks-extension: microsoft.flux federates only source-controller and image-reflector-controller, so kustomize-controller has no identity to decrypt with (set sops: false, or install: helm)",
    );
  }
}

/**
 * Notification targets. A tenant's webhook Secret lives in the tenant's namespace, where its
 * admins and its Git content can read it: so a tenant never names the platform's address key,
 * nor another tenant's (each would hand that webhook to this tenant).
 */
function checkNotifications({ flux, tenants }: ParsedPlatform, report: Report): void {
  reportDuplicates(
    flux.notifications.map((n) => n.name),
    (i) => ["flux", "notifications", i, "name"],
    report,
  );
  checkChangesAlertNames(flux.notifications, (j) => ["flux", "notifications", j, "name"], report);
  const platformKeys = new Map(flux.notifications.map((n) => [n.addressSecret, n.name]));
  const tenantKeys = new Map<string, string>();
  tenants.forEach((tenant, i) => {
    reportDuplicates(
      tenant.notifications.map((n) => n.name),
      (j) => ["tenants", i, "notifications", j, "name"],
      report,
    );
    checkChangesAlertNames(tenant.notifications, (j) => ["tenants", i, "notifications", j, "name"], report);
    tenant.notifications.forEach((n, j) => {
      const path = ["tenants", i, "notifications", j, "addressSecret"];
      const platform = platformKeys.get(n.addressSecret);
      const other = tenantKeys.get(n.addressSecret);
      if (platform !== undefined) {
        report(path, `${n.addressSecret} is the address of the platform's notification "${platform}" (flux.notifications): a tenant needs a webhook of its own`);
      } else if (other !== undefined && other !== tenant.name) {
        report(path, `${n.addressSecret} is tenant ${other}'s webhook: each tenant needs a webhook of its own`);
      } else {
        tenantKeys.set(n.addressSecret, tenant.name);
      }
    });
  });
}

/** `events: changes` adds an Alert `<name>-changes` in the same namespace: no other target may have that name. */
function checkChangesAlertNames(notifications: readonly { name: string; events: string }[], path: (j: number) => (string | number)[], report: Report): void {
  const names = new Set(notifications.map((n) => n.name));
  notifications.forEach((n, j) => {
    if (n.events === "changes" && names.has(`${n.name}-changes`)) {
      report(path(j), `"${n.name}" with events: changes gets a second Alert named "${n.name}-changes", which is also a notification's name here: rename one`);
    }
  });
}

function checkVault({ vault }: ParsedPlatform, report: Report): void {
  if (vault.recoveryThreshold > vault.recoveryShares) {
    report(["vault", "recoveryThreshold"], `must be <= recoveryShares (${vault.recoveryShares})`);
  }
  const problem = vaultVersionProblem(vault.version);
  if (problem) report(["vault", "version"], problem);
}

/**
 * With CI, the principal running Pulumi changes from run to run (a person once, then the preview
 * and deploy identities): a grant to "whoever runs Pulumi" would move on every switch and collide
 * with the deploy identity's own cluster-admin grant (Azure answers 409 to an identical
 * assignment). People get in through adminGroupObjectIds instead, so one group is required.
 */
function checkCi({ ci, cluster, environment }: ParsedPlatform, report: Report): void {
  if (!ci) return;
  if (cluster.deployerClusterAdmin === true) {
    report(["cluster", "deployerClusterAdmin"], "must be false with ci: the deploy identity gets cluster admin itself");
  }
  if (cluster.adminGroupObjectIds.length === 0) {
    report(["cluster", "adminGroupObjectIds"], "must name at least one group with ci: its members run the first deploy and reach the cluster");
  }
  // GitHub environment names are case-insensitive: one environment would gate both, and an
  // approved pull-request preview could then present the production deploy identity's subject.
  if (ci.previewEnvironment.toLowerCase() === ci.productionEnvironment.toLowerCase()) {
    report(["ci", "previewEnvironment"], `must differ from ci.productionEnvironment ("${ci.productionEnvironment}"): pull-request code must never run as the deploy identity`);
  }
  // The drift report's environment is drift-<environment> (CiIdentity, ciDriftEnvironment).
  const drift = `drift-${environment}`;
  if (ci.driftReport && [ci.productionEnvironment, ci.previewEnvironment].some((other) => other.toLowerCase() === drift.toLowerCase())) {
    report(["ci", "driftReport"], `the drift report's environment "${drift}" is also ci.productionEnvironment or ci.previewEnvironment: rename that environment, or set driftReport: false`);
  }
}

/**
 * A tenant's push identity is one managed identity with a federated credential per pusher: Azure
 * allows 20 per identity (learn.microsoft.com, "Workload identity federation considerations").
 * Pushers need the registry they push to.
 */
function checkRegistry({ registry, tenants, tags }: ParsedPlatform, report: Report): void {
  // Registries and their push identities carry one tag more: TENANT_TAG (components/platform.ts).
  const own = Object.keys(tags).filter((name) => !([...PLATFORM_TAG_NAMES, TENANT_TAG] as string[]).includes(name)).length;
  if (registry.enabled && own + PLATFORM_TAG_NAMES.length + 1 > AZURE_TAG_LIMITS.perResource) {
    report(["tags"], `${own} tags plus the ${PLATFORM_TAG_NAMES.length + 1} a tenant's registry carries (${PLATFORM_TAG_NAMES.join(", ")}, ${TENANT_TAG}) exceed Azure's ${AZURE_TAG_LIMITS.perResource} per resource`);
  }
  tenants.forEach((tenant, i) => {
    const push = tenant.registry.push;
    if (push.length === 0) return;
    const path = ["tenants", i, "registry", "push"];
    if (!registry.enabled) report(path, "needs registry.enabled: true (the tenant's registry to push to)");
    if (push.length > MAX_FEDERATED_CREDENTIALS) {
      report(path, `${push.length} pushers; one identity takes at most ${MAX_FEDERATED_CREDENTIALS} federated credentials (Azure's limit)`);
    }
    reportDuplicates(
      push.map((p) => `${p.repository} ${p.branch !== undefined ? `branch ${p.branch}` : `environment ${p.environment}`}`),
      (j) => [...path, j],
      report,
      "pusher",
    );
  });
}

/** Why a Vault image cannot auto-unseal through workload identity, or undefined when it can. */
export function vaultVersionProblem(version: string): string | undefined {
  const [major, minor, patch] = version.split(".").map(Number);
  if (major === 1 && (minor < 15 || (minor === 15 && patch < 5))) {
    return `${version} is too old: the Azure Key Vault seal supports workload identity from 1.15.5`;
  }
  if (version === "1.18.5") {
    return "1.18.5 broke workload identity for the Azure Key Vault seal (hashicorp/vault#29717); pick another version";
  }
  return undefined;
}

function checkProduction(config: ParsedPlatform, report: Report): void {
  const env = `environment "${config.environment}"`;
  if (!config.protect) report(["protect"], `must be true for ${env}`);
  if (!config.keyVault.purgeProtection) report(["keyVault", "purgeProtection"], `must be true for ${env}`);
  if (config.cluster.systemPool.minCount < 2) {
    report(["cluster", "systemPool", "minCount"], `must be >= 2 for ${env} (got ${config.cluster.systemPool.minCount})`);
  }
  if (config.cluster.upgradeChannel === "none") {
    report(["cluster", "upgradeChannel"], `must not be "none" for ${env}: unpatched clusters fall out of support`);
  }
  if (!config.cluster.privateCluster && config.cluster.authorizedIpRanges.length === 0) {
    report(["cluster", "authorizedIpRanges"], `must list who may reach the API server for ${env}, or set privateCluster: true`);
  }
  if (config.vault.enabled && config.vault.replicas < 3) {
    report(["vault", "replicas"], `must be >= 3 for ${env} (got ${config.vault.replicas}): raft needs a quorum`);
  }
}

/** Reports every repeat of a value at the repeat's own path. */
function reportDuplicates(values: string[], pathOf: (i: number) => Path, report: Report, what = "name"): void {
  const seen = new Map<string, number>();
  values.forEach((value, i) => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, i);
    else report(pathOf(i), `duplicate ${what} "${value}" (also at index ${first})`);
  });
}

/**
 * Audit and metrics: production keeps an audit trail of the cluster (kube-audit-admin or
 * kube-audit) and the Key Vault; alert receivers need the Prometheus alerts they would receive.
 */
function checkMonitoring(config: ParsedPlatform, report: Report): void {
  const monitoring = config.monitoring;
  if (isProduction(config.environment)) {
    const env = `environment "${config.environment}"`;
    if (!monitoring.enabled) report(["monitoring", "enabled"], `must be true for ${env}: production keeps an audit log of the cluster and the Key Vault`);
    else if (!monitoring.clusterLogCategories.some((c) => c === "kube-audit-admin" || c === "kube-audit")) {
      report(["monitoring", "clusterLogCategories"], `must include kube-audit-admin (or kube-audit) for ${env}: the cluster's audit log`);
    }
  }
  if (monitoring.alertActionGroupIds.length > 0 && !(monitoring.enabled && monitoring.prometheus)) {
    report(["monitoring", "alertActionGroupIds"], "the alerts come from managed Prometheus: needs monitoring.enabled and monitoring.prometheus");
  }
}

/**
 * Image automation pushes with the tenant's deploy key through its GitRepository: it needs the
 * tenant's Git source, the flux2 chart (the extension cannot lock the image controllers down), and
 * a push branch GitHub lets the key push to (a branch `create` protects requires reviewed pull
 * requests, which a deploy key cannot satisfy).
 */
/**
 * An object that authenticates as an account of its own namespace (a source with
 * `serviceAccountName`, image automation's `serviceAccounts`) needs the ObjectLevelWorkloadIdentity
 * gate on its controller, which the platform sets for source-controller and image-reflector-controller
 * only with Flux's lockdown (`flux.multitenancy`, install helm): without it the controller answers
 * ErrObjectLevelWorkloadIdentityNotEnabled (fluxcd/pkg auth/access_token.go) and the source never pulls.
 */
function checkObjectLevelIdentity({ flux, tenants }: ParsedPlatform, report: Report): void {
  if (flux.install === "helm" && flux.multitenancy) return;
  const why = "needs flux.install helm with flux.multitenancy: only then do source-controller and image-reflector-controller run with object-level workload identity";
  tenants.forEach((tenant, i) => {
    tenant.ociRepositories.forEach((s, j) => s.serviceAccountName && report(["tenants", i, "ociRepositories", j, "serviceAccountName"], why));
    tenant.buckets.forEach((s, j) => s.serviceAccountName && report(["tenants", i, "buckets", j, "serviceAccountName"], why));
    if (tenant.imageAutomation.enabled && tenant.imageAutomation.serviceAccounts.length > 0) report(["tenants", i, "imageAutomation", "serviceAccounts"], why);
  });
}

function checkImageAutomation({ flux, tenants }: ParsedPlatform, report: Report): void {
  tenants.forEach((tenant, i) => {
    const image = tenant.imageAutomation;
    const path = ["tenants", i, "imageAutomation"];
    if (!image.enabled) {
      if (image.serviceAccounts.length > 0) report([...path, "serviceAccounts"], "only with enabled: true (no image controllers run for this tenant)");
      return;
    }
    if (!tenant.git) report([...path, "enabled"], "needs tenants[].git: image automation pushes to the tenant's Git repository");
    if (flux.install === "aks-extension") report([...path, "enabled"], "needs flux.install helm: microsoft.flux cannot put the multi-tenancy lockdown on the image controllers");
    image.serviceAccounts.forEach((account, j) => {
      const identity = tenant.identities.find((id) => (id.serviceAccounts ?? [id.name]).includes(account));
      if (!identity) report([...path, "serviceAccounts", j], `"${account}" is no account of this tenant's identities (tenants[].identities)`);
      else if (!identity.roles.some((grant) => grant.role === "AcrPull")) report([...path, "serviceAccounts", j], `identity "${identity.name}" has no AcrPull on any registry: image-reflector-controller would scan as it in vain`);
    });
    if (tenant.git?.create && image.pushBranch === tenant.git.branch) {
      report(
        [...path, "pushBranch"],
        `must not be ${tenant.git.branch}: git.create protects that branch with reviewed pull requests, and GitHub refuses the deploy key's push; push to another branch and merge through a pull request`,
      );
    }
  });
}

/** Flagger's namespace is never a tenant's (tenants admit ingress from it); rules-namespaces.ts keeps it off the others. */
function checkFlagger({ flagger, tenants }: ParsedPlatform, report: Report): void {
  if (!flagger.enabled) return;
  if (tenants.some((t) => (t.namespace ?? t.name) === flagger.namespace)) {
    report(["flagger", "namespace"], `"${flagger.namespace}" is a tenant's namespace; Flagger needs its own`);
  }
}

/** Accounts the platform itself creates in every tenant namespace, or Kubernetes does. */
const RESERVED_SERVICE_ACCOUNTS = ["default", "flux-reconciler", "flux-decryption"];

type ParsedTenant = ParsedPlatform["tenants"][number];

/**
 * Tenant identities and the sources that use them (issue 14, items 2-4). Each identity gets its
 * roles only on a scope of the kind the role is for; a source with `provider: azure` names an
 * account whose identity can read what the source names; with `ci`, every outside scope lies in
 * the platform's resource group, the only scope where the CI deploy identity may assign roles.
 */
function checkTenantIdentities(config: ParsedPlatform, report: Report): void {
  // The platform's resource group (components/platform.ts names it so): CiIdentity's role
  // administration is scoped to it, so a deploy from CI cannot grant a role outside it.
  const platformGroup = `rg-gitops-${config.environment}`;
  const ownTags = Object.keys(config.tags).filter((name) => !(PLATFORM_TAG_NAMES as readonly string[]).includes(name)).length;
  config.tenants.forEach((tenant, i) => {
    const base = ["tenants", i];
    // The tenant's vault carries one tag more than every other resource: whose it is (TENANT_TAG).
    if (tenant.keyVault.enabled && ownTags + PLATFORM_TAG_NAMES.length + 1 > AZURE_TAG_LIMITS.perResource) {
      report([...base, "keyVault", "enabled"], `the tenant's vault carries ${ownTags} tags of yours, the platform's ${PLATFORM_TAG_NAMES.length} and ${TENANT_TAG}: more than Azure's ${AZURE_TAG_LIMITS.perResource}; drop a tag`);
    }
    reportDuplicates(
      tenant.identities.map((identity) => identity.name),
      (j) => [...base, "identities", j, "name"],
      report,
    );
    const accountOwner = new Map<string, string>();
    tenant.identities.forEach((identity, j) => {
      const path = [...base, "identities", j];
      const accounts = identity.serviceAccounts ?? [identity.name];
      accounts.forEach((account, k) => {
        const at = identity.serviceAccounts ? [...path, "serviceAccounts", k] : [...path, "name"];
        const owner = accountOwner.get(account);
        if (RESERVED_SERVICE_ACCOUNTS.includes(account)) report(at, `"${account}" is an account the platform or Kubernetes creates in every tenant namespace; pick another name`);
        else if (owner !== undefined) report(at, `service account "${account}" already acts as identity "${owner}": an account carries one identity's client id`);
        else accountOwner.set(account, identity.name);
      });
      const seen = new Set<string>();
      identity.roles.forEach((grant, k) => {
        const at = [...path, "roles", k];
        const kind = scopeKind(grant.scope);
        if (kind === undefined) return; // the shape already reported it
        if (TENANT_IDENTITY_ROLES[grant.role] !== kind) {
          report([...at, "role"], `${grant.role} goes on ${describeKind(TENANT_IDENTITY_ROLES[grant.role])}, not on ${describeKind(kind)}`);
        }
        const key = `${grant.role}|${grant.scope.toLowerCase()}`;
        if (seen.has(key)) report(at, `${grant.role} on this scope is already granted above`);
        seen.add(key);
        if (kind === "keyVault" && !tenant.keyVault.enabled) {
          report([...at, "scope"], `${OWN_KEY_VAULT_SCOPE} is the tenant's own Key Vault: set tenants[${i}].keyVault.enabled: true`);
        }
        if (grant.scope === OWN_REGISTRY_SCOPE && !config.registry.enabled) {
          report([...at, "scope"], `${OWN_REGISTRY_SCOPE} is the tenant's own container registry: set registry.enabled: true`);
        }
        const platformOwned = grant.scope === OWN_KEY_VAULT_SCOPE || grant.scope === OWN_REGISTRY_SCOPE;
        if (!platformOwned && config.ci && resourceGroupOf(grant.scope) !== platformGroup) {
          report(
            [...at, "scope"],
            `with ci, the CI deploy identity may assign roles only in the platform's resource group ${platformGroup}: put the ${kind === "registry" ? "registry" : "storage account"} there, or assign this role by hand and leave it out of config`,
          );
        }
      });
    });
    checkAzureSources(tenant, i, config.environment, report);
  });
}

function describeKind(kind: string): string {
  return kind === "keyVault" ? `the tenant's own Key Vault (${OWN_KEY_VAULT_SCOPE})` : kind === "registry" ? `a container registry (${OWN_REGISTRY_SCOPE}: the tenant's own)` : "a blob container";
}

/** The identity whose accounts include `account`, with its grants. */
function identityOf(tenant: ParsedTenant, account: string) {
  return tenant.identities.find((identity) => (identity.serviceAccounts ?? [identity.name]).includes(account));
}

/**
 * The login servers the tenant's own registry can have: its name is `acr<tenant><environment>`
 * plus a random suffix (containerRegistryName), known only once it exists (stack output
 * tenants.<name>.registry.loginServer).
 */
function ownRegistryLoginServer(tenant: string, environment: string): RegExp {
  const placeholder = "000000";
  const prefix = containerRegistryName(tenant, environment, placeholder).slice(0, -placeholder.length);
  return new RegExp(`^${prefix}[a-z0-9]{${placeholder.length}}\\.azurecr\\.io$`);
}

function checkAzureSources(tenant: ParsedTenant, i: number, environment: string, report: Report): void {
  tenant.ociRepositories.forEach((oci, j) => {
    const path = ["tenants", i, "ociRepositories", j];
    if (oci.provider !== "azure") {
      if (oci.serviceAccountName) report([...path, "serviceAccountName"], "only with provider azure");
      return;
    }
    if (!oci.serviceAccountName) {
      report([...path, "serviceAccountName"], "is required with provider azure: name an account of tenants[].identities with AcrPull on the registry");
      return;
    }
    const identity = identityOf(tenant, oci.serviceAccountName);
    if (!identity) {
      report([...path, "serviceAccountName"], `"${oci.serviceAccountName}" is no account of this tenant's identities`);
      return;
    }
    const host = /^oci:\/\/([^/]+)/.exec(oci.url)?.[1]?.toLowerCase();
    const ownServer = ownRegistryLoginServer(tenant.name, environment);
    const pulls = identity.roles.some(
      (grant) => grant.role === "AcrPull" && (grant.scope === OWN_REGISTRY_SCOPE ? ownServer.test(host ?? "") : registryLoginServer(grant.scope) === host),
    );
    if (!pulls) report([...path, "url"], `identity "${identity.name}" has no AcrPull on the registry ${host ?? oci.url} names (its login server is <registry name>.azurecr.io)`);
  });
  tenant.buckets.forEach((bucket, j) => {
    const path = ["tenants", i, "buckets", j];
    if (bucket.provider !== "azure") {
      if (bucket.serviceAccountName) report([...path, "serviceAccountName"], "only with provider azure");
      if (bucket.storageAccountId) report([...path, "storageAccountId"], "only with provider azure");
      return;
    }
    // Without an account, source-controller would look for flux-workload-identity, which does not exist.
    if (!bucket.serviceAccountName) {
      report([...path, "serviceAccountName"], "is required with provider azure: name an account of tenants[].identities with Storage Blob Data Reader on the container");
      return;
    }
    const account = bucket.storageAccountId ? STORAGE_ACCOUNT_ID.exec(bucket.storageAccountId)?.[1]?.toLowerCase() : undefined;
    if (!bucket.storageAccountId || account === undefined) {
      report([...path, "storageAccountId"], "must be a storage account id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>) with provider azure");
      return;
    }
    const endpoint = /^(?:https:\/\/)?([a-z0-9]+)\.blob\.core\.windows\.net\/?$/i.exec(bucket.endpoint)?.[1]?.toLowerCase();
    if (endpoint !== account) {
      report([...path, "endpoint"], `must be https://${account}.blob.core.windows.net, the account storageAccountId names`);
      return;
    }
    const identity = identityOf(tenant, bucket.serviceAccountName);
    if (!identity) {
      report([...path, "serviceAccountName"], `"${bucket.serviceAccountName}" is no account of this tenant's identities`);
      return;
    }
    const container = blobContainerScope(bucket.storageAccountId, bucket.bucketName).toLowerCase();
    const reads = identity.roles.some((grant) => grant.role === "Storage Blob Data Reader" && grant.scope.toLowerCase() === container);
    if (!reads) report([...path, "bucketName"], `identity "${identity.name}" has no Storage Blob Data Reader on ${blobContainerScope(bucket.storageAccountId, bucket.bucketName)}`);
  });
}
