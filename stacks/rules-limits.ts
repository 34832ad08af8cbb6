/**
 * Limits of the real services (Azure, AKS, Kubernetes, Vault, Flux, GitHub) that config would
 * otherwise reach only mid-deploy, and every check a component makes on user input, each at the
 * key path a user has to change (issue 25). docs/config-limits.md lists them.
 */
import { parseCidr, rangesOverlap, type Ipv4Range } from "./cidr";
import type { ParsedPlatform } from "./config-shape";
import { registryPusherProblem } from "../components/azure/container-registry-push";
import { scopeName, TENANT_TAG } from "../components/tenant/identities";
import { planRoleAssignments, serviceAccountCredentialName } from "../components/azure/workload-identity";
import type { BuiltInRole } from "../components/azure/roles";

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

/** Tags the platform puts on every Azure resource (components/platform.ts; stacks/rules.ts PLATFORM_TAG_NAMES). */
const PLATFORM_TAGS = ["environment", "managed-by", "project"] as const;

/** AKS refuses these for pod, service and VNet ranges (REFERENCE.md section 9; AKS "Configure Azure CNI"). */
export const AKS_RESERVED_RANGES = ["169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"] as const;

/** The API server's largest IPv4 service range: 20 host bits (kube-apiserver refuses a larger --service-cluster-ip-range). */
export const MAX_SERVICE_RANGE_PREFIX = 12;

/** Azure's smallest subnet, and the addresses it keeps in every subnet (first four and the last). */
export const SMALLEST_SUBNET_PREFIX = 29;
export const AZURE_RESERVED_SUBNET_ADDRESSES = 5;

/** AKS's limit on API server authorized IP ranges. */
export const MAX_AUTHORIZED_IP_RANGES = 200;

/** User-assigned identity names: 3-128 characters. */
export const IDENTITY_NAME_MAX = 128;
/** What Pulumi appends to an auto-named resource (`<logical name><7 random characters>`). */
const AUTONAME_SUFFIX = 7;
/** The platform component's name (index.ts) and the prefix of a tenant's identities (components/platform.ts). */
const tenantIdentityName = (tenant: string, identity: string) => `platform-${tenant}-azure-${identity}`;

/**
 * Mount paths Vault keeps for itself (vault/mount.go, protectedMounts and the system mounts):
 * enabling a secrets engine there fails.
 */
export const VAULT_RESERVED_MOUNTS = ["sys", "cubbyhole", "identity", "auth", "audit", "token"] as const;

/**
 * The smallest daily cap a Log Analytics workspace takes (workspaceCapping.dailyQuotaGb; the portal
 * and ARM refuse less than 0.023 GB; -1, "no cap", is what leaving dailyCapGb unset means).
 */
export const LOG_ANALYTICS_MIN_DAILY_CAP_GB = 0.023;

const ARM_SUBSCRIPTION = /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/|$)/i;

export function checkServiceLimits(config: ParsedPlatform, report: Report): void {
  checkTagNames(config, report);
  checkCiSubscription(config, report);
  checkIdentityLogicalNames(config, report);
  config.monitoring.alertActionGroupIds.forEach((id, i) => {
    const problem = armIdProblem(id);
    if (problem) report(["monitoring", "alertActionGroupIds", i], problem);
  });
  if (config.monitoring.dailyCapGb !== undefined && config.monitoring.dailyCapGb < LOG_ANALYTICS_MIN_DAILY_CAP_GB) {
    report(["monitoring", "dailyCapGb"], `${config.monitoring.dailyCapGb} GB is below the smallest daily cap Log Analytics takes (${LOG_ANALYTICS_MIN_DAILY_CAP_GB} GB); leave it unset for no cap`);
  }
  checkAksRanges(config, report);
  checkNodeSubnet(config, report);
  if (config.cluster.authorizedIpRanges.length > MAX_AUTHORIZED_IP_RANGES) {
    report(["cluster", "authorizedIpRanges"], `${config.cluster.authorizedIpRanges.length} ranges; AKS takes at most ${MAX_AUTHORIZED_IP_RANGES}: merge ranges`);
  }
  if ((VAULT_RESERVED_MOUNTS as readonly string[]).includes(config.vault.kvMount)) {
    report(["vault", "kvMount"], `"${config.vault.kvMount}" is a path Vault reserves (${VAULT_RESERVED_MOUNTS.join(", ")}); pick another mount such as secret`);
  }
  reportRepeatedIds(config.cluster.adminGroupObjectIds, ["cluster", "adminGroupObjectIds"], report);
  config.tenants.forEach((tenant, i) => {
    reportRepeatedIds(tenant.groups.admins, ["tenants", i, "groups", "admins"], report);
    reportRepeatedIds(tenant.groups.viewers, ["tenants", i, "groups", "viewers"], report);
    tenant.vault.roles.forEach((role, j) =>
      role.serviceAccounts.forEach((account, k) => {
        if (account === "default") {
          report(["tenants", i, "vault", "roles", j, "serviceAccounts", k], `"default" is the account of every pod that names none: each of them could log in to this role; give the application its own service account`);
        }
      }),
    );
    tenant.identities.forEach((identity, j) => {
      const length = tenantIdentityName(tenant.name, identity.name).length + AUTONAME_SUFFIX;
      if (length > IDENTITY_NAME_MAX) {
        report(
          ["tenants", i, "identities", j, "name"],
          `the managed identity's Azure name ${tenantIdentityName(tenant.name, identity.name)}<7 characters> would be ${length} characters; Azure allows at most ${IDENTITY_NAME_MAX}: shorten the tenant or identity name`,
        );
      }
      identity.roles.forEach((grant, k) => {
        const problem = armIdProblem(grant.scope);
        if (problem) report(["tenants", i, "identities", j, "roles", k, "scope"], problem);
      });
    });
    tenant.buckets.forEach((bucket, j) => {
      const problem = armIdProblem(bucket.storageAccountId ?? "");
      if (problem) report(["tenants", i, "buckets", j, "storageAccountId"], problem);
      // provider azure has its own rule (https://<account>.blob.core.windows.net, stacks/rules.ts),
      // the form Flux's Azure Bucket docs use.
      if (bucket.provider !== "azure" && !isHostPort(bucket.endpoint)) {
        report(["tenants", i, "buckets", j, "endpoint"], `must be host[:port] (e.g. acme.blob.core.windows.net or minio.example.com:9000), without a scheme or path, got "${bucket.endpoint}"`);
      }
    });
    checkPushers(tenant.registry.push, ["tenants", i, "registry", "push"], report);
  });
}

/**
 * Azure compares tag names case-insensitively: two names that differ only by case, or one that
 * differs from a tag the platform adds only by case, are one tag and the deployment fails. An
 * empty name is refused.
 */
function checkTagNames(config: ParsedPlatform, report: Report): void {
  const taken = new Map<string, string>([...PLATFORM_TAGS, TENANT_TAG].map((name) => [name.toLowerCase(), `the platform's tag "${name}"`]));
  for (const name of Object.keys(config.tags)) {
    if (name.trim() === "") {
      report(["tags"], "a tag name is empty (or blank); Azure refuses it");
      continue;
    }
    const lower = name.toLowerCase();
    const other = taken.get(lower);
    // Setting a platform tag under its own spelling is an override the platform merges.
    if (other !== undefined && !(PLATFORM_TAGS as readonly string[]).includes(name)) {
      report(["tags", name], `Azure compares tag names case-insensitively: "${name}" is the same tag as ${other}`);
    }
    if (other === undefined) taken.set(lower, `"${name}"`);
  }
}

/** Pod, service and VNet ranges outside what AKS reserves; the service range no larger than Kubernetes allows. */
function checkAksRanges({ cluster }: ParsedPlatform, report: Report): void {
  const network = cluster.network;
  const ranges: [Path, string | undefined][] = [
    [["cluster", "network", "podCidr"], network.podCidr],
    [["cluster", "network", "serviceCidr"], network.serviceCidr],
    [["cluster", "network", "vnet", "addressSpace"], network.vnet?.addressSpace],
  ];
  for (const [path, text] of ranges) {
    const range = text === undefined ? undefined : parseCidr(text);
    if (!range) continue;
    const reserved = AKS_RESERVED_RANGES.find((block) => rangesOverlap(range, parseCidr(block)!));
    if (reserved) report(path, `${text} overlaps ${reserved}, which AKS reserves (${AKS_RESERVED_RANGES.join(", ")})`);
  }
  const services = parseCidr(network.serviceCidr);
  if (services && services.prefix < MAX_SERVICE_RANGE_PREFIX) {
    report(["cluster", "network", "serviceCidr"], `/${services.prefix} is larger than Kubernetes allows for services (at most /${MAX_SERVICE_RANGE_PREFIX}, 2^20 addresses)`);
  }
}

/** AKS's default surge on upgrade: 10% of a pool's nodes, at least one. */
const surge = (maxCount: number) => Math.max(1, Math.ceil(maxCount / 10));

/** The node subnet holds every pool at its max count plus upgrade surge (overlay CNI: pods take no subnet addresses). */
function checkNodeSubnet({ cluster }: ParsedPlatform, report: Report): void {
  const subnet: Ipv4Range | undefined = cluster.network.vnet ? parseCidr(cluster.network.vnet.nodeSubnet) : undefined;
  if (!subnet) return;
  const path = ["cluster", "network", "vnet", "nodeSubnet"];
  if (subnet.prefix > SMALLEST_SUBNET_PREFIX) {
    report(path, `/${subnet.prefix} is smaller than Azure's smallest subnet (/${SMALLEST_SUBNET_PREFIX})`);
    return;
  }
  const pools = [cluster.systemPool, ...cluster.userPools];
  const needed = pools.reduce((sum, pool) => sum + pool.maxCount + surge(pool.maxCount), 0);
  const usable = 2 ** (32 - subnet.prefix) - AZURE_RESERVED_SUBNET_ADDRESSES;
  if (needed > usable) {
    report(path, `holds ${usable} nodes (Azure keeps ${AZURE_RESERVED_SUBNET_ADDRESSES} addresses), but the pools' maxCount plus upgrade surge need ${needed}: use a larger subnet or lower maxCount`);
  }
}

/** ARM refuses an id with an empty, "." or ".." segment, or a subscription that is no GUID. */
export function armIdProblem(id: string): string | undefined {
  if (!id.startsWith("/")) return undefined;
  const segments = id.slice(1).split("/");
  const bad = segments.find((segment) => segment === "" || segment === "." || segment === "..");
  if (bad !== undefined) return `"${id}" has a segment "${bad}", which is no ARM resource id`;
  if (segments[0].toLowerCase() === "subscriptions" && !ARM_SUBSCRIPTION.test(id)) return `"${id}": the subscription "${segments[1]}" is no subscription id (a GUID)`;
  return undefined;
}

/**
 * With ci, the CI deploy identity administers roles in the platform's resource group only, and
 * that group lies in the one subscription the stack deploys to: scopes that name the group in
 * two subscriptions cannot all be it (a group of that name in another subscription is outside
 * the identity's reach, and ARM answers 403 mid-deploy). The platform's subscription is not in
 * config (it is the provider's), so the one most ids name is taken as it; every other is
 * refused at its key path.
 */
function checkCiSubscription(config: ParsedPlatform, report: Report): void {
  if (!config.ci) return;
  const group = `rg-gitops-${config.environment}`;
  const ids: [Path, string][] = [];
  config.tenants.forEach((tenant, i) => {
    tenant.identities.forEach((identity, j) => identity.roles.forEach((grant, k) => ids.push([["tenants", i, "identities", j, "roles", k, "scope"], grant.scope])));
    tenant.buckets.forEach((bucket, j) => {
      if (bucket.storageAccountId !== undefined) ids.push([["tenants", i, "buckets", j, "storageAccountId"], bucket.storageAccountId]);
    });
  });
  const named: { path: Path; subscription: string; spelled: string }[] = [];
  for (const [path, id] of ids) {
    const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)(\/|$)/i.exec(id);
    if (match && match[2].toLowerCase() === group) named.push({ path, subscription: match[1].toLowerCase(), spelled: match[1] });
  }
  // The subscription most ids name is taken as the platform's (the first of equals): the odd one out is the mistake.
  const count = (subscription: string) => named.filter((n) => n.subscription === subscription).length;
  const platform = named.reduce<(typeof named)[number] | undefined>((best, n) => (best === undefined || count(n.subscription) > count(best.subscription) ? n : best), undefined);
  for (const n of named) {
    if (platform && n.subscription !== platform.subscription) {
      report(n.path, `names ${group} in subscription ${n.spelled}, but ${formatPath(platform.path)} names it in ${platform.subscription}: the platform's resource group lies in one subscription, and the CI deploy identity may assign roles in no other`);
    }
  }
}

const formatPath = (path: Path) => path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");

/**
 * A generic, aws or gcp Bucket's endpoint: a host name or IPv4 address and an optional port, nothing
 * else; source-controller hands it to the minio client, which takes no scheme or path (`insecure`
 * chooses http).
 */
function isHostPort(endpoint: string): boolean {
  const match = /^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(:(\d{1,5}))?$/.exec(endpoint);
  return match !== null && match[1].length <= 253 && (match[6] === undefined || (Number(match[6]) >= 1 && Number(match[6]) <= 65535));
}

/**
 * A registry pusher: the component's own check (registryPusherProblem), so no pusher that
 * validation accepts makes the component throw; and GitHub repository names compare
 * case-insensitively, so two spellings of one repository are one pusher.
 */
function checkPushers(pushers: readonly { repository: string; branch?: string; environment?: string }[], path: Path, report: Report): void {
  const seen = new Map<string, number>();
  pushers.forEach((pusher, j) => {
    const problem = registryPusherProblem(pusher);
    // The schema already says "name exactly one of branch or environment", with the why.
    if (problem && !problem.startsWith("name exactly one")) report([...path, j, ...pusherField(pusher, problem)], problem);
    const key = `${pusher.repository.toLowerCase()} ${pusher.branch !== undefined ? `branch ${pusher.branch}` : `environment ${pusher.environment}`}`;
    const first = seen.get(key);
    if (first !== undefined && pushers[first].repository !== pusher.repository) {
      report([...path, j, "repository"], `GitHub repository names compare case-insensitively: "${pusher.repository}" is the repository of push[${first}] ("${pushers[first].repository}")`);
    }
    if (first === undefined) seen.set(key, j);
  });
}

/** The field of a pusher a problem of registryPusherProblem is about (none: the pusher as a whole). */
function pusherField(pusher: { branch?: string; environment?: string }, problem: string): string[] {
  if (problem.startsWith("repository")) return ["repository"];
  return [pusher.branch !== undefined ? "branch" : "environment"];
}

/**
 * Entra object ids are GUIDs, which compare case-insensitively: one group twice (in any case) is
 * one principal granted one role twice, which the components refuse (and ARM answers 409).
 */
function reportRepeatedIds(ids: readonly string[], path: Path, report: Report): void {
  const first = new Map<string, number>();
  ids.forEach((id, i) => {
    const seen = first.get(id.toLowerCase());
    if (seen !== undefined) report([...path, i], `${id} is the group at index ${seen} again (object ids compare case-insensitively)`);
    else first.set(id.toLowerCase(), i);
  });
}

/**
 * The logical names of a tenant identity and its children join config names with '-'
 * (`platform-<tenant>-azure-<identity>`, then `-<namespace>-<account>` for its service accounts,
 * `-<credential>` for its credentials, `-<role>-<scope>` for its grants), and config names hold
 * '-' themselves: tenant `a` with identity `azure-x` and tenant `a-azure` with identity `x`, or
 * identity `i` with account `web-x` and identity `i-web` with account `x`, give one URN twice,
 * which the engine refuses ("Duplicate resource URN"). Renaming would replace existing
 * identities (new client ids), so the collision is a config error at the second one's key path.
 */
function checkIdentityLogicalNames(config: ParsedPlatform, report: Report): void {
  const owner = new Map<string, { tenant: number; identity: number }>();
  config.tenants.forEach((tenant, i) => {
    const namespace = tenant.namespace ?? tenant.name;
    tenant.identities.forEach((identity, j) => {
      const base = tenantIdentityName(tenant.name, identity.name);
      const accounts = identity.serviceAccounts ?? [identity.name];
      const names = [
        base,
        ...accounts.flatMap((account) => [`${base}-${namespace}-${account}`, `${base}-${serviceAccountCredentialName({ namespace, name: account })}`]),
        ...assignmentNames(base, identity.roles),
      ];
      const clash = names.map((name) => ({ name, first: owner.get(name) })).find(({ first }) => first !== undefined && (first.tenant !== i || first.identity !== j));
      if (clash?.first) {
        report(
          ["tenants", i, "identities", j, "name"],
          `gives the logical name ${clash.name}, which tenants[${clash.first.tenant}].identities[${clash.first.identity}] already gives (names joined with '-' read alike): rename this identity or its accounts`,
        );
        return;
      }
      for (const name of names) owner.set(name, { tenant: i, identity: j });
    });
  });
}

function assignmentNames(identity: string, roles: readonly { role: string; scope: string }[]): string[] {
  try {
    return planRoleAssignments(identity, roles.map((grant) => ({ role: grant.role as BuiltInRole, scope: grant.scope, scopeName: scopeName(grant.scope) }))).map((a) => a.name);
  } catch {
    return []; // a grant repeated: the duplicate-grant rule reports it
  }
}
