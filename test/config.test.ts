/** Every stack config rule, tripped on purpose, with the message a user sees. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePlatformConfig } from "../stacks/parse";
import { pinTestDay } from "./helpers";

pinTestDay();

function problems(raw: unknown, stack = "dev"): string[] {
  const result = parsePlatformConfig(raw, stack);
  assert.equal(result.ok, false, "expected the config to be rejected");
  return result.ok ? [] : result.problems;
}

function expectProblem(raw: unknown, expected: string, stack = "dev"): void {
  const found = problems(raw, stack);
  assert.ok(found.includes(expected), `expected\n  ${expected}\namong\n  ${found.join("\n  ")}`);
}

function parse(raw: unknown, stack = "dev") {
  const result = parsePlatformConfig(raw, stack);
  assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
  return result.config;
}

const prodBase = { environment: "prod" };

test("a dev default is small and cheap; a prod default is zonal, HA and protected", () => {
  const dev = parse({});
  assert.equal(dev.environment, "dev", "the stack name is the environment");
  assert.equal(dev.protect, false);
  assert.equal(dev.cluster.skuTier, "Free");
  assert.deepEqual(dev.cluster.systemPool, { name: "system", vmSize: "Standard_D2s_v5", minCount: 1, maxCount: 3, zones: [] });
  assert.equal(dev.keyVault.purgeProtection, false);
  assert.equal(dev.vault.replicas, 1);
  assert.equal(dev.cluster.maintenanceWindow, undefined);

  const prod = parse({ cluster: { authorizedIpRanges: ["203.0.113.0/24"] } }, "prod");
  assert.equal(prod.protect, true);
  assert.equal(prod.cluster.skuTier, "Standard");
  assert.deepEqual(prod.cluster.systemPool.zones, ["1", "2", "3"]);
  assert.equal(prod.cluster.systemPool.minCount, 3);
  assert.equal(prod.keyVault.purgeProtection, true);
  assert.equal(prod.keyVault.networkDefaultAction, "Deny");
  assert.equal(prod.vault.replicas, 3);
  assert.equal(prod.cluster.upgradeChannel, "stable");
  assert.deepEqual(prod.cluster.maintenanceWindow, { dayOfWeek: "Sunday", startHour: 2, durationHours: 4, utcOffset: "+00:00" });
  assert.equal(parse({ cluster: { privateCluster: true, maintenanceWindow: null } }, "prod").cluster.maintenanceWindow, undefined);
});

test("defaults are filled for tenants, with namespace and repository owner derived", () => {
  const config = parse({ github: { owner: "acme" }, tenants: [{ name: "web", git: { repository: "web-config" } }] });
  const [web] = config.tenants;
  assert.equal(web.namespace, "web");
  assert.deepEqual(web.git, { repository: "acme/web-config", branch: "main", path: "./envs/dev", interval: "5m", create: false });
  assert.deepEqual(web.quota, { cpu: "4", memory: "8Gi", pods: 50, persistentVolumeClaims: 10, storage: "100Gi" });
  assert.deepEqual(web.groups, { admins: [], viewers: [] });
});

test("unknown keys are rejected with a suggestion", () => {
  expectProblem({ cluster: { systemPool: { minCout: 2 } } }, 'gitops-platform:platform.cluster.systemPool.minCout: unknown key (did you mean "minCount"?)');
  expectProblem({ tenant: [] }, 'gitops-platform:platform.tenant: unknown key (did you mean "tenants"?)');
  expectProblem({ tenants: [{ name: "web", quota: { cpus: "1" } }] }, 'gitops-platform:platform.tenants[0].quota.cpus: unknown key (did you mean "cpu"?)');
});

test("names are DNS-1123 labels", () => {
  expectProblem({ environment: "Dev_1" }, "gitops-platform:platform.environment: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 chars)");
  expectProblem({ tenants: [{ name: "Web" }] }, "gitops-platform:platform.tenants[0].name: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 chars)");
  expectProblem({ tenants: [{ name: "web", namespace: "-web" }] }, "gitops-platform:platform.tenants[0].namespace: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 chars)");
  expectProblem({}, 'gitops-platform:platform.environment: is not set, and the stack name "My Stack" is not a DNS-1123 label to use instead', "My Stack");
});

test("tenant names and namespaces are unique and never a system namespace", () => {
  expectProblem({ tenants: [{ name: "web" }, { name: "web" }] }, 'gitops-platform:platform.tenants[1].name: duplicate name "web" (also at index 0)');
  expectProblem({ tenants: [{ name: "web" }, { name: "api", namespace: "web" }] }, 'gitops-platform:platform.tenants[1].namespace: duplicate namespace "web" (also at index 0)');
  for (const reserved of ["default", "kube-system", "kube-anything", "flux-system", "vault"]) {
    const found = problems({ tenants: [{ name: "t", namespace: reserved }] }, "dev");
    const line = new RegExp(`^gitops-platform:platform\\.tenants\\[0\\]\\.namespace: "${reserved}" is a system namespace \\(.+\\); tenants need their own$`);
    assert.ok(found.some((p) => line.test(p)), `${reserved}: ${found.join("\n")}`);
  }
});

test("pool sizes: maxCount >= minCount, counts are positive integers", () => {
  expectProblem({ cluster: { systemPool: { minCount: 3, maxCount: 2 } } }, "gitops-platform:platform.cluster.systemPool.maxCount: must be >= minCount (3)");
  expectProblem({ cluster: { userPools: [{ name: "apps", minCount: 5, maxCount: 1 }] } }, "gitops-platform:platform.cluster.userPools[0].maxCount: must be >= minCount (5)");
  expectProblem({ cluster: { systemPool: { minCount: 0 } } }, "gitops-platform:platform.cluster.systemPool.minCount: must be >= 1");
  expectProblem({ cluster: { systemPool: { minCount: 1.5 } } }, "gitops-platform:platform.cluster.systemPool.minCount: must be an integer, got number");
  expectProblem({ cluster: { userPools: [{ name: "apps" }, { name: "apps" }] } }, 'gitops-platform:platform.cluster.userPools[1].name: duplicate name "apps" (also at index 0)');
  expectProblem({ cluster: { userPools: [{ name: "Apps-1" }] } }, "gitops-platform:platform.cluster.userPools[0].name: must be 1-12 lowercase letters or digits, starting with a letter");
});

test("CIDRs parse, pod and service ranges do not overlap, the DNS address is inside the service range", () => {
  expectProblem({ cluster: { network: { podCidr: "10.244.0.0/33" } } }, "gitops-platform:platform.cluster.network.podCidr: must be an IPv4 network in CIDR form such as 10.0.0.0/16");
  expectProblem({ cluster: { network: { serviceCidr: "10.0.0.1/16" } } }, "gitops-platform:platform.cluster.network.serviceCidr: must be an IPv4 network in CIDR form such as 10.0.0.0/16");
  expectProblem({ cluster: { network: { podCidr: "10.0.0.0/8" } } }, "gitops-platform:platform.cluster.network.serviceCidr: must not overlap podCidr (10.0.0.0/8)");
  expectProblem({ cluster: { network: { dnsServiceIp: "10.1.0.10" } } }, "gitops-platform:platform.cluster.network.dnsServiceIp: must be an address inside serviceCidr (10.0.0.0/16) other than its first");
  expectProblem({ cluster: { network: { dnsServiceIp: "10.0.0.0" } } }, "gitops-platform:platform.cluster.network.dnsServiceIp: must be an address inside serviceCidr (10.0.0.0/16) other than its first");
  expectProblem({ cluster: { authorizedIpRanges: ["300.1.1.1"] } }, "gitops-platform:platform.cluster.authorizedIpRanges[0]: must be an IPv4 address or CIDR range such as 203.0.113.0/24");
  expectProblem({ keyVault: { allowedIpRanges: ["nope"] } }, "gitops-platform:platform.keyVault.allowedIpRanges[0]: must be an IPv4 address or CIDR range such as 203.0.113.0/24");
  expectProblem({ cluster: { privateCluster: true, authorizedIpRanges: ["203.0.113.0/24"] } }, "gitops-platform:platform.cluster.authorizedIpRanges: must be empty for a private cluster (AKS does not combine the two)");
  expectProblem({ cluster: { network: { plugin: "kubenet" } } }, 'gitops-platform:platform.cluster.network.policy: cilium needs plugin "azure" (Azure CNI powered by Cilium), not "kubenet"');
});

test("UUIDs are UUIDs", () => {
  const message = "must be a UUID (an Entra object id such as 00000000-0000-0000-0000-000000000000)";
  expectProblem({ cluster: { adminGroupObjectIds: ["platform-admins"] } }, `gitops-platform:platform.cluster.adminGroupObjectIds[0]: ${message}`);
  expectProblem({ tenants: [{ name: "web", groups: { viewers: ["x"] } }] }, `gitops-platform:platform.tenants[0].groups.viewers[0]: ${message}`);
});

test("Vault: recoveryThreshold <= recoveryShares and an image that can auto-unseal with workload identity", () => {
  expectProblem({ vault: { recoveryShares: 3, recoveryThreshold: 4 } }, "gitops-platform:platform.vault.recoveryThreshold: must be <= recoveryShares (3)");
  expectProblem({ vault: { version: "1.15.4" } }, "gitops-platform:platform.vault.version: 1.15.4 is too old: the Azure Key Vault seal supports workload identity from 1.15.5");
  expectProblem({ vault: { version: "1.18.5" } }, "gitops-platform:platform.vault.version: 1.18.5 broke workload identity for the Azure Key Vault seal (hashicorp/vault#29717); pick another version");
  expectProblem({ vault: { version: "latest" } }, "gitops-platform:platform.vault.version: must be a version such as 1.2.3");
  assert.equal(parse({ vault: { version: "1.15.5" } }).vault.version, "1.15.5");
});

test("prod demands protection, purge protection, 2+ system nodes, 3 Vault replicas and an upgrade channel", () => {
  const env = 'environment "prod"';
  expectProblem({ ...prodBase, protect: false }, `gitops-platform:platform.protect: must be true for ${env}`, "prod");
  expectProblem({ ...prodBase, keyVault: { purgeProtection: false } }, `gitops-platform:platform.keyVault.purgeProtection: must be true for ${env}`, "prod");
  expectProblem({ ...prodBase, cluster: { systemPool: { minCount: 1 } } }, `gitops-platform:platform.cluster.systemPool.minCount: must be >= 2 for ${env} (got 1)`, "prod");
  expectProblem({ ...prodBase, vault: { replicas: 1 } }, `gitops-platform:platform.vault.replicas: must be >= 3 for ${env} (got 1): raft needs a quorum`, "prod");
  expectProblem({ ...prodBase, cluster: { upgradeChannel: "none" } }, `gitops-platform:platform.cluster.upgradeChannel: must not be "none" for ${env}: unpatched clusters fall out of support`, "prod");
  // A dev stack may do all of these.
  parse({ protect: false, keyVault: { purgeProtection: false }, cluster: { upgradeChannel: "none", systemPool: { minCount: 1 } }, vault: { replicas: 1 } });
});

test("wrong types and enum values name the key and what is expected", () => {
  expectProblem({ location: 3 }, "gitops-platform:platform.location: must be a string, got number");
  expectProblem({ protect: "yes" }, "gitops-platform:platform.protect: must be a boolean, got string");
  expectProblem({ cluster: { skuTier: "Gold" } }, 'gitops-platform:platform.cluster.skuTier: must be one of "Free", "Standard", "Premium"');
  expectProblem({ flux: { install: "kubectl" } }, 'gitops-platform:platform.flux.install: must be one of "helm", "aks-extension"');
  expectProblem({ tenants: [{}] }, "gitops-platform:platform.tenants[0].name: is required (string)");
  expectProblem({ tenants: "web" }, "gitops-platform:platform.tenants: must be an array, got string");
  expectProblem(undefined, "gitops-platform:platform: is not set: add it to Pulumi.dev.yaml");
  expectProblem([1], "gitops-platform:platform: must be an object of config sections (environment, cluster, ...)");
});

test("git sources need an owner, and create: true only under github.owner", () => {
  expectProblem({ tenants: [{ name: "web", git: { repository: "web-config" } }] }, 'gitops-platform:platform.tenants[0].git.repository: "web-config" has no owner: write owner/name or set github.owner');
  expectProblem(
    { github: { owner: "acme" }, tenants: [{ name: "web", git: { repository: "other/web-config", create: true } }] },
    "gitops-platform:platform.tenants[0].git.repository: create: true makes repositories under github.owner (acme), not other",
  );
  expectProblem({ tenants: [{ name: "web", git: { repository: "a/b", path: "envs/dev" } }] }, "gitops-platform:platform.tenants[0].git.path: must be a path in the repository starting with ./");
  expectProblem({ tenants: [{ name: "web", git: { repository: "a/b", interval: "5 minutes" } }] }, "gitops-platform:platform.tenants[0].git.interval: must be a duration such as 1m, 10m or 1h");
  expectProblem({ tenants: [{ name: "web", ociRepositories: [{ name: "app", url: "oci://acr.azurecr.io/app" }] }] }, "gitops-platform:platform.tenants[0].ociRepositories[0]: needs exactly one of tag or semver");
});

test("notifications: unique names, a secret key name, known types", () => {
  const slack = { name: "slack", type: "slack", addressSecret: "slackWebhookUrl" };
  expectProblem({ flux: { notifications: [slack, slack] } }, 'gitops-platform:platform.flux.notifications[1].name: duplicate name "slack" (also at index 0)');
  expectProblem({ flux: { notifications: [{ ...slack, type: "email" }] } }, 'gitops-platform:platform.flux.notifications[0].type: must be one of "slack", "msteams", "generic"');
  expectProblem(
    { flux: { notifications: [{ ...slack, addressSecret: "https://hooks.slack.com/x" }] } },
    "gitops-platform:platform.flux.notifications[0].addressSecret: must be the name of a config key in this project (set it with pulumi config set --secret <name>)",
  );
});

test("tenant notifications: a webhook of the tenant's own, unique names, a secret key name", () => {
  const own = (addressSecret: string, name = "alerts") => ({ name, type: "slack", addressSecret });
  const P = "gitops-platform:platform";
  expectProblem(
    { flux: { notifications: [own("slackWebhookUrl", "platform")] }, tenants: [{ name: "web", notifications: [own("slackWebhookUrl")] }] },
    `${P}.tenants[0].notifications[0].addressSecret: slackWebhookUrl is the address of the platform's notification "platform" (flux.notifications): a tenant needs a webhook of its own`,
  );
  expectProblem(
    { tenants: [{ name: "web", notifications: [own("webHook")] }, { name: "api", notifications: [own("webHook")] }] },
    `${P}.tenants[1].notifications[0].addressSecret: webHook is tenant web's webhook: each tenant needs a webhook of its own`,
  );
  expectProblem({ tenants: [{ name: "web", notifications: [own("a"), own("b")] }] }, `${P}.tenants[0].notifications[1].name: duplicate name "alerts" (also at index 0)`);
  expectProblem(
    { tenants: [{ name: "web", notifications: [own("https://hooks.slack.com/x")] }] },
    `${P}.tenants[0].notifications[0].addressSecret: must be the name of a config key in this project (set it with pulumi config set --secret <name>)`,
  );
  expectProblem({ tenants: [{ name: "web", notifications: [{ ...own("k"), type: "email" }] }] }, `${P}.tenants[0].notifications[0].type: must be one of "slack", "msteams", "generic"`);
  // The same key twice in one tenant is that tenant's own webhook; no notifications at all is the default.
  const config = parse({ tenants: [{ name: "web", notifications: [own("webHook", "a"), own("webHook", "b")] }, { name: "api" }] });
  assert.deepEqual(config.tenants[1].notifications, []);
});

test("notification events: the platform's channel reports changes by default, a tenant's only errors unless it asks", () => {
  const P = "gitops-platform:platform";
  const platform = { name: "ops", type: "slack", addressSecret: "slackWebhookUrl" };
  const own = { name: "alerts", type: "slack", addressSecret: "webHook" };
  const config = parse({ flux: { notifications: [platform] }, tenants: [{ name: "web", notifications: [own, { ...own, name: "loud", events: "changes" }] }] });
  assert.equal(config.flux.notifications[0].events, "changes");
  assert.deepEqual(config.tenants[0].notifications.map((n) => n.events), ["errors", "changes"]);
  assert.equal(parse({ flux: { notifications: [{ ...platform, events: "errors" }] } }).flux.notifications[0].events, "errors");
  expectProblem({ flux: { notifications: [{ ...platform, events: "all" }] } }, `${P}.flux.notifications[0].events: must be one of "errors", "changes"`);
  expectProblem(
    { tenants: [{ name: "web", notifications: [{ ...own, events: "changes" }, { ...own, name: "alerts-changes" }] }] },
    `${P}.tenants[0].notifications[0].name: "alerts" with events: changes gets a second Alert named "alerts-changes", which is also a notification's name here: rename one`,
  );
});

test("tenant Helm releases: drift detection on by default, warn or disabled on request", () => {
  const release = { name: "app", repository: "https://charts.example.com", chart: "app", version: "1.0.0" };
  assert.equal(parse({ tenants: [{ name: "web", helmReleases: [release] }] }).tenants[0].helmReleases[0].driftDetection, "enabled");
  assert.equal(parse({ tenants: [{ name: "web", helmReleases: [{ ...release, driftDetection: "warn" }] }] }).tenants[0].helmReleases[0].driftDetection, "warn");
  expectProblem(
    { tenants: [{ name: "web", helmReleases: [{ ...release, driftDetection: "on" }] }] },
    'gitops-platform:platform.tenants[0].helmReleases[0].driftDetection: must be one of "enabled", "warn", "disabled"',
  );
});

test("tenant Vault roles: named service accounts, paths inside the tenant's subtree, namespace-wide only on request", () => {
  const P = "gitops-platform:platform";
  const role = { name: "api", serviceAccounts: ["api"], paths: ["api/*"] };
  const withRole = (r: object) => ({ tenants: [{ name: "web", vault: { roles: [{ ...role, ...r }] } }] });
  const PATH = "must be a path inside the tenant's KV subtree such as app/db or app/* (segments of letters, digits, '.', '_', '-'; no '..'; '*' only at the end)";
  expectProblem(withRole({ paths: ["../api/*"] }), `${P}.tenants[0].vault.roles[0].paths[0]: ${PATH}`);
  expectProblem(withRole({ paths: ["api/../../other"] }), `${P}.tenants[0].vault.roles[0].paths[0]: ${PATH}`);
  expectProblem(withRole({ paths: ["/secret/data/other/*"] }), `${P}.tenants[0].vault.roles[0].paths[0]: ${PATH}`);
  expectProblem(withRole({ paths: ["*/db"] }), `${P}.tenants[0].vault.roles[0].paths[0]: ${PATH}`);
  expectProblem(withRole({ paths: [] }), `${P}.tenants[0].vault.roles[0].paths: must have at least 1 item(s)`);
  const SA = "must be a service account name (lowercase letters, digits, '-' and '.'; no wildcards)";
  expectProblem(withRole({ serviceAccounts: ["*"] }), `${P}.tenants[0].vault.roles[0].serviceAccounts[0]: ${SA}`);
  expectProblem(withRole({ serviceAccounts: ["api-*"] }), `${P}.tenants[0].vault.roles[0].serviceAccounts[0]: ${SA}`);
  expectProblem(withRole({ serviceAccounts: [] }), `${P}.tenants[0].vault.roles[0].serviceAccounts: must have at least 1 item(s)`);
  expectProblem({ tenants: [{ name: "web", vault: { roles: [role, role] } }] }, `${P}.tenants[0].vault.roles[1].name: duplicate name "api" (also at index 0)`);
  expectProblem({ tenants: [{ name: "web", vault: { namespacewide: true } }] }, `${P}.tenants[0].vault.namespacewide: unknown key (did you mean "namespaceWide"?)`);
  const config = parse({ tenants: [{ name: "web", vault: { roles: [role] } }, { name: "api" }] });
  assert.deepEqual(config.tenants[0].vault, { namespaceWide: false, roles: [{ ...role, audience: "vault" }] }, "every role requires the vault audience by default");
  assert.deepEqual(config.tenants[1].vault, { namespaceWide: false, roles: [] }, "default: no Vault access at all");
});

test("every problem is reported at once", () => {
  const found = problems({ location: 1, cluster: { skuTier: "Gold", systemPool: { minCout: 1 } }, tenants: [{ name: "Bad" }] });
  assert.equal(found.length, 4, found.join("\n"));
});

test("flux.version defaults to the tested chart for helm and stays unset (managed upgrades) for the AKS extension", () => {
  assert.equal(parse({}).flux.version, "2.18.3");
  assert.equal(parse({ flux: { install: "aks-extension", sops: false } }).flux.version, undefined);
  assert.equal(parse({ flux: { install: "aks-extension", sops: false, version: "1.17.3" } }).flux.version, "1.17.3");
});

test("flux.sops is refused with the AKS extension, whose kustomize-controller has no documented workload identity", () => {
  expectProblem(
    { flux: { install: "aks-extension" } },
    "gitops-platform:platform.flux.sops: must be false with install aks-extension: microsoft.flux federates only source-controller and image-reflector-controller, so kustomize-controller has no identity to decrypt with (set sops: false, or install: helm)",
  );
  assert.equal(parse({ flux: { install: "aks-extension", sops: false } }).flux.sops, false);
});

test("ci: the infrastructure repository is owner/name", () => {
  assert.equal(parse({}).ci, undefined);
  const cluster = { adminGroupObjectIds: ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f"] };
  assert.deepEqual(parse({ ci: { repository: "acme/platform-infra", reviewers: { teams: [1] } }, cluster }).ci, {
    repository: "acme/platform-infra",
    productionEnvironment: "production",
    previewEnvironment: "preview-dev",
    reviewers: { users: [], teams: [1] },
    runner: { label: "ubuntu-latest", egressRanges: [] },
    driftReport: true,
  });
  expectProblem({ ci: { repository: "platform-infra", reviewers: { teams: [1] } }, cluster }, "gitops-platform:platform.ci.repository: must be the infrastructure repository as owner/name");
});

test("ci: previews run in their own approval environment, never the production one", () => {
  const cluster = { adminGroupObjectIds: ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f"] };
  assert.equal(parse({ ci: { repository: "acme/infra", reviewers: { teams: [1] }, previewEnvironment: "pr-preview" }, cluster }).ci?.previewEnvironment, "pr-preview");
  expectProblem(
    { ci: { repository: "acme/infra", reviewers: { teams: [1] }, previewEnvironment: "Production" }, cluster },
    'gitops-platform:platform.ci.previewEnvironment: must differ from ci.productionEnvironment ("production"): pull-request code must never run as the deploy identity',
  );
  expectProblem({ ci: { repository: "acme/infra", reviewers: { teams: [1] }, previewEnvironment: "preview/*" }, cluster }, "gitops-platform:platform.ci.previewEnvironment: must be a GitHub environment name");
});

test("ci: the drift report's environment (drift-<environment>) is none of the others; it can be turned off", () => {
  const cluster = { adminGroupObjectIds: ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f"] };
  expectProblem(
    { ci: { repository: "acme/infra", reviewers: { teams: [1] }, previewEnvironment: "Drift-Dev" }, cluster },
    'gitops-platform:platform.ci.driftReport: the drift report\'s environment "drift-dev" is also ci.productionEnvironment or ci.previewEnvironment: rename that environment, or set driftReport: false',
  );
  assert.equal(parse({ ci: { repository: "acme/infra", reviewers: { teams: [1] }, previewEnvironment: "Drift-Dev", driftReport: false }, cluster }).ci?.driftReport, false);
  expectProblem({ ci: { repository: "acme/infra", reviewers: { teams: [1] }, driftReport: "yes" }, cluster }, "gitops-platform:platform.ci.driftReport: must be a boolean, got string");
});

test("with ci, the deployer grant is off by default, may not be forced on, and an admin group is required", () => {
  const group = "5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f";
  assert.equal(parse({}).cluster.deployerClusterAdmin, true);
  assert.equal(parse({ ci: { repository: "acme/infra", reviewers: { teams: [1] } }, cluster: { adminGroupObjectIds: [group] } }).cluster.deployerClusterAdmin, false);
  expectProblem(
    { ci: { repository: "acme/infra", reviewers: { teams: [1] } }, cluster: { adminGroupObjectIds: [group], deployerClusterAdmin: true } },
    "gitops-platform:platform.cluster.deployerClusterAdmin: must be false with ci: the deploy identity gets cluster admin itself",
  );
  expectProblem(
    { ci: { repository: "acme/infra", reviewers: { teams: [1] } } },
    "gitops-platform:platform.cluster.adminGroupObjectIds: must name at least one group with ci: its members run the first deploy and reach the cluster",
  );
});

test("prod's nodes get a platform VNet (the Key Vault denies by default), dev's the one AKS manages", () => {
  assert.equal(parse({}).cluster.network.vnet, undefined);
  const prod = parse({ cluster: { authorizedIpRanges: ["203.0.113.0/24"] } }, "prod");
  assert.deepEqual(prod.cluster.network.vnet, { addressSpace: "10.224.0.0/12", nodeSubnet: "10.224.0.0/16" });
  const own = parse({ cluster: { network: { vnet: { addressSpace: "10.100.0.0/16", nodeSubnet: "10.100.0.0/20" } } } });
  assert.deepEqual(own.cluster.network.vnet, { addressSpace: "10.100.0.0/16", nodeSubnet: "10.100.0.0/20" });
});

test("the platform VNet holds its node subnet and stays clear of the pod and service ranges", () => {
  expectProblem(
    { cluster: { network: { vnet: { addressSpace: "10.100.0.0/16", nodeSubnet: "10.101.0.0/20" } } } },
    "gitops-platform:platform.cluster.network.vnet.nodeSubnet: must lie inside addressSpace (10.100.0.0/16)",
  );
  expectProblem(
    { cluster: { network: { vnet: { addressSpace: "10.240.0.0/12", nodeSubnet: "10.240.0.0/16" } } } },
    "gitops-platform:platform.cluster.network.vnet.addressSpace: must not overlap podCidr (10.244.0.0/16)",
  );
  expectProblem(
    { cluster: { network: { vnet: { addressSpace: "10.0.0.0/8", nodeSubnet: "10.1.0.0/16" } } } },
    "gitops-platform:platform.cluster.network.vnet.addressSpace: must not overlap serviceCidr (10.0.0.0/16)",
  );
});

test("kubenet and a platform VNet do not mix", () => {
  expectProblem(
    { cluster: { network: { plugin: "kubenet", policy: "calico", vnet: { addressSpace: "10.224.0.0/12", nodeSubnet: "10.224.0.0/16" } } } },
    'gitops-platform:platform.cluster.network.vnet: needs plugin "azure": kubenet routes pods through a route table AKS attaches to the subnet',
  );
});

test("a Key Vault that denies by default needs the nodes in the platform VNet while anything in the cluster calls it", () => {
  const message =
    "gitops-platform:platform.keyVault.networkDefaultAction: Deny shuts the cluster out (Vault's seal and bootstrap, SOPS decryption call Key Vault from the nodes): set cluster.network.vnet so the vault admits the nodes' subnet, or use Allow";
  expectProblem({ ...prodBase, cluster: { authorizedIpRanges: ["203.0.113.0/24"], network: { vnet: null } } }, message, "prod");
  expectProblem({ keyVault: { networkDefaultAction: "Deny" } }, message);
  parse({ keyVault: { networkDefaultAction: "Deny" }, vault: { enabled: false }, flux: { sops: false } });
  // A tenant's own vault shares the platform vault's firewall, and the CSI driver reads it from the nodes.
  expectProblem(
    { keyVault: { networkDefaultAction: "Deny" }, vault: { enabled: false }, flux: { sops: false }, tenants: [{ name: "web", keyVault: { enabled: true } }] },
    "gitops-platform:platform.keyVault.networkDefaultAction: Deny shuts the cluster out (the CSI driver, for tenants' own vaults call Key Vault from the nodes): set cluster.network.vnet so the vault admits the nodes' subnet, or use Allow",
  );
  parse({ keyVault: { networkDefaultAction: "Deny" }, cluster: { network: { vnet: { addressSpace: "10.224.0.0/12", nodeSubnet: "10.224.0.0/16" } } } });
});

test("tags: what ARM refuses is refused here, at the tag's key path", () => {
  const ok = parse({ tags: { "cost-center": "x".repeat(256), ["n".repeat(512)]: "v", "a:b#c": "unicode ü" } });
  assert.equal(ok.tags["cost-center"].length, 256);
  for (const name of ["a<b", "a>b", "50%", "r&d", "back\\slash", "why?", "a/b"]) {
    expectProblem({ tags: { [name]: "v" } }, `gitops-platform:platform.tags.${name}: tag names must not contain any of < > % & \\ ? / (Azure refuses them)`);
  }
  // 47 of one's own plus the platform's 3 is the most a resource takes; overriding a platform tag does not count twice.
  const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "x"]));
  parse({ tags: { ...tags(47), environment: "dev" } });
  expectProblem({ tags: tags(48) }, "gitops-platform:platform.tags: 48 tags plus the 3 the platform adds (environment, managed-by, project) exceed Azure's 50 per resource");
});

test("the tag names the platform adds are the ones the tag count allows for", async () => {
  const { platformTags } = await import("../components/platform.js");
  const { PLATFORM_TAG_NAMES } = await import("../stacks/rules.js");
  assert.deepEqual(Object.keys(platformTags(parse({ tags: { owner: "me" } }))).filter((k) => k !== "owner").sort(), [...PLATFORM_TAG_NAMES].sort());
});

test("add-ons are off by default in every environment: no Flagger, no tenant image automation", () => {
  for (const [raw, stack] of [[{}, "dev"], [{ cluster: { authorizedIpRanges: ["203.0.113.0/24"] } }, "prod"]] as const) {
    const config = parse({ ...raw, github: { owner: "acme" }, tenants: [{ name: "web", git: { repository: "web-config" } }] }, stack);
    assert.deepEqual(config.flagger, { enabled: false, version: "1.44.0", namespace: "flagger-system", prometheusRetention: "2h" }, stack);
    assert.deepEqual(config.tenants[0].imageAutomation, { enabled: false, pushBranch: "flux/image-updates", serviceAccounts: [] }, stack);
  }
});

test("image automation: needs git and the flux2 chart, and never pushes to the branch create protects", () => {
  expectProblem({ tenants: [{ name: "web", imageAutomation: { enabled: true } }] }, "gitops-platform:platform.tenants[0].imageAutomation.enabled: needs tenants[].git: image automation pushes to the tenant's Git repository");
  const created = { github: { owner: "acme" }, tenants: [{ name: "web", git: { repository: "web-config", create: true, branch: "prod" }, imageAutomation: { enabled: true, pushBranch: "prod" } }] };
  expectProblem(
    created,
    "gitops-platform:platform.tenants[0].imageAutomation.pushBranch: must not be prod: git.create protects that branch with reviewed pull requests, and GitHub refuses the deploy key's push; push to another branch and merge through a pull request",
  );
  // Without create the platform protects nothing: the repository's own protection decides.
  assert.equal(parse({ ...created, tenants: [{ ...created.tenants[0], git: { repository: "web-config", branch: "prod" } }] }).tenants[0].imageAutomation.pushBranch, "prod");
  expectProblem({ tenants: [{ name: "web", git: { repository: "a/b" }, imageAutomation: { enabled: true, pushBranch: "a..b" } }] }, `gitops-platform:platform.tenants[0].imageAutomation.pushBranch: "a..b" is not a valid Git branch name (git check-ref-format --branch): it contains '..'`);
});

test("image automation scans a private registry as an account of the tenant's identities with AcrPull", () => {
  const registry = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-dev/providers/Microsoft.ContainerRegistry/registries/acmeplatformdev";
  const tenant = (image: object, roles: object[] = [{ role: "AcrPull", scope: registry }]) => ({
    tenants: [{ name: "web", git: { repository: "a/b" }, identities: [{ name: "images", roles }], imageAutomation: image }],
  });
  assert.deepEqual(parse(tenant({ enabled: true, serviceAccounts: ["images"] })).tenants[0].imageAutomation.serviceAccounts, ["images"]);
  expectProblem(tenant({ enabled: true, serviceAccounts: ["other"] }), `gitops-platform:platform.tenants[0].imageAutomation.serviceAccounts[0]: "other" is no account of this tenant's identities (tenants[].identities)`);
  expectProblem(
    tenant({ enabled: true, serviceAccounts: ["images"] }, [{ role: "Storage Blob Data Reader", scope: `${registry.replace(/ContainerRegistry\/registries/, "Storage/storageAccounts")}/blobServices/default/containers/c` }]),
    `gitops-platform:platform.tenants[0].imageAutomation.serviceAccounts[0]: identity "images" has no AcrPull on any registry: image-reflector-controller would scan as it in vain`,
  );
  expectProblem(tenant({ serviceAccounts: ["images"] }), "gitops-platform:platform.tenants[0].imageAutomation.serviceAccounts: only with enabled: true (no image controllers run for this tenant)");
});

test("flagger: its namespace is its own, and with Flagger on no tenant takes the default one", () => {
  expectProblem({ flagger: { enabled: true, namespace: "vault" } }, 'gitops-platform:platform.flagger.namespace: "vault" is a system namespace (HashiCorp Vault, with vault.enabled: its storage and unseal identity); Flagger needs its own');
  expectProblem({ flagger: { enabled: true, namespace: "web" }, tenants: [{ name: "web" }] }, 'gitops-platform:platform.flagger.namespace: "web" is a tenant\'s namespace; Flagger needs its own');
  expectProblem({ flagger: { enabled: true }, tenants: [{ name: "flagger-system" }] }, 'gitops-platform:platform.flagger.namespace: "flagger-system" is a tenant\'s namespace; Flagger needs its own');
  assert.equal(parse({ flagger: { enabled: true } }).flagger.namespace, "flagger-system");
});

const P = "gitops-platform:platform";
const REGISTRY = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-dev/providers/Microsoft.ContainerRegistry/registries/acmeplatformdev";
const ACCOUNT = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-dev/providers/Microsoft.Storage/storageAccounts/acmeplatformdev";
const CONTAINER = `${ACCOUNT}/blobServices/default/containers/web-manifests`;

test("tenant identities: an account each (default the identity's name), at most 20, never the platform's accounts", () => {
  const config = parse({ tenants: [{ name: "web", keyVault: { enabled: true }, identities: [{ name: "frontend", roles: [{ role: "Key Vault Secrets User", scope: "keyVault" }] }] }] });
  assert.deepEqual(config.tenants[0].identities, [{ name: "frontend", serviceAccounts: ["frontend"], roles: [{ role: "Key Vault Secrets User", scope: "keyVault" }] }]);
  assert.deepEqual(parse({ tenants: [{ name: "api" }] }).tenants[0].keyVault, { enabled: false }, "default: no tenant vault");
  const accounts = Array.from({ length: 21 }, (_, i) => `app-${i}`);
  expectProblem(
    { tenants: [{ name: "web", identities: [{ name: "many", serviceAccounts: accounts }] }] },
    `${P}.tenants[0].identities[0].serviceAccounts: at most 20 service accounts: Azure allows 20 federated credentials per identity; split them over several identities`,
  );
  parse({ tenants: [{ name: "web", identities: [{ name: "many", serviceAccounts: accounts.slice(0, 20) }] }] });
  expectProblem(
    { tenants: [{ name: "web", identities: [{ name: "a", serviceAccounts: ["flux-decryption"] }] }] },
    `${P}.tenants[0].identities[0].serviceAccounts[0]: "flux-decryption" is an account the platform or Kubernetes creates in every tenant namespace; pick another name`,
  );
  expectProblem({ tenants: [{ name: "web", identities: [{ name: "default" }] }] }, `${P}.tenants[0].identities[0].name: "default" is an account the platform or Kubernetes creates in every tenant namespace; pick another name`);
  expectProblem(
    { tenants: [{ name: "web", identities: [{ name: "a", serviceAccounts: ["app"] }, { name: "b", serviceAccounts: ["app"] }] }] },
    `${P}.tenants[0].identities[1].serviceAccounts[0]: service account "app" already acts as identity "a": an account carries one identity's client id`,
  );
  expectProblem({ tenants: [{ name: "web", identities: [{ name: "a" }, { name: "a", serviceAccounts: ["b"] }] }] }, `${P}.tenants[0].identities[1].name: duplicate name "a" (also at index 0)`);
  expectProblem({ tenants: [{ name: "web", identities: [{ name: "a", serviceAccounts: ["*"] }] }] }, `${P}.tenants[0].identities[0].serviceAccounts[0]: must be a service account name (lowercase letters, digits, '-' and '.'; no wildcards)`);
});

test("tenant identities: data-plane readers only, each on the kind of scope it is for", () => {
  const withRoles = (roles: object[], extra: object = {}) => ({ tenants: [{ name: "web", identities: [{ name: "app", roles }], ...extra }] });
  expectProblem(withRoles([{ role: "Owner", scope: REGISTRY }]), `${P}.tenants[0].identities[0].roles[0].role: must be one of "Key Vault Secrets User", "AcrPull", "Storage Blob Data Reader"`);
  expectProblem(withRoles([{ role: "Key Vault Secrets Officer", scope: "keyVault" }]), `${P}.tenants[0].identities[0].roles[0].role: must be one of "Key Vault Secrets User", "AcrPull", "Storage Blob Data Reader"`);
  expectProblem(withRoles([{ role: "AcrPull", scope: CONTAINER }]), `${P}.tenants[0].identities[0].roles[0].role: AcrPull goes on a container registry (registry: the tenant's own), not on a blob container`);
  expectProblem(withRoles([{ role: "Storage Blob Data Reader", scope: ACCOUNT }]), `${P}.tenants[0].identities[0].roles[0].scope: must be "keyVault" (the tenant's own Key Vault), "registry" (the tenant's own registry), a container registry id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>) or a blob container id (<storage account id>/blobServices/default/containers/<name>)`);
  expectProblem(
    withRoles([{ role: "Key Vault Secrets User", scope: "/subscriptions/0/resourceGroups/rg-gitops-dev/providers/Microsoft.KeyVault/vaults/kv-dev-abc" }]),
    `${P}.tenants[0].identities[0].roles[0].scope: must be "keyVault" (the tenant's own Key Vault), "registry" (the tenant's own registry), a container registry id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>) or a blob container id (<storage account id>/blobServices/default/containers/<name>)`,
  );
  expectProblem(withRoles([{ role: "Key Vault Secrets User", scope: "keyVault" }]), `${P}.tenants[0].identities[0].roles[0].scope: keyVault is the tenant's own Key Vault: set tenants[0].keyVault.enabled: true`);
  expectProblem(withRoles([{ role: "AcrPull", scope: REGISTRY }, { role: "AcrPull", scope: REGISTRY.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions") }]), `${P}.tenants[0].identities[0].roles[1]: AcrPull on this scope is already granted above`);
  parse(withRoles([{ role: "Key Vault Secrets User", scope: "keyVault" }, { role: "AcrPull", scope: REGISTRY }, { role: "Storage Blob Data Reader", scope: CONTAINER }], { keyVault: { enabled: true } }));
});

test("tenant identities with ci: registries and containers in the platform's resource group only (the deploy identity assigns roles there alone)", () => {
  const ci = { ci: { repository: "acme/infra", reviewers: { teams: [1] } }, cluster: { adminGroupObjectIds: ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f"] } };
  const outside = REGISTRY.replace("rg-gitops-dev", "rg-shared");
  const raw = (scope: string) => ({ ...ci, tenants: [{ name: "web", identities: [{ name: "app", roles: [{ role: "AcrPull", scope }] }] }] });
  expectProblem(
    raw(outside),
    `${P}.tenants[0].identities[0].roles[0].scope: with ci, the CI deploy identity may assign roles only in the platform's resource group rg-gitops-dev: put the registry there, or assign this role by hand and leave it out of config`,
  );
  parse(raw(REGISTRY));
  parse({ tenants: [{ name: "web", identities: [{ name: "app", roles: [{ role: "AcrPull", scope: outside }] }] }] });
});

test("a tenant vault carries one tag more: the tag count leaves room for it", () => {
  const tags = Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`t${i}`, "x"]));
  parse({ tags, tenants: [{ name: "web" }] });
  expectProblem(
    { tags, tenants: [{ name: "web", keyVault: { enabled: true } }] },
    `${P}.tenants[0].keyVault.enabled: the tenant's vault carries 47 tags of yours, the platform's 3 and gitops-platform-tenant: more than Azure's 50; drop a tag`,
  );
});

test("private sources with provider azure: an account whose identity can read what the source names", () => {
  const identities = [{ name: "deployer", serviceAccounts: ["flux-oci"], roles: [{ role: "AcrPull", scope: REGISTRY }, { role: "Storage Blob Data Reader", scope: CONTAINER }] }];
  const oci = { name: "cfg", url: "oci://acmeplatformdev.azurecr.io/web/config", tag: "1.0.0", provider: "azure", serviceAccountName: "flux-oci" };
  const bucket = { name: "static", bucketName: "web-manifests", endpoint: "https://acmeplatformdev.blob.core.windows.net", provider: "azure", storageAccountId: ACCOUNT, serviceAccountName: "flux-oci" };
  const raw = (o: object, b: object) => ({ tenants: [{ name: "web", identities, ociRepositories: [{ ...oci, ...o }], buckets: [{ ...bucket, ...b }] }] });
  const config = parse(raw({}, {}));
  assert.equal(config.tenants[0].ociRepositories[0].serviceAccountName, "flux-oci");
  const at = (kind: string, key: string) => `${P}.tenants[0].${kind}[0].${key}`;
  expectProblem(raw({ serviceAccountName: undefined }, {}), `${at("ociRepositories", "serviceAccountName")}: is required with provider azure: name an account of tenants[].identities with AcrPull on the registry`);
  expectProblem(raw({ serviceAccountName: "frontend" }, {}), `${at("ociRepositories", "serviceAccountName")}: "frontend" is no account of this tenant's identities`);
  expectProblem(raw({ url: "oci://otherregistry.azurecr.io/web/config" }, {}), `${at("ociRepositories", "url")}: identity "deployer" has no AcrPull on the registry otherregistry.azurecr.io names (its login server is <registry name>.azurecr.io)`);
  expectProblem(raw({ provider: "generic" }, {}), `${at("ociRepositories", "serviceAccountName")}: only with provider azure`);
  expectProblem(raw({}, { endpoint: "https://someoneelse.blob.core.windows.net" }), `${at("buckets", "endpoint")}: must be https://acmeplatformdev.blob.core.windows.net, the account storageAccountId names`);
  expectProblem(raw({}, { endpoint: "https://acmeplatformdev.blob.core.windows.net.evil.example" }), `${at("buckets", "endpoint")}: must be https://acmeplatformdev.blob.core.windows.net, the account storageAccountId names`);
  expectProblem(raw({}, { bucketName: "other-container" }), `${at("buckets", "bucketName")}: identity "deployer" has no Storage Blob Data Reader on ${ACCOUNT}/blobServices/default/containers/other-container`);
  expectProblem(raw({}, { storageAccountId: undefined }), `${at("buckets", "storageAccountId")}: must be a storage account id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>) with provider azure`);
  expectProblem(raw({}, { serviceAccountName: undefined }), `${at("buckets", "serviceAccountName")}: is required with provider azure: name an account of tenants[].identities with Storage Blob Data Reader on the container`);
  expectProblem(raw({}, { provider: "aws" }), `${at("buckets", "serviceAccountName")}: only with provider azure`);
});
test("registry: off by default; on, Basic in dev and Standard in prod; pushers name a branch or an environment, never pull requests", () => {
  assert.deepEqual(parse({}).registry, { enabled: false, sku: "Basic" });
  assert.deepEqual(parse({ cluster: { authorizedIpRanges: ["203.0.113.0/24"] }, registry: { enabled: true } }, "prod").registry, { enabled: true, sku: "Standard" });
  const tenant = parse({ registry: { enabled: true }, tenants: [{ name: "web", registry: { push: [{ repository: "acme/web-app", environment: "release" }] } }] }).tenants[0];
  assert.deepEqual(tenant.registry.push, [{ repository: "acme/web-app", environment: "release" }]);
  assert.deepEqual(parse({ tenants: [{ name: "api" }] }).tenants[0].registry, { push: [] });
  const push = (entry: object) => ({ registry: { enabled: true }, tenants: [{ name: "web", registry: { push: [entry] } }] });
  expectProblem(push({ repository: "acme/web-app", branch: "main", environment: "prod" }), "gitops-platform:platform.tenants[0].registry.push[0]: name exactly one of branch or environment (pull requests can never push: every pull request presents the pull_request subject)");
  expectProblem(push({ repository: "web-app", branch: "main" }), "gitops-platform:platform.tenants[0].registry.push[0].repository: must be the application repository as owner/name, spelled as GitHub spells it");
  expectProblem(push({ repository: "acme/web-app", branch: "bad..name" }), `gitops-platform:platform.tenants[0].registry.push[0].branch: "bad..name" is not a valid Git branch name (git check-ref-format --branch): it contains '..'`);
  expectProblem(
    { registry: { enabled: true }, tenants: [{ name: "web", registry: { push: [{ repository: "a/b", branch: "main" }, { repository: "a/b", branch: "main" }] } }] },
    'gitops-platform:platform.tenants[0].registry.push[1]: duplicate pusher "a/b branch main" (also at index 0)',
  );
  expectProblem({ registry: { sku: "Free" } }, 'gitops-platform:platform.registry.sku: must be one of "Basic", "Standard", "Premium"');
});

test("registry: its tenant tag counts towards Azure's 50 tags per resource", () => {
  const tags = Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`t${i}`, "x"]));
  assert.ok(parsePlatformConfig({ tags }, "dev").ok, "47 of one's own fit beside the platform's 3");
  expectProblem(
    { tags, registry: { enabled: true } },
    "gitops-platform:platform.tags: 47 tags plus the 4 a tenant's registry carries (environment, managed-by, project, gitops-platform-tenant) exceed Azure's 50 per resource",
  );
});

test("ci (issue 22 item 2): the stack's environments need reviewers, and a deploy environment that doubles as the preview one is refused", () => {
  const cluster = { adminGroupObjectIds: ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f"] };
  expectProblem(
    { ci: { repository: "acme/infra" }, cluster },
    "gitops-platform:platform.ci.reviewers: must name at least one user or team: they approve every pull-request preview (it decrypts the stack's secrets) and every production deploy",
  );
  // dev deploys from the environment named "dev": a preview environment of that name would let
  // every approved pull request's job act as the deploy identity.
  expectProblem(
    { ci: { repository: "acme/infra", reviewers: { users: [5] }, previewEnvironment: "Dev" }, cluster },
    'gitops-platform:platform.ci.previewEnvironment: must differ from "dev", the environment this stack deploys from: pull-request code must never run as the deploy identity',
  );
});
