/**
 * The pure parts of a tenant: what its Flux reconciler may do, its quota and defaults, and its
 * network policies. Tenant (tenant.ts) turns these into objects.
 */
import type * as k8s from "@pulumi/kubernetes";
import { PDB_RESOURCE_RULE, unsatisfiablePdbValidation } from "./pdb-policy";
import { LOADTESTER_POD_LABELS, loadTesterIngressPolicy } from "./load-tester";
import type { AddonPeer, PlatformServiceEndpoint } from "../kubernetes/network-peers";

export type { AddonPeer, PlatformServiceEndpoint };

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Everything short of `escalate`, `bind` and `impersonate`, which `*` would include. */
export const WRITE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
export const READ_VERBS = ["get", "list", "watch"];

/**
 * The Flux API groups every tenant may use in its own namespace (sources, syncs, alerts). Image
 * automation (`image.toolkit.fluxcd.io`) is not among them: it pushes to Git with a write key,
 * so only a tenant that opts in gets it (ReconcilerAccess.imageAutomation).
 */
export const FLUX_API_GROUPS = [
  "source.toolkit.fluxcd.io",
  "kustomize.toolkit.fluxcd.io",
  "helm.toolkit.fluxcd.io",
  "notification.toolkit.fluxcd.io",
];

/** Flux's image automation API group: ImageRepository, ImagePolicy, ImageUpdateAutomation. */
export const IMAGE_API_GROUP = "image.toolkit.fluxcd.io";

/**
 * The Flux kinds a tenant's Git content manages, by API group: listed, never `*`, which RBAC
 * matches against every subresource as well (ResourceMatches, kubernetes pkg/apis/rbac/v1/
 * evaluation_helpers.go), `status` included. The controllers write status, and others trust it:
 * a source's status.artifact (URL and digest) is what kustomize-controller and helm-controller
 * download and verify, so a tenant writing it could point its Kustomization at another tenant's
 * artifact on source-controller. No ExternalArtifact: its artifact lives only in its status,
 * which its producer writes. Plain resource names never match a subresource.
 */
export const FLUX_TENANT_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  "source.toolkit.fluxcd.io": ["gitrepositories", "helmrepositories", "helmcharts", "ocirepositories", "buckets"],
  "kustomize.toolkit.fluxcd.io": ["kustomizations"],
  "helm.toolkit.fluxcd.io": ["helmreleases"],
  "notification.toolkit.fluxcd.io": ["alerts", "providers", "receivers"],
  [IMAGE_API_GROUP]: ["imagerepositories", "imagepolicies", "imageupdateautomations"],
};

/** One rule per Flux group: its kinds, without their status. */
function fluxRule(group: string): PolicyRule {
  return { apiGroups: [group], resources: [...FLUX_TENANT_RESOURCES[group]], verbs: WRITE_VERBS };
}

/** Flagger's API group: Canary, MetricTemplate, AlertProvider. */
export const FLAGGER_API_GROUP = "flagger.app";

/**
 * The Flagger kinds a tenant manages: its Canaries, and the MetricTemplates and AlertProviders
 * they reference (Flagger runs with `-no-cross-namespace-refs`, so a Canary only uses those of
 * its own namespace).
 */
export const FLAGGER_TENANT_RESOURCES = ["canaries", "metrictemplates", "alertproviders"];

/**
 * SecretProviderClasses of the Secrets Store CSI driver (the AKS `azureKeyvaultSecretsProvider`
 * add-on, on in every AksCluster): namespaced, and they name only what the pod's own identity may
 * read, so every tenant may manage them.
 */
export const CSI_SECRETS_RULE: PolicyRule = { apiGroups: ["secrets-store.csi.x-k8s.io"], resources: ["secretproviderclasses"], verbs: WRITE_VERBS };

/**
 * What a tenant's reconciler may manage beyond the base rules: platform add-ons the tenant uses
 * and API groups its config asks for. Every field optional; none adds nothing.
 */
export interface ReconcilerAccess {
  /** Extra rules from config (`tenants[].extraApiAccess`); each must pass tenantRuleEscalation. */
  extraRules?: PolicyRule[];
  /**
   * Flux image automation (`image.toolkit.fluxcd.io`: ImageRepository, ImagePolicy,
   * ImageUpdateAutomation), for a tenant whose Git source has a write deploy key. Default false.
   */
  imageAutomation?: boolean;
  /** Flagger's Canary, MetricTemplate and AlertProvider (`flagger.app`), when Flagger is installed. Default false. */
  canaries?: boolean;
  /**
   * Sealed Secrets is installed: the tenant's Git content may manage SealedSecrets
   * (`bitnami.com`) in its namespace, which the controller unseals there only (the cluster-wide
   * scope is refused at admission, see sealed-secrets-config.ts). Without the controller the
   * group would be a dead grant. Default false.
   */
  sealedSecrets?: boolean;
}

/** Verbs that let a subject act beyond its own grants (RBAC's escalation checks, impersonation). */
const ESCALATING_VERBS = ["*", "escalate", "bind", "impersonate"];

/**
 * API groups whose kinds are cluster-scoped, or that grant or check access: a Role cannot scope
 * them to the namespace (Kubernetes ignores a Role's rules on cluster-scoped kinds, so such a rule
 * only ever reads as a promise it does not keep) or they are the platform's own controls.
 */
const FORBIDDEN_API_GROUPS: Record<string, string> = {
  "*": "every API group, RBAC included",
  "rbac.authorization.k8s.io": "RBAC: the platform owns who may do what in a tenant namespace",
  "authentication.k8s.io": "token and identity reviews",
  "authorization.k8s.io": "access reviews",
  "admissionregistration.k8s.io": "cluster-scoped admission policies and webhooks, the tenant guardrails among them",
  "apiextensions.k8s.io": "cluster-scoped CustomResourceDefinitions",
  "apiregistration.k8s.io": "cluster-scoped API services",
  "certificates.k8s.io": "cluster-scoped certificate signing requests",
  "scheduling.k8s.io": "cluster-scoped priority classes",
  "node.k8s.io": "cluster-scoped runtime classes",
  "flowcontrol.apiserver.k8s.io": "cluster-scoped API priority and fairness",
  "storage.k8s.io": "cluster-scoped storage classes, CSI drivers and volume attachments",
};

/**
 * Core ("") resources a tenant may not write: cluster-scoped kinds, what the
 * platform sets for the namespace (quota, limits: read-only in the base rules), and minting tokens
 * for the namespace's service accounts, which would let the Git content act as any application's
 * account (its per-application Vault role, its Azure identity) or as Flux's decryption account.
 */
const FORBIDDEN_CORE_RESOURCES: Record<string, string> = {
  "*": "every core resource, the platform's quota and limits among them",
  namespaces: "cluster-scoped",
  nodes: "cluster-scoped",
  persistentvolumes: "cluster-scoped",
  componentstatuses: "cluster-scoped",
  resourcequotas: "the platform's quota (read-only to the tenant)",
  limitranges: "the platform's container defaults (read-only to the tenant)",
  "serviceaccounts/token": "tokens for any service account of the namespace",
};

/**
 * Why a rule in a tenant's reconciler Role would let the tenant's Git content reach past its
 * namespace or its grants, or undefined when it cannot. Config (`tenants[].extraApiAccess`) and the
 * `tenant-roles-cannot-escalate` policy both ask this, so they refuse the same things.
 */
export function tenantRuleEscalation(rule: PolicyRule): string | undefined {
  const verbs = rule.verbs.filter((v) => ESCALATING_VERBS.includes(v) || !WRITE_VERBS.includes(v));
  if (verbs.length > 0) return `verbs ${verbs.join(", ")} are not allowed (only ${WRITE_VERBS.join(", ")}: no escalate, bind, impersonate or *)`;
  for (const group of rule.apiGroups) {
    const why = FORBIDDEN_API_GROUPS[group];
    if (why) return `API group "${group}" is not allowed: ${why}`;
    // Reading the namespace's quota and limits is fine (the base rules do); changing them is not.
    if (group !== "" || rule.verbs.every((v) => READ_VERBS.includes(v))) continue;
    for (const resource of rule.resources) {
      const reason = FORBIDDEN_CORE_RESOURCES[resource];
      if (reason) return `writing core resource "${resource}" is not allowed: ${reason}`;
    }
  }
  return undefined;
}

/** SealedSecrets only, not `sealedsecrets/status`, which the controller writes. */
export const SEALED_SECRETS_RULE: PolicyRule = { apiGroups: ["bitnami.com"], resources: ["sealedsecrets"], verbs: WRITE_VERBS };

/** Workload API groups: every resource in them is namespaced application state. */
export const WORKLOAD_API_GROUPS = ["apps", "batch", "autoscaling", "policy", "networking.k8s.io"];

/**
 * Core resources a tenant's Git content may manage. Listed, not `*`: the core group also holds
 * the tenant's ResourceQuota and LimitRange, which the platform owns (read-only below).
 */
export const CORE_WORKLOAD_RESOURCES = [
  "configmaps",
  "endpoints",
  "events",
  "persistentvolumeclaims",
  "pods",
  "pods/log",
  "replicationcontrollers",
  "secrets",
  "serviceaccounts",
  "services",
];

/**
 * The rules of the Role the tenant's Flux reconciler is bound to, in its namespace only.
 *
 * Why not the built-in `admin` ClusterRole bound in the namespace: `admin` may create Roles and
 * RoleBindings (rbac.authorization.k8s.io), so whatever lands in the tenant's Git repository
 * could bind namespace admin to any subject (another tenant's service account, an outside user
 * or group) without the platform knowing; and it carries `impersonate` on service accounts. The
 * platform owns who gets access to a namespace (the group bindings in Tenant), so the reconciler
 * gets no RBAC API at all, no `escalate`/`bind`/`impersonate` verbs, and nothing cluster-wide.
 * NetworkPolicies are writable (tenants open what their apps need, e.g. egress to a database).
 * RBAC cannot exempt the platform's own policies from that grant (it only adds permissions, and
 * `resourceNames` cannot restrict `create`), and Pulumi would not put an edited policy back:
 * without a refresh it sees no change, and with one its server-side apply meets the tenant's
 * field manager and fails on the conflict. So tenantGuardrailPolicy denies tenants every update
 * and delete of the platform's policies at admission. Policies are additive, though: a tenant can
 * still add one that allows more; guardrails no tenant may widen need cluster-wide policy
 * (CiliumClusterwideNetworkPolicy, AdminNetworkPolicy).
 */
export function reconcilerRules(access: ReconcilerAccess = {}): PolicyRule[] {
  return [
    { apiGroups: [""], resources: CORE_WORKLOAD_RESOURCES, verbs: WRITE_VERBS },
    { apiGroups: [""], resources: ["resourcequotas", "limitranges"], verbs: READ_VERBS },
    { apiGroups: WORKLOAD_API_GROUPS, resources: ["*"], verbs: WRITE_VERBS },
    ...FLUX_API_GROUPS.map(fluxRule),
    CSI_SECRETS_RULE,
    ...(access.extraRules ?? []),
    ...(access.imageAutomation ? [fluxRule(IMAGE_API_GROUP)] : []),
    ...(access.canaries ? [{ apiGroups: [FLAGGER_API_GROUP], resources: FLAGGER_TENANT_RESOURCES, verbs: WRITE_VERBS }] : []),
    ...(access.sealedSecrets ? [SEALED_SECRETS_RULE] : []),
  ];
}

export interface QuotaArgs {
  /** CPU, e.g. "4" or "3500m": the total of requests, and separately of limits. */
  cpu: string;
  /** Memory, e.g. "8Gi": the total of requests, and separately of limits. */
  memory: string;
  /** Most pods at a time. */
  pods: number;
  /** Most PersistentVolumeClaims at a time. Default DEFAULT_PVC_COUNT. */
  persistentVolumeClaims?: number;
  /** The total storage all claims may request, e.g. "100Gi". Default DEFAULT_STORAGE_REQUESTS. */
  storage?: string;
}

/** Claims and storage a tenant gets unless its config says otherwise: each claim is a managed disk someone pays for. */
export const DEFAULT_PVC_COUNT = 10;
export const DEFAULT_STORAGE_REQUESTS = "100Gi";

/**
 * Which Service forms a tenant may use that reach beyond the cluster network or into another
 * Service's traffic. Every field defaults to false (tenantWorkloadPolicy refuses them).
 */
export interface ServiceExposure {
  /** `type: LoadBalancer`: an Azure load balancer IP, public by default on AKS. */
  loadBalancer?: boolean;
  /** `type: NodePort`: a port on every node's address. */
  nodePort?: boolean;
  /**
   * `spec.externalIPs`: kube-proxy (or Cilium) then routes traffic for those addresses, any
   * address, to the tenant's pods cluster-wide: the man in the middle of CVE-2020-8554.
   */
  externalIPs?: boolean;
}

/**
 * ResourceQuota `hard`: the same ceiling for requests and limits, a pod count, claims and their
 * storage, and no load balancers or node ports unless the tenant may have them (a second
 * refusal beside tenantWorkloadPolicy: quota admission counts, so the two fail independently).
 * A LoadBalancer Service allocates node ports too (allocateLoadBalancerNodePorts defaults to
 * true), so node ports are capped at 0 only when neither form is allowed.
 */
export function quotaHard(quota: QuotaArgs, services: ServiceExposure = {}): Record<string, string> {
  return {
    "requests.cpu": quota.cpu,
    "requests.memory": quota.memory,
    "limits.cpu": quota.cpu,
    "limits.memory": quota.memory,
    pods: String(quota.pods),
    persistentvolumeclaims: String(quota.persistentVolumeClaims ?? DEFAULT_PVC_COUNT),
    "requests.storage": quota.storage ?? DEFAULT_STORAGE_REQUESTS,
    ...(services.loadBalancer ? {} : { "services.loadbalancers": "0" }),
    ...(services.loadBalancer || services.nodePort ? {} : { "services.nodeports": "0" }),
  };
}

export interface LimitsArgs {
  /** Limit for containers that set none, e.g. "500m". */
  defaultCpu: string;
  /** e.g. "512Mi". */
  defaultMemory: string;
  /** Request for containers that set none, e.g. "100m". */
  defaultRequestCpu: string;
  /** e.g. "128Mi". */
  defaultRequestMemory: string;
}

/** LimitRange items: defaults for containers, so that pods pass a quota on requests and limits. */
export function containerLimits(limits: LimitsArgs) {
  return [
    {
      type: "Container",
      default: { cpu: limits.defaultCpu, memory: limits.defaultMemory },
      defaultRequest: { cpu: limits.defaultRequestCpu, memory: limits.defaultRequestMemory },
    },
  ];
}

export interface NetworkPolicySpec {
  /** metadata.name of the policy. */
  name: string;
  spec: k8s.types.input.networking.v1.NetworkPolicySpec;
}

export interface NetworkPolicyOptions {
  /** Deny egress except DNS and the tenant's own namespace (tenants add their own allows). */
  restrictEgress: boolean;
  /** Namespace whose pods may connect in; undefined for none. */
  allowIngressFromNamespace?: string;
  /**
   * Pods of platform add-ons that may connect in (any port: what they reach is the tenant's to
   * expose), e.g. Flagger's Prometheus scraping canary metrics. Pods, not namespaces: anything
   * else an add-on namespace runs (Flagger itself, which calls whatever URL a tenant's Canary
   * names) stays out. Default none.
   */
  allowIngressFromAddons?: AddonPeer[];
  /**
   * HashiCorp Vault's server pods: with restricted egress, the tenant's pods (the injected Vault
   * agent, or an application calling Vault itself) may reach them on this port, nothing else of
   * Vault's namespace. Undefined: no Vault, no allowance.
   */
  vaultEgress?: PlatformServiceEndpoint;
  /**
   * The platform runs Flagger's load tester in the namespace: only these pods (Flagger's) may
   * connect to it, and the same-namespace allowance leaves it out. Undefined: no load tester.
   */
  loadTester?: { flagger: AddonPeer };
  /** With restricted egress, more destinations the tenant's pods may reach (tenantEgressPolicy). Default none. */
  egressAllowList?: EgressAllowance[];
}

/** One destination of a tenant's egress allow list: an IPv4 block (minus `except`) on these ports. */
export interface EgressAllowance {
  /** IPv4 block in CIDR form, e.g. 203.0.113.0/24. */
  cidr: string;
  /** Blocks inside `cidr` left out. Default none. */
  except?: string[];
  /** At least one: a destination on every port is not an allowance this list makes. */
  ports: { port: number; protocol?: "TCP" | "UDP" | "SCTP" }[];
}

/**
 * Whether the IPv4 block `cidr` holds `address`; false for anything not `a.b.c.d/n`. The same
 * arithmetic as cidrHoldsMetadataAddress's CEL.
 */
function blockHolds(cidr: string, address: string): boolean {
  const [base, prefixText] = cidr.split("/");
  const prefix = Number(prefixText);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(base) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(ipv4Number(base) / size) === Math.floor(ipv4Number(address) / size);
}

/**
 * The tenant's allow list as one NetworkPolicy, `allow-listed-egress`: one rule per entry, its
 * block and its ports. A block that holds the instance metadata address gets it in `except`
 * when no except entry holds it already, so the policy passes the tenant workload policy's
 * IMDS check (tenantWorkloadPolicy) whatever the caller passed; the stack config refuses such
 * entries before this (stacks/rules-tenant-egress.ts). Undefined for an empty list.
 */
export function egressAllowListPolicy(allowList: EgressAllowance[]): NetworkPolicySpec | undefined {
  if (allowList.length === 0) return undefined;
  return {
    name: "allow-listed-egress",
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: allowList.map((entry) => {
        if (entry.ports.length === 0) throw new Error(`egress allow list: ${entry.cidr} names no port`);
        const except = [...(entry.except ?? [])];
        if (blockHolds(entry.cidr, INSTANCE_METADATA_ADDRESS) && !except.some((e) => blockHolds(e, INSTANCE_METADATA_ADDRESS))) {
          except.push(`${INSTANCE_METADATA_ADDRESS}/32`);
        }
        return {
          to: [{ ipBlock: { cidr: entry.cidr, ...(except.length > 0 ? { except } : {}) } }],
          ports: entry.ports.map((p) => ({ protocol: p.protocol ?? "TCP", port: p.port })),
        };
      }),
    },
  };
}

/**
 * Every pod but the load tester's: its shell runs whatever a request claiming the namespace asks,
 * so no platform allowance but Flagger's reaches it: not the tenant's own pods (a compromised
 * application among them), not the metrics scraper, not an admitted namespace. A tenant that
 * wants more adds a policy of its own.
 */
const allButLoadTester = {
  matchExpressions: Object.entries(LOADTESTER_POD_LABELS).map(([key, value]) => ({ key, operator: "NotIn", values: [value] })),
};

const byName = (namespace: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } });

/**
 * Egress left open, except to the instance metadata address. An egress policy that selects the
 * pods is needed at all, because with none a pod may send anywhere, IMDS included. Pods are named
 * by selector, not by ipBlock: Cilium (the default engine, Azure CNI powered by Cilium) does not
 * match pod or node addresses against ipBlocks ("Network policies cannot use ipBlock to allow
 * access to node or pod IPs", AKS docs, azure-cni-powered-by-cilium). Node addresses
 * (hostNetwork pods) stay closed under Cilium for that reason.
 */
function openEgressPolicy(): NetworkPolicySpec {
  return {
    name: "allow-egress-except-metadata",
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: {} }] }, { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [`${INSTANCE_METADATA_ADDRESS}/32`] } }, { ipBlock: { cidr: "::/0" } }] }],
    },
  };
}

/**
 * The tenant's network policies. Policies are additive: a pod selected for a direction denies
 * everything no policy allows. So `allow-dns-egress` alone already makes egress deny-by-default;
 * that is why it exists only with `restrictEgress`, together with same-namespace egress.
 *
 * Flux needs no allow here: its controllers reach the API server and Git/Helm/OCI hosts from
 * flux-system, never tenant pods; controller events go from flux-system to notification-controller
 * in flux-system. `allowIngressFromNamespace` is for setups that do connect in (e.g. a
 * notification-controller Receiver fronting a tenant service, or metrics scraping).
 */
export function networkPolicies(options: NetworkPolicyOptions): NetworkPolicySpec[] {
  const allPods = {};
  // What the platform's ingress allowances open: every pod, or every pod but the load tester.
  const allowedPods = options.loadTester ? allButLoadTester : allPods;
  const policies: NetworkPolicySpec[] = [
    { name: "default-deny-ingress", spec: { podSelector: allPods, policyTypes: ["Ingress"] } },
    {
      name: "allow-same-namespace-ingress",
      spec: { podSelector: allowedPods, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
    },
  ];
  if (options.loadTester) policies.push(loadTesterIngressPolicy(options.loadTester.flagger));
  if (options.allowIngressFromNamespace) {
    policies.push({
      name: `allow-ingress-from-${options.allowIngressFromNamespace}`,
      spec: { podSelector: allowedPods, policyTypes: ["Ingress"], ingress: [{ from: [byName(options.allowIngressFromNamespace)] }] },
    });
  }
  for (const addon of options.allowIngressFromAddons ?? []) {
    policies.push({
      name: `allow-ingress-from-${addon.name}`,
      spec: { podSelector: allowedPods, policyTypes: ["Ingress"], ingress: [{ from: [{ ...byName(addon.namespace), podSelector: { matchLabels: addon.podLabels } }] }] },
    });
  }
  if (!options.restrictEgress) policies.push(openEgressPolicy());
  if (options.restrictEgress) {
    policies.push(
      {
        name: "allow-dns-egress",
        spec: {
          podSelector: allPods,
          policyTypes: ["Egress"],
          egress: [
            {
              to: [{ ...byName("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
          ],
        },
      },
      {
        name: "allow-same-namespace-egress",
        spec: { podSelector: allPods, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] },
      },
    );
    const vault = options.vaultEgress;
    if (vault) {
      // Both selectors in one peer: pods with these labels in that namespace (not "or").
      policies.push({
        name: "allow-vault-egress",
        spec: {
          podSelector: allPods,
          policyTypes: ["Egress"],
          egress: [
            {
              to: [{ ...byName(vault.namespace), podSelector: { matchLabels: vault.podLabels } }],
              ports: [{ protocol: "TCP", port: vault.port }],
            },
          ],
        },
      });
    }
    const allowList = egressAllowListPolicy(options.egressAllowList ?? []);
    if (allowList) policies.push(allowList);
  }
  return policies;
}

/** The name of a tenant's ValidatingAdmissionPolicy and of its binding (cluster-scoped objects). */
export function guardrailPolicyName(namespace: string): string {
  return `tenant-guardrails-${namespace}`;
}

/** A CEL string literal (single-quoted). */
function celString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A CEL test that `labels` (an object's metadata.labels, possibly absent) carries `label`. */
function carriesLabel(objectVar: "object" | "oldObject", label: string): string {
  return `(${objectVar} != null && has(${objectVar}.metadata.labels) && ${label} in ${objectVar}.metadata.labels)`;
}

/**
 * A ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA in Kubernetes 1.30) that
 * refuses the tenant's principals any create, update or delete of an object in the namespace that
 * carries `<guardrailLabel>`, whatever its kind: the class is "the platform's objects here"
 * (RoleBindings, Role, ServiceAccount, ResourceQuota, LimitRange, NetworkPolicies, the Flux
 * source, Kustomization and deploy-key Secret), not a list that a new kind could slip past.
 * The tenant's principals are the namespace's service accounts (the group
 * `system:serviceaccounts:<ns>`, which covers Flux impersonating the reconciler and every
 * workload) and the tenant's admin groups (AKS puts Entra group object ids in the user's groups).
 * The label is read from the object as stored (`oldObject`, null on CREATE) and as sent
 * (`object`, null on DELETE): dropping it in an update does not help, and a tenant cannot mint an
 * object that passes for the platform's. Platform admins and the deployer are not tenants and pass.
 * https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
export function tenantGuardrailPolicy(namespace: string, adminGroups: readonly string[], guardrailLabel: string) {
  const label = celString(guardrailLabel);
  const principals = [`system:serviceaccounts:${namespace}`, ...adminGroups].map(celString).join(", ");
  return {
    failurePolicy: "Fail",
    matchConstraints: {
      resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], operations: ["CREATE", "UPDATE", "DELETE"] }],
    },
    matchConditions: [{ name: "platform-owned", expression: `${carriesLabel("oldObject", label)} || ${carriesLabel("object", label)}` }],
    validations: [
      {
        expression: `!request.userInfo.groups.exists(g, g in [${principals}])`,
        message: `the platform's objects in ${namespace} (label ${guardrailLabel}) cannot be created, changed or deleted by the tenant; add objects of your own`,
      },
    ],
  };
}

/** The name of a tenant's workload admission policy and of its binding (cluster-scoped objects). */
export function workloadPolicyName(namespace: string): string {
  return `tenant-workloads-${namespace}`;
}

/** The instance metadata endpoint (IMDS) every Azure VM answers on, and with it the node's identity tokens. */
export const INSTANCE_METADATA_ADDRESS = "169.254.169.254";

/** `a.b.c.d` as a number, for comparisons in TypeScript (tests, docs) and to check the CEL below. */
export function ipv4Number(address: string): number {
  return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

/**
 * A CEL expression that is true when `cidr` (a CEL string expression, an IPv4 `a.b.c.d/n`)
 * contains the instance metadata address. Plain string and integer CEL rather than the
 * Kubernetes `cidr()` library, so that the test's evaluator runs exactly what the API server
 * does: the address as a number, divided by 2^(32-n) (looked up in a list: CEL has no power
 * operator), equals the metadata address divided alike. IPv6 blocks (with a `:`) never hold it:
 * the cluster is single-stack IPv4 and the engine matches IPv4 packets against IPv4 blocks only.
 * A malformed block cannot get here (the API server validates ipBlock before admission); an
 * index or conversion error refuses anyway (failurePolicy Fail).
 */
export function cidrHoldsMetadataAddress(cidr: string): string {
  const address = `${cidr}.split('/')[0].split('.')`;
  const asNumber = `(int(${address}[0]) * 16777216 + int(${address}[1]) * 65536 + int(${address}[2]) * 256 + int(${address}[3]))`;
  const blockSizes = `[${Array.from({ length: 33 }, (_, prefix) => String(2 ** (32 - prefix))).join(", ")}]`;
  const size = `${blockSizes}[int(${cidr}.split('/')[1])]`;
  return `(!${cidr}.contains(':') && ${asNumber} / ${size} == ${ipv4Number(INSTANCE_METADATA_ADDRESS)} / ${size})`;
}

/** Options of tenantWorkloadPolicy. */
export interface WorkloadPolicyOptions {
  /** The Service forms the tenant may use. Default: none of them. */
  services?: ServiceExposure;
}

/**
 * A ValidatingAdmissionPolicy, bound to the tenant namespace whoever asks (what the platform
 * itself creates there passes it), that refuses the ways out of the namespace's identities and
 * network:
 * - a Secret of type `kubernetes.io/service-account-token`: the token controller fills it with a
 *   non-expiring token for any service account of the namespace, which outlives pod specs and
 *   carries no audience a Vault role could pin;
 * - a SecretProviderClass (Secrets Store CSI) with `parameters.useVMManagedIdentity` true: the
 *   Azure provider then authenticates as the node's (kubelet's) identity, not the tenant's. The
 *   provider reads the value with Go's strconv.ParseBool, which takes "1", "t", "true" in any of
 *   its cases; all are refused;
 * - a PodDisruptionBudget that never allows an eviction (tenant-pdb-policy.ts);
 * - a NetworkPolicy that would let pods reach the instance metadata address (the node's
 *   identity again, through IMDS): an egress rule with no `to` (every destination) or an ipBlock
 *   whose cidr holds 169.254.169.254 and no `except` entry that holds it too. Policies only add
 *   allowances, so the platform's default-deny egress holds only while no tenant policy opens
 *   the address; refusing the opening is what a tenant cannot undo. Ingress rules are not
 *   examined (IMDS does not connect to pods);
 * - a Service of type LoadBalancer or NodePort, or with `spec.externalIPs`, unless
 *   `options.services` allows that form; a Service of type ExternalName, always.
 * Errors (a missing field in an unexpected shape) refuse too (failurePolicy Fail).
 */
export function tenantWorkloadPolicy(namespace: string, options: WorkloadPolicyOptions = {}) {
  const services = options.services ?? {};
  const holds = cidrHoldsMetadataAddress;
  const egressRules = (condition: string) =>
    `request.resource.resource != 'networkpolicies' || !has(object.spec.egress) || object.spec.egress.all(rule, ${condition})`;
  const serviceRule = (condition: string) => `request.resource.resource != 'services' || !has(object.spec) || ${condition}`;
  const serviceValidations = [
    // An ExternalName Service is a DNS alias the ingress controller resolves and proxies to, from
    // its own namespace: `<svc>.<other-namespace>.svc.cluster.local` would route this tenant's
    // hosts to another namespace's pods that never published anything (CVE-2021-25740, and
    // ingress-nginx's documented ExternalName upstreams). Refused for every tenant.
    {
      expression: serviceRule(`!has(object.spec.type) || object.spec.type != 'ExternalName'`),
      message: `Services of type ExternalName are not allowed in ${namespace}: an ingress controller or proxy following the alias would reach another namespace's Services (CVE-2021-25740)`,
    },
    ...(services.loadBalancer
      ? []
      : [{ expression: serviceRule(`!has(object.spec.type) || object.spec.type != 'LoadBalancer'`), message: `Services of type LoadBalancer are not allowed in ${namespace} (tenants[].services.loadBalancer)` }]),
    ...(services.nodePort
      ? []
      : [{ expression: serviceRule(`!has(object.spec.type) || object.spec.type != 'NodePort'`), message: `Services of type NodePort are not allowed in ${namespace} (tenants[].services.nodePort)` }]),
    ...(services.externalIPs
      ? []
      : [
          {
            expression: serviceRule(`!has(object.spec.externalIPs) || object.spec.externalIPs.size() == 0`),
            message: `Services with spec.externalIPs are not allowed in ${namespace}: they capture traffic for those addresses cluster-wide (tenants[].services.externalIPs)`,
          },
        ]),
  ];
  return {
    failurePolicy: "Fail",
    matchConstraints: {
      resourceRules: [
        { apiGroups: [""], apiVersions: ["v1"], resources: ["secrets", "services"], operations: ["CREATE", "UPDATE"] },
        { apiGroups: ["secrets-store.csi.x-k8s.io"], apiVersions: ["*"], resources: ["secretproviderclasses"], operations: ["CREATE", "UPDATE"] },
        PDB_RESOURCE_RULE,
        { apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], resources: ["networkpolicies"], operations: ["CREATE", "UPDATE"] },
      ],
    },
    validations: [
      {
        expression: `request.resource.resource != 'secrets' || !has(object.type) || object.type != 'kubernetes.io/service-account-token'`,
        message: `service-account token Secrets cannot be created in ${namespace}; pods get short-lived projected tokens (serviceAccountToken volumes)`,
      },
      {
        expression:
          `request.resource.resource != 'secretproviderclasses' || !has(object.spec) || !has(object.spec.parameters) || ` +
          `!('useVMManagedIdentity' in object.spec.parameters) || !(string(object.spec.parameters.useVMManagedIdentity).lowerAscii() in ['1', 't', 'true'])`,
        message: `SecretProviderClasses in ${namespace} cannot use the node's managed identity (useVMManagedIdentity); use the tenant's workload identity (clientID)`,
      },
      unsatisfiablePdbValidation(namespace),
      {
        expression: egressRules(`has(rule.to) && rule.to.size() > 0`),
        message: `an egress rule without 'to' allows every destination, the instance metadata address ${INSTANCE_METADATA_ADDRESS} among them; name the destinations (for the internet: ipBlock 0.0.0.0/0 with except ${INSTANCE_METADATA_ADDRESS}/32)`,
      },
      {
        expression: egressRules(
          `!has(rule.to) || rule.to.all(peer, !has(peer.ipBlock) || !${holds("peer.ipBlock.cidr")} || (has(peer.ipBlock.except) && peer.ipBlock.except.exists(e, ${holds("e")})))`,
        ),
        message: `an egress ipBlock in ${namespace} holds the instance metadata address ${INSTANCE_METADATA_ADDRESS}; add ${INSTANCE_METADATA_ADDRESS}/32 to its except list`,
      },
      ...serviceValidations,
    ],
  };
}
