/**
 * The shape of the stack config: `gitops-platform:platform` in `Pulumi.<stack>.yaml`, with every
 * default for the environment's profile. Every object is strict, so a typo such as `minCout` is an
 * error rather than a silently ignored key. Cross-field rules (rules.ts) judge this shape;
 * schema.ts wires shape, rules and derived values together, so neither imports the other.
 */
import { z } from "zod";
import { AKS_LOG_CATEGORIES, DEFAULT_CLUSTER_LOG_CATEGORIES } from "../components/azure/monitoring";
import { DEFAULT_PVC_COUNT, DEFAULT_STORAGE_REQUESTS, tenantRuleEscalation, WRITE_VERBS } from "../components/tenant/namespace-policy";
import { tenantPathProblem } from "../components/kubernetes/vault-bootstrap";
import { FLAGGER_CHART_VERSION, FLAGGER_NAMESPACE, FLAGGER_PROMETHEUS_RETENTION } from "../components/kubernetes/flagger";
import { DEFAULT_HELM_DRIFT_DETECTION } from "../components/kubernetes/flux-manifests";
import { SEALED_SECRETS_DEFAULTS } from "../components/kubernetes/sealed-secrets";
import { VAULT_DEFAULTS } from "../components/kubernetes/vault";
import { VAULT_AUDIENCE } from "../components/kubernetes/vault-config";
import { IMAGE_UPDATE_BRANCH } from "../components/tenant/git-source";
import { MAX_FEDERATED_CREDENTIALS } from "../components/azure/workload-identity";
import { OWN_KEY_VAULT_SCOPE, OWN_REGISTRY_SCOPE, scopeKind, TENANT_IDENTITY_ROLES, TenantIdentityRole } from "../components/tenant/identities";
import { acknowledgedChangesSchema } from "./acknowledged";
import { platformIngressSchema, tenantIngressSchema } from "./config-ingress";
import { parseCidr } from "./cidr";
import { gitBranchNameProblem } from "./git-branch";
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSION } from "./kubernetes-versions";
import { DNS1123_LABEL } from "./names";
import { tenantAccessReach } from "./rules-tenant-access";
import { DAYS_OF_WEEK, EnvironmentDefaults, environmentDefaults } from "./environments";
import { resourceGroupSchema } from "./rules-resource-group";

const dnsLabel = z
  .string()
  .regex(DNS1123_LABEL, { error: "must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 chars)" });

const uuid = z.guid({ error: "must be a UUID (an Entra object id such as 00000000-0000-0000-0000-000000000000)" });

const cidr = z.string().refine((value) => parseCidr(value) !== undefined, {
  error: "must be an IPv4 network in CIDR form such as 10.0.0.0/16",
});

/** An IP range for firewalls: a CIDR or a single address. */
const ipRange = z.string().refine((value) => parseCidr(value, true) !== undefined, {
  error: "must be an IPv4 address or CIDR range such as 203.0.113.0/24",
});

const ipv4 = z.string().refine((value) => parseCidr(value, true)?.prefix === 32, {
  error: "must be an IPv4 address",
});

/** A Go duration as Flux takes it: 30s, 1m, 1h30m. */
const duration = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, { error: "must be a duration such as 1m, 10m or 1h" });

const cpuQuantity = z.string().regex(/^\d+(\.\d+)?m?$/, { error: "must be a CPU quantity such as 500m or 2" });
const memoryQuantity = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, { error: "must be a memory quantity such as 512Mi or 8Gi" });

const semver = z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must be a version such as 1.2.3" });

const zones = z.array(z.enum(["1", "2", "3"])).refine((list) => new Set(list).size === list.length, {
  error: "must not repeat a zone",
});

/** `key=value:Effect`, the form AKS takes for node taints. */
const taint = z.string().regex(/^[A-Za-z0-9./_-]+(=[A-Za-z0-9._-]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/, {
  error: "must be a taint such as dedicated=gpu:NoSchedule",
});

const vmSize = z.string().regex(/^Standard_[A-Za-z0-9_]+$/, { error: "must be an Azure VM size such as Standard_D4s_v5" });

/** An AKS node pool name (Linux): what the agent pool API accepts. */
const poolName = z.string().regex(/^[a-z][a-z0-9]{0,11}$/, { error: "must be 1-12 lowercase letters or digits, starting with a letter" });

/** A Pulumi config key name in this project's namespace, holding a secret. */
const secretKeyName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, {
  error: "must be the name of a config key in this project (set it with pulumi config set --secret <name>)",
});

const githubName = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { error: "must be a GitHub user or organization name" });

/** `name` or `owner/name`; a bare name belongs to `github.owner`. */
const githubRepository = z.string().regex(/^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/)?[A-Za-z0-9._-]{1,100}$/, {
  error: "must be a GitHub repository as name or owner/name",
});

/** A branch Git itself accepts (`git check-ref-format --branch`). */
const gitBranch = z
  .string()
  .min(1)
  .superRefine((name, ctx) => {
    const problem = gitBranchNameProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: `"${name}" is not a valid Git branch name (git check-ref-format --branch): ${problem}` });
  });

const kustomizePath = z.string().regex(/^\.\/[A-Za-z0-9._\-/]*$/, { error: "must be a path in the repository starting with ./" });

function poolSchema(defaults: { vmSize: string; minCount: number; maxCount: number; zones: string[] }) {
  return {
    vmSize: vmSize.default(defaults.vmSize).describe("Azure VM size of the nodes."),
    minCount: z.int().min(1).max(1000).default(defaults.minCount).describe("Fewest nodes the autoscaler keeps."),
    maxCount: z.int().min(1).max(1000).default(defaults.maxCount).describe("Most nodes the autoscaler adds."),
    zones: zones.default(defaults.zones as ("1" | "2" | "3")[]).describe("Availability zones; empty for none."),
  };
}

function clusterSchema(p: EnvironmentDefaults) {
  return z.strictObject({
    kubernetesVersion: z
      .string()
      .regex(KUBERNETES_VERSION, { error: "must be a Kubernetes version such as 1.36 or 1.36.2" })
      .default(DEFAULT_KUBERNETES_VERSION)
      .describe("Kubernetes version AKS supports on the day of the deployment; a minor version (1.36) lets the upgrade channel pick patches."),
    skuTier: z.enum(["Free", "Standard", "Premium"]).default(p.skuTier).describe("AKS pricing tier; Standard has an SLA."),
    upgradeChannel: z.enum(["rapid", "stable", "patch", "node-image", "none"]).default(p.upgradeChannel),
    nodeOsUpgradeChannel: z.enum(["None", "Unmanaged", "NodeImage", "SecurityPatch"]).default(p.nodeOsUpgradeChannel),
    adminGroupObjectIds: z.array(uuid).default([]).describe("Entra groups that get cluster admin through AKS RBAC."),
    authorizedIpRanges: z.array(ipRange).default([]).describe("Public API server allow list; empty allows all."),
    privateCluster: z.boolean().default(false).describe("Make the API server reachable only inside the VNet."),
    deployerClusterAdmin: z
      .boolean()
      .optional()
      .describe("Grant the principal running Pulumi AKS RBAC Cluster Admin (needed with local accounts off). Default: on, off with ci."),
    systemPool: z
      .strictObject({
        name: poolName
          .default("system")
          .describe(
            "AKS name of the system pool. Every cluster is created with \"system\"; AKS cannot change a pool's VM size or zones, so a new name (with the new vmSize or zones) replaces the pool of a running cluster.",
          ),
        ...poolSchema(p.systemPool),
      })
      .prefault({}),
    userPools: z
      .array(
        z.strictObject({
          name: poolName,
          ...poolSchema({ vmSize: "Standard_D4s_v5", minCount: 1, maxCount: 3, zones: p.systemPool.zones }),
          labels: z.record(z.string(), z.string()).default({}),
          taints: z.array(taint).default([]),
        }),
      )
      .default([]),
    network: z
      .strictObject({
        plugin: z.enum(["azure", "kubenet", "none"]).default("azure"),
        pluginMode: z.enum(["overlay"]).optional().default("overlay"),
        policy: z.enum(["cilium", "calico", "azure", "none"]).default("cilium"),
        podCidr: cidr.default("10.244.0.0/16"),
        serviceCidr: cidr.default("10.0.0.0/16"),
        dnsServiceIp: ipv4.default("10.0.0.10"),
        vnet: z
          .strictObject({
            addressSpace: cidr.describe("The VNet's address space; must not overlap podCidr or serviceCidr."),
            nodeSubnet: cidr.describe("The subnet of every node pool, inside addressSpace."),
          })
          .nullable()
          .optional()
          .describe(
            "A platform VNet for the nodes, with the Key Vault service endpoint, so a Key Vault that denies by default lets the cluster in. Fixed at cluster creation. Default: none in dev (AKS manages the VNet), 10.224.0.0/12 with nodes in 10.224.0.0/16 in prod; null turns it off.",
          ),
      })
      .prefault({}),
    kubeloginMode: z
      .enum(["azurecli", "workloadidentity", "spn", "msi"])
      .default("azurecli")
      .describe("How kubelogin gets a token for the Kubernetes provider (the runner needs kubelogin)."),
    maintenanceWindow: z
      .strictObject({
        dayOfWeek: z.enum(DAYS_OF_WEEK),
        startHour: z.int().min(0).max(23),
        durationHours: z.int().min(4).max(24).default(4),
        utcOffset: z
          .string()
          .regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, { error: "must be an offset such as +01:00" })
          .default("+00:00"),
      })
      .nullable()
      .optional()
      .describe("Planned maintenance window for upgrades; prod has one by default, null turns it off."),
  });
}

function keyVaultSchema(p: EnvironmentDefaults) {
  return z.strictObject({
    sku: z.enum(["standard", "premium"]).default(p.keyVault.sku),
    purgeProtection: z
      .boolean()
      .default(p.keyVault.purgeProtection)
      .describe("Irreversible once on: a deleted vault or key cannot be purged before retention ends."),
    softDeleteRetentionDays: z.int().min(7).max(90).default(p.keyVault.softDeleteRetentionDays),
    networkDefaultAction: z.enum(["Allow", "Deny"]).default(p.keyVault.networkDefaultAction),
    allowedIpRanges: z.array(ipRange).default([]),
  });
}

const notificationSchema = z.strictObject({
  name: dnsLabel,
  type: z.enum(["slack", "msteams", "generic"]),
  channel: z.string().min(1).optional(),
  addressSecret: secretKeyName.describe("Name of the secret config key that holds the webhook address."),
});

/** Notifications with the `events` key; the platform's channel and a tenant's differ only in its default. */
function notificationsSchema(defaultEvents: "errors" | "changes") {
  return notificationSchema.extend({
    events: z
      .enum(["errors", "changes"])
      .default(defaultEvents)
      .describe(
        `errors: Flux failures only. changes: also every object Flux creates, changes or deletes (the drift it corrects), never "reconciliation finished". Default ${defaultEvents}.`,
      ),
  });
}

/** The flux2 Helm chart this platform is tested with (Flux 2.8). */
export const FLUX_CHART_VERSION = "2.18.3";

function fluxSchema() {
  return z.strictObject({
    install: z.enum(["helm", "aks-extension"]).default("helm"),
    version: semver
      .optional()
      .describe("flux2 Helm chart version (helm; default 2.18.3) or a pinned microsoft.flux version (aks-extension; default: managed minor upgrades)."),
    multitenancy: z
      .boolean()
      .default(true)
      .describe("Flux's multi-tenancy lockdown: no cross-namespace refs, no remote bases, impersonation, workload identity defaults in the tenant's namespace."),
    sops: z.boolean().default(true).describe("Decrypt SOPS secrets with each tenant's own Key Vault key and identity (object-level workload identity)."),
    sharedSopsKey: z
      .boolean()
      .default(true)
      .describe("Keep the one SOPS key earlier versions shared between all tenants, for re-encrypting existing files; nothing in the cluster decrypts with it. Set false once every tenant repository uses its own key."),
    notifications: z.array(notificationsSchema("changes")).default([]),
  });
}

/** A Kubernetes service account name (DNS-1123 subdomain); never a glob, which Vault would honour. */
const serviceAccountName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "must be a service account name (lowercase letters, digits, '-' and '.'; no wildcards)" });

/** A path in the tenant's KV subtree, relative to `<kvMount>/<tenant>/`. */
const tenantKvPath = z.string().superRefine((path, ctx) => {
  const problem = tenantPathProblem(path);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A tenant's Vault access: per application (issue 13, item 6), namespace-wide only on request. */
const tenantVaultSchema = z.strictObject({
  namespaceWide: z
    .boolean()
    .default(false)
    .describe("Let every service account of the tenant's namespace read the tenant's whole KV subtree (Vault role <tenant>). Default: only the roles below."),
  roles: z
    .array(
      z.strictObject({
        name: dnsLabel.describe("The application; its Vault role is <tenant>.<name>."),
        serviceAccounts: z.array(serviceAccountName).min(1).describe("Service accounts in the tenant's namespace that may log in to this role."),
        paths: z.array(tenantKvPath).min(1).describe("Paths it may read, relative to <kvMount>/<tenant>/: app/db, app/*, or * for the whole subtree."),
        audience: z
          .string()
          .regex(/^\S+$/, { error: "must be a JWT audience such as vault (no spaces; every role requires one)" })
          .default(VAULT_AUDIENCE)
          .describe(
            "JWT audience the role requires (default vault): the pod logs in with a projected service account token for it (agent injector: vault.hashicorp.com/agent-service-account-token-volume-name; CSI: the SecretProviderClass parameter audience).",
          ),
      }),
    )
    .default([]),
});

/** One entry of a tenant's egress allow list (issue 30, item 3); rules-tenant-egress.ts judges the blocks. */
const tenantEgressSchema = z.strictObject({
  cidr: cidr.describe("IPv4 block outside the cluster, e.g. 203.0.113.0/24 (one address: /32)."),
  except: z.array(cidr).default([]).describe("Blocks inside cidr left out; must cover every platform range cidr holds (e.g. 0.0.0.0/0 needs the link-local, pod, service and node ranges here)."),
  ports: z
    .array(
      z.strictObject({
        port: z.int().min(1).max(65535),
        protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP"),
      }),
    )
    .min(1)
    .describe("At least one: an allowance on every port is not what this list makes."),
});

/** An API group as RBAC names it: "" for core, else a DNS subdomain such as flagger.app. */
const apiGroup = z.string().regex(/^$|^\*$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
  error: 'must be an API group such as flagger.app ("" for the core group)',
});

/** A resource as RBAC names it: plural, lowercase, optionally with a subresource (pods/log), or *. */
const apiResource = z.string().regex(/^(\*|[a-z][a-z0-9.-]*)(\/(\*|[a-z][a-z0-9.-]*))?$/, {
  error: "must be a resource such as canaries or pods/log (plural, lowercase)",
});

/** More API for a tenant's reconciler (issue 14, item 6): never RBAC, impersonation or cluster-scoped kinds. */
const extraApiAccessRule = z
  .strictObject({
    apiGroups: z.array(apiGroup).min(1).describe('API groups, e.g. flagger.app or monitoring.coreos.com ("" for core).'),
    resources: z.array(apiResource).min(1).describe("Resources in those groups, e.g. canaries, or * for every kind of the group."),
    verbs: z
      .array(z.enum(WRITE_VERBS as [string, ...string[]]))
      .min(1)
      .default([...WRITE_VERBS])
      .describe("Verbs; default every write verb (never escalate, bind, impersonate or *)."),
  })
  .superRefine((rule, ctx) => {
    // What tenantAccessReach finds is reported at the resource's own key path (rules-tenant-access.ts).
    const problem = tenantAccessReach(rule).length === 0 ? tenantRuleEscalation(rule) : undefined;
    if (problem) ctx.addIssue({ code: "custom", message: `would let the tenant escalate: ${problem}` });
  });

/** A scope a tenant identity may get a role on: the tenant's own vault, a registry or a blob container. */
const tenantScope = z.string().refine((scope) => scopeKind(scope) !== undefined, {
  error: `must be "${OWN_KEY_VAULT_SCOPE}" (the tenant's own Key Vault), "${OWN_REGISTRY_SCOPE}" (the tenant's own registry), a container registry id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>) or a blob container id (<storage account id>/blobServices/default/containers/<name>)`,
});

/** Azure identities for a tenant's applications and sources (issue 14, items 3 and 4). */
const tenantIdentitySchema = z.strictObject({
  name: dnsLabel.describe("The identity's name; its client id is in the stack output tenants.<tenant>.identities.<name>."),
  serviceAccounts: z
    .array(serviceAccountName)
    .min(1)
    // A custom issue, so the message says why (the generic "at most 20 item(s)" would not).
    .refine((list) => list.length <= MAX_FEDERATED_CREDENTIALS, {
      error: `at most ${MAX_FEDERATED_CREDENTIALS} service accounts: Azure allows ${MAX_FEDERATED_CREDENTIALS} federated credentials per identity; split them over several identities`,
    })
    .optional()
    .describe("Service accounts of the tenant's namespace that act as this identity (the platform creates them, annotated). Default: [<name>]."),
  roles: z
    .array(
      z.strictObject({
        role: z.enum(Object.keys(TENANT_IDENTITY_ROLES) as [TenantIdentityRole, ...TenantIdentityRole[]]).describe(
          "Key Vault Secrets User (scope keyVault), AcrPull (a registry id) or Storage Blob Data Reader (a blob container id).",
        ),
        scope: tenantScope.describe("keyVault (the tenant's vault), registry (the tenant's registry), or the ARM id of a container registry or of a blob container."),
      }),
    )
    .default([]),
});

/** A GitHub Actions workflow that may push to the tenant's registry: its repository and exactly one of branch or environment. */
const registryPusherSchema = z
  .strictObject({
    repository: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, {
      error: "must be the application repository as owner/name, spelled as GitHub spells it",
    }),
    branch: gitBranch.optional().describe("Pushes to this branch may push images (subject repo:<owner>/<name>:ref:refs/heads/<branch>)."),
    environment: z
      .string()
      .regex(/^[A-Za-z0-9 _.-]{1,255}$/, { error: "must be a GitHub environment name" })
      .optional()
      .describe("Jobs in this GitHub environment may push images (subject repo:<owner>/<name>:environment:<name>)."),
  })
  .refine((pusher) => (pusher.branch === undefined) !== (pusher.environment === undefined), {
    error: "name exactly one of branch or environment (pull requests can never push: every pull request presents the pull_request subject)",
  });

/** A tenant's use of its own container registry (with the top-level `registry.enabled`). */
const tenantRegistrySchema = z.strictObject({
  push: z
    .array(registryPusherSchema)
    .default([])
    .describe("GitHub Actions workflows of the tenant's application repositories that may push to the tenant's registry, through OIDC (no secret); at most 20."),
});

function tenantSchema(environment: string) {
  const kustomization = {
    path: kustomizePath.default(`./envs/${environment}`),
    interval: duration.default("5m"),
  };
  return z.strictObject({
    name: dnsLabel,
    namespace: dnsLabel.optional().describe("Defaults to the tenant name."),
    groups: z.strictObject({ admins: z.array(uuid).default([]), viewers: z.array(uuid).default([]) }).prefault({}),
    quota: z
      .strictObject({
        cpu: cpuQuantity.default("4"),
        memory: memoryQuantity.default("8Gi"),
        pods: z.int().min(1).max(10000).default(50),
        persistentVolumeClaims: z.int().min(0).max(1000).default(DEFAULT_PVC_COUNT).describe("Most PersistentVolumeClaims at a time (each is a managed disk or file share)."),
        storage: memoryQuantity.default(DEFAULT_STORAGE_REQUESTS).describe("The total storage the tenant's claims may request, e.g. 100Gi."),
      })
      .prefault({}),
    services: z
      .strictObject({
        loadBalancer: z.boolean().default(false).describe("Allow Services of type LoadBalancer (an Azure load balancer address, public unless annotated internal)."),
        nodePort: z.boolean().default(false).describe("Allow Services of type NodePort (a port on every node)."),
        externalIPs: z
          .boolean()
          .default(false)
          .describe("Allow spec.externalIPs on Services: the cluster then routes traffic for those addresses, any address, to the tenant's pods (CVE-2020-8554)."),
      })
      .prefault({})
      .describe("Service forms that reach past the cluster network; each refused at admission (and capped at 0 by the quota) unless allowed here."),
    limits: z
      .strictObject({
        defaultCpu: cpuQuantity.default("500m"),
        defaultMemory: memoryQuantity.default("512Mi"),
        defaultRequestCpu: cpuQuantity.default("100m"),
        defaultRequestMemory: memoryQuantity.default("128Mi"),
      })
      .prefault({}),
    git: z
      .strictObject({
        repository: githubRepository,
        branch: gitBranch.default("main"),
        ...kustomization,
        create: z.boolean().default(false).describe("Create the repository with a protected default branch."),
      })
      .optional(),
    helmReleases: z
      .array(
        z.strictObject({
          name: dnsLabel,
          repository: z.string().regex(/^(https|oci):\/\/\S+$/, { error: "must be an https:// or oci:// URL" }),
          chart: z.string().min(1),
          version: z.string().min(1).describe("Chart version or semver range."),
          values: z.record(z.string(), z.unknown()).default({}),
          interval: duration.default("10m"),
          driftDetection: z
            .enum(["enabled", "warn", "disabled"])
            .default(DEFAULT_HELM_DRIFT_DETECTION)
            .describe(
              "helm-controller's drift detection: enabled detects objects changed in the cluster and puts them back, warn only reports them, disabled neither. spec.replicas of Deployments and StatefulSets is left to autoscalers.",
            ),
        }),
      )
      .default([]),
    ociRepositories: z
      .array(
        z.strictObject({
          name: dnsLabel,
          url: z.string().regex(/^oci:\/\/\S+$/, { error: "must be an oci:// URL" }),
          tag: z.string().min(1).optional(),
          semver: z.string().min(1).optional(),
          provider: z.enum(["generic", "azure"]).default("generic"),
          serviceAccountName: serviceAccountName
            .optional()
            .describe("With provider azure: an account of tenants[].identities whose identity has AcrPull on the registry the url names."),
          ...kustomization,
        }),
      )
      .default([]),
    buckets: z
      .array(
        z.strictObject({
          name: dnsLabel,
          bucketName: z.string().min(3),
          endpoint: z.string().min(1),
          provider: z.enum(["generic", "azure", "aws", "gcp"]).default("azure"),
          serviceAccountName: serviceAccountName
            .optional()
            .describe("With provider azure: an account of tenants[].identities whose identity has Storage Blob Data Reader on this bucket's container."),
          storageAccountId: z
            .string()
            .optional()
            .describe("With provider azure: the ARM id of the storage account the endpoint names (https://<account>.blob.core.windows.net)."),
          ...kustomization,
        }),
      )
      .default([]),
    flagger: z
      .strictObject({
        loadTester: z
          .boolean()
          .default(false)
          .describe(
            "Run Flagger's load tester in the tenant's namespace (http://flagger-loadtester.<namespace>/), serving only this namespace's Canaries and reachable only from Flagger's pods. Requires flagger.enabled.",
          ),
      })
      .prefault({})
      .describe("The tenant's use of Flagger (flagger.enabled)."),
    vault: tenantVaultSchema.prefault({}).describe("The tenant's Vault access: kubernetes auth roles per application."),
    ingress: tenantIngressSchema,
    egress: z
      .array(tenantEgressSchema)
      .default([])
      .describe(
        "More destinations the tenant's pods may reach beyond the default (DNS, their own namespace, Vault): IPv4 blocks outside the cluster on named ports (docs/tenant-egress.md). Never the metadata address, the platform's pod, service or node ranges.",
      ),
    extraApiAccess: z
      .array(extraApiAccessRule)
      .default([])
      .describe(
        "More API groups and resources the tenant's Git content may manage in its namespace (for example flagger.app canaries, monitoring.coreos.com servicemonitors): never RBAC, impersonation, token minting or cluster-scoped kinds.",
      ),
    keyVault: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe("A Key Vault of the tenant's own (RBAC mode, the platform vault's firewall): its admins write secrets, its identities read them."),
      })
      .prefault({})
      .describe("The tenant's own Key Vault, read through the Secrets Store CSI driver."),
    identities: z
      .array(tenantIdentitySchema)
      .default([])
      .describe("Managed identities federated with service accounts of the tenant's namespace, with data-plane roles on scopes the platform knows."),
    registry: tenantRegistrySchema
      .prefault({})
      .describe("The tenant's container registry (registry.enabled gives every tenant one): who may push to it."),
    notifications: z
      .array(notificationsSchema("errors"))
      .default([])
      .describe(
        "Flux alerts for this tenant's namespace, to webhooks of its own (the platform's flux.notifications stay in flux-system): the tenant's admins can read these addresses.",
      ),
    imageAutomation: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe("Let Flux push image updates to the tenant's repository: a write deploy key and the image.toolkit.fluxcd.io kinds in the tenant's Role. Requires git."),
        pushBranch: gitBranch
          .default(IMAGE_UPDATE_BRANCH)
          .describe("Branch ImageUpdateAutomation pushes to, merged into git.branch through a pull request; never git.branch when git.create protects it."),
        serviceAccounts: z
          .array(serviceAccountName)
          .default([])
          .describe("Accounts of tenants[].identities (with AcrPull on the registry) that ImageRepositories with provider azure name: image-reflector-controller may create their tokens."),
      })
      .prefault({})
      .describe("Flux image update automation for this tenant; off by default."),
  });
}

function registrySchema(p: EnvironmentDefaults) {
  return z.strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("Give every tenant an Azure Container Registry of its own (Entra only: no admin user, no anonymous pull) that the cluster's nodes pull from without pull secrets."),
    sku: z
      .enum(["Basic", "Standard", "Premium"])
      .default(p.registrySku)
      .describe("Registry SKU: Basic (10 GiB, dev), Standard (100 GiB), Premium (500 GiB, private endpoints, network rules, geo-replication)."),
  });
}

function vaultSchema(p: EnvironmentDefaults) {
  return z.strictObject({
    enabled: z.boolean().default(true),
    version: semver.default(VAULT_DEFAULTS.version).describe("Vault server image version (>= 1.15.5, not 1.18.5)."),
    chartVersion: semver.default(VAULT_DEFAULTS.chartVersion).describe("hashicorp/vault Helm chart version."),
    replicas: z.int().min(1).max(7).default(p.vault.replicas),
    storageSize: memoryQuantity.default(p.vault.storageSize),
    auditStorageSize: memoryQuantity.default(p.vault.auditStorageSize),
    recoveryShares: z.int().min(1).max(10).default(VAULT_DEFAULTS.recoveryShares),
    recoveryThreshold: z.int().min(1).max(10).default(VAULT_DEFAULTS.recoveryThreshold),
    ui: z.boolean().default(VAULT_DEFAULTS.ui),
    kvMount: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "must be a mount path such as secret" }).default(VAULT_DEFAULTS.kvMount),
    oidc: vaultOidcSchema.prefault({}).describe("People's login to Vault with their Entra identity (CLI and UI): docs/vault-access.md."),
  });
}

/** Vault's OIDC auth method with an app registration the operator names (issue 30, item 2). */
const vaultOidcSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe("Let people log in with Entra ID: vault.oidc.adminGroups get an admin policy, each tenant's groups.admins a write policy on its own KV subtree."),
  clientId: uuid.optional().describe("Application (client) id of the existing app registration (groupMembershipClaims: SecurityGroup); required when enabled."),
  clientSecretName: z
    .string()
    .regex(/^[0-9a-zA-Z-]{1,127}$/, { error: "must be a Key Vault secret name (letters, digits and '-')" })
    .optional()
    .describe("Name of the secret in the platform's Key Vault holding the app registration's client secret (never the secret itself); required when enabled."),
  adminGroups: z.array(uuid).default([]).describe("Entra groups whose members get Vault's platform admin policy; never a tenant's admin group."),
  uiAddresses: z
    .array(z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/, { error: "must be an https:// address without a path, such as https://vault.example.com" }))
    .default([])
    .describe("Addresses the Vault UI is reached at besides kubectl port-forward (https://localhost:8200); each must be a redirect URI of the app registration. Needs vault.ui."),
});

/** An ARM resource id such as /subscriptions/<id>/resourceGroups/<group>/providers/microsoft.insights/actionGroups/<name>. */
const actionGroupId = z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/microsoft\.insights\/actionGroups\/[^/]+$/i, {
  error: "must be the ARM id of an action group (/subscriptions/<id>/resourceGroups/<group>/providers/microsoft.insights/actionGroups/<name>)",
});

function monitoringSchema(p: EnvironmentDefaults) {
  return z.strictObject({
    enabled: z
      .boolean()
      .default(p.monitoring.enabled)
      .describe("Audit logs (cluster control plane, Key Vault) in a Log Analytics workspace and, with prometheus, managed Prometheus. Default: off in dev, on in prod."),
    retentionDays: z
      .int()
      .min(30)
      .max(730)
      .default(p.monitoring.retentionDays)
      .describe("Days the Log Analytics workspace keeps logs (30-730); past 31 days retention is billed per GB and month. Default 30 (dev), 90 (prod)."),
    dailyCapGb: z
      .number()
      .positive()
      .optional()
      .describe("Daily ingestion cap of the Log Analytics workspace in GB; past it nothing is collected until the next day, audit logs included. Default none."),
    clusterLogCategories: z
      .array(z.enum(AKS_LOG_CATEGORIES))
      .min(1)
      .refine((list) => new Set(list).size === list.length, { error: "must not repeat a category" })
      .default([...DEFAULT_CLUSTER_LOG_CATEGORIES])
      .describe("AKS control-plane log categories to collect. Default kube-audit-admin, guard, cluster-autoscaler; kube-audit adds every read and costs many times more."),
    prometheus: z
      .boolean()
      .default(true)
      .describe("Managed Prometheus: an Azure Monitor workspace, the cluster's metrics addon, Flux's controllers scraped, alert rules for Flux and Vault."),
    alertActionGroupIds: z
      .array(actionGroupId)
      .default([])
      .describe("Action groups (ARM ids) the Prometheus alerts notify. Default none: the alerts show in Azure Monitor only."),
  });
}

/** The `ci` section of a stack config for one environment (its preview environment's default names it). */
export function ciSchema(environment: string) {
  return z
    .strictObject({
      repository: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, {
        error: "must be the infrastructure repository as owner/name",
      }),
      productionEnvironment: z.string().regex(/^[A-Za-z0-9 _.-]{1,255}$/, { error: "must be a GitHub environment name" }).default("production"),
      previewEnvironment: z
        .string()
        .regex(/^[A-Za-z0-9 _.-]{1,255}$/, { error: "must be a GitHub environment name" })
        .default(`preview-${environment}`)
        .describe(
          "GitHub environment that this stack's pull-request previews run in (preview.yml: preview-<stack>); the stack creates it with ci.reviewers, and the preview identity trusts only it.",
        ),
      reviewers: z
        .strictObject({
          users: z.array(z.int().positive()).max(6).default([]).describe("GitHub user ids (numbers, `gh api users/<login> --jq .id`)."),
          teams: z.array(z.int().positive()).max(6).default([]).describe("GitHub team ids (numbers, `gh api orgs/<org>/teams/<slug> --jq .id`)."),
        })
        .prefault({})
        .describe(
          "Who approves the jobs of the preview environment and, in production, the deploy environment: the stack sets them as the environments' required reviewers (at most 6 each; GitHub's limit). Required: at least one user or team.",
        ),
      runner: z
        .strictObject({
          label: z
            .string()
            .regex(/^[A-Za-z0-9_.-]{1,100}$/, { error: "must be one runner label" })
            .describe("The runs-on label of the jobs that run Pulumi for this stack; written to the repository variable PULUMI_RUNS_ON_<STACK>."),
          egressRanges: z
            .array(ipRange)
            .default([])
            .describe("The public addresses the runner's traffic leaves from (its NAT gateway): production refuses a runner the API server's authorized ranges or the Key Vault firewall would not admit."),
        })
        .prefault({ label: "ubuntu-latest" })
        .describe("The runner that deploys and previews this stack. Default GitHub's hosted ubuntu-latest, which production refuses (its addresses are not fixed)."),
      driftReport: z
        .boolean()
        .default(true)
        .describe(
          "The nightly drift report (.github/workflows/drift.yml): the stack creates the GitHub environment drift-<environment> (no reviewers, main only) and the read-only preview identity trusts it.",
        ),
    })
    .optional()
    .describe("Pull-request previews and deploys from GitHub Actions through OIDC; off when unset.");
}

const ciSchemas = new Map<string, ReturnType<typeof ciSchema>>();

/**
 * `ciSchema(environment)`, built once per environment and process: the stack-name check
 * (rules-stack-names.ts) parses the `ci` section of every platform stack of the repository for
 * every stack it loads, and building the whole platform schema for each was most of its cost.
 * A zod schema is immutable, and every default of this one is a fresh value on each parse.
 */
export function sharedCiSchema(environment: string): ReturnType<typeof ciSchema> {
  let schema = ciSchemas.get(environment);
  if (schema === undefined) {
    schema = ciSchema(environment);
    ciSchemas.set(environment, schema);
  }
  return schema;
}

/** The shape of the stack config for one environment: defaults come from its profile. */
export function platformObjectSchema(environment: string) {
  const p = environmentDefaults(environment);
  return z.strictObject({
    environment: dnsLabel.describe("Environment name; prod, production and prod-* get production defaults and rules."),
    location: z.string().regex(/^[a-z0-9]+$/, { error: "must be an Azure region name such as westeurope" }).default("westeurope"),
    tags: z.record(z.string(), z.string()).default({}),
    resourceGroup: resourceGroupSchema().prefault({}),
    protect: z.boolean().default(p.protect).describe("Protect stateful resources from deletion."),
    cluster: clusterSchema(p).prefault({}),
    keyVault: keyVaultSchema(p).prefault({}),
    flux: fluxSchema().prefault({}),
    github: z.strictObject({ owner: githubName.optional() }).prefault({}),
    ci: ciSchema(environment),
    tenants: z.array(tenantSchema(environment)).default([]),
    vault: vaultSchema(p).prefault({}),
    monitoring: monitoringSchema(p).prefault({}),
    flagger: z
      .strictObject({
        enabled: z.boolean().default(false).describe("Install Flagger (progressive delivery) with a Prometheus for canary metrics, and let tenants manage Canaries."),
        version: semver.default(FLAGGER_CHART_VERSION).describe("flagger Helm chart version (https://flagger.app)."),
        namespace: dnsLabel.default(FLAGGER_NAMESPACE).describe("Namespace of Flagger and its Prometheus; tenant namespaces admit ingress from it (metrics scraping)."),
        prometheusRetention: duration.default(FLAGGER_PROMETHEUS_RETENTION).describe("How long Flagger's Prometheus keeps samples."),
      })
      .prefault({})
      .describe("Flagger, the progressive delivery add-on; off unless enabled."),
    registry: registrySchema(p).prefault({}).describe("Per-tenant container registries; off when unset."),
    ingress: platformIngressSchema,
    acknowledgedChanges: acknowledgedChangesSchema,
    sealedSecrets: sealedSecretsSchema()
      .prefault({})
      .describe("Sealed Secrets (bitnami-labs) for teams that already use kubeseal; off by default, SOPS is the platform's way."),
  });
}

function sealedSecretsSchema() {
  return z.strictObject({
    enabled: z.boolean().default(false).describe("Install the Sealed Secrets controller, its sealing keys (backed up to the Key Vault) and the cluster-wide-scope guard."),
    chartVersion: semver.default(SEALED_SECRETS_DEFAULTS.chartVersion).describe("bitnami-labs sealed-secrets Helm chart version."),
    keyGenerations: z
      .int()
      .min(1)
      .max(20)
      .default(SEALED_SECRETS_DEFAULTS.keyGenerations)
      .describe("Sealing key generations; the highest seals, all decrypt. Raise by one to rotate the sealing key; never lower it."),
  });
}

/** The parsed shape before derived values are filled in; what the cross-field rules check. */
export type ParsedPlatform = z.output<ReturnType<typeof platformObjectSchema>>;

/** What the rules judge by besides the config itself. */
export interface RuleContext {
  /** The day of the deployment, for rules bound to the calendar (Kubernetes support). */
  today: Date;
}

