/**
 * Kubernetes and Flux: tenants stay inside their namespace. Flux impersonates each tenant's
 * service account, nothing references another namespace, no tenant is cluster-wide, and
 * secrets in Pulumi state are secret.
 */
import { FLUX_TENANT_LABEL, GUARDRAIL_LABEL } from "../../components/kubernetes/labels";
import { PolicyRule, tenantRuleEscalation } from "../../components/tenant/namespace-policy";
import { tenantAccessReach } from "../../stacks/rules-tenant-access";
import { dependedOn } from "../links";
import { contractRegistry, stackOfUrn } from "../platform-contract";
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const RECONCILERS = ["kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease"];

function metadata(r: CheckedResource): { name?: string; namespace?: string; labels?: Record<string, string> } {
  return (get(r.props, "metadata") ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
}

/** Namespaces labelled as a tenant's. */
export function tenantNamespaces(resources: readonly CheckedResource[]): Set<string> {
  return new Set(
    ofType(resources, "kubernetes:core/v1:Namespace")
      .filter((ns) => metadata(ns).labels?.[FLUX_TENANT_LABEL] !== undefined)
      .map((ns) => String(metadata(ns).name)),
  );
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

export const noClusterWideTenantAccess: PlatformPolicy = {
  name: "no-cluster-wide-tenant-access",
  description: "No tenant subject is bound to cluster-admin, and tenants get no ClusterRoleBinding.",
  enforcement: mandatory,
  check: (resources) => {
    const tenants = tenantNamespaces(resources);
    const tenantBindings = ofType(resources, `${RBAC}:RoleBinding`).filter((b) => tenants.has(String(metadata(b).namespace)));
    const tenantGroups = new Set(
      tenantBindings.flatMap((b) => ((get(b.props, "subjects") ?? []) as Subject[]).filter((s) => s.kind === "Group").map((s) => s.name)),
    );
    const isTenantSubject = (s: Subject) =>
      (s.kind === "ServiceAccount" && tenants.has(String(s.namespace))) || (s.kind === "Group" && tenantGroups.has(s.name));
    const findings: Finding[] = [];
    for (const binding of ofType(resources, `${RBAC}:ClusterRoleBinding`)) {
      const subjects = ((get(binding.props, "subjects") ?? []) as Subject[]).filter(isTenantSubject);
      if (subjects.length > 0) {
        findings.push({ urn: binding.urn, message: `${binding.name}: ClusterRoleBinding for tenant subject(s) ${subjects.map((s) => s.name).join(", ")}` });
      }
    }
    for (const binding of tenantBindings) {
      if (get(binding.props, "roleRef", "name") === "cluster-admin") {
        findings.push({ urn: binding.urn, message: `${binding.name}: binds cluster-admin in tenant namespace ${metadata(binding).namespace}` });
      }
    }
    return findings;
  },
};

export const tenantReconcilersImpersonate: PlatformPolicy = {
  name: "tenant-reconcilers-impersonate",
  description: "Every Kustomization and HelmRelease in a tenant namespace impersonates a service account and targets its own namespace.",
  enforcement: mandatory,
  check: (resources) => {
    const tenants = tenantNamespaces(resources);
    return resources
      .filter((r) => RECONCILERS.includes(r.type) && tenants.has(String(metadata(r).namespace)))
      .flatMap((r): Finding[] => {
        const namespace = metadata(r).namespace;
        const problems: string[] = [];
        if (!get(r.props, "spec", "serviceAccountName")) problems.push("spec.serviceAccountName is not set");
        if (get(r.props, "spec", "targetNamespace") !== namespace) problems.push(`spec.targetNamespace must be ${namespace}`);
        return problems.map((p) => ({ urn: r.urn, message: `${r.name}: ${p}` }));
      });
  },
};

export const noCrossNamespaceSourceRefs: PlatformPolicy = {
  name: "no-cross-namespace-source-refs",
  description: "Kustomizations and HelmReleases use sources from their own namespace only.",
  enforcement: mandatory,
  check: (resources) =>
    resources
      .filter((r) => RECONCILERS.includes(r.type))
      .flatMap((r): Finding[] => {
        const own = metadata(r).namespace;
        const refs = [get(r.props, "spec", "sourceRef", "namespace"), get(r.props, "spec", "chart", "spec", "sourceRef", "namespace")];
        return refs
          .filter((ns) => ns !== undefined && ns !== own)
          .map((ns) => ({ urn: r.urn, message: `${r.name}: sourceRef points into namespace ${String(ns)}` }));
      }),
};

const PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
const GIT_REPOSITORY = "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository";
const IMAGE_GROUP = "image.toolkit.fluxcd.io";

/** `owner/name` (lower case) of a GitHub SSH URL as GitSource writes it, or undefined. */
function githubRepositoryOf(url: string): string | undefined {
  const match = /^ssh:\/\/git@github\.com\/([^/]+)\/([^/]+?)(\.git)?\/?$/i.exec(url);
  return match ? `${match[1]}/${match[2]}`.toLowerCase() : undefined;
}

const allows = (values: unknown, wanted: string) => Array.isArray(values) && (values.includes(wanted) || values.includes("*"));

/** Resources grouped by their metadata.namespace, in their order. */
function byNamespace(resources: readonly CheckedResource[]): Map<unknown, CheckedResource[]> {
  const groups = new Map<unknown, CheckedResource[]>();
  for (const r of resources) {
    const namespace = metadata(r).namespace;
    const group = groups.get(namespace);
    if (group) group.push(r);
    else groups.set(namespace, [r]);
  }
  return groups;
}

/** What writeKeyProblem reads of the stack, indexed once per check. */
interface DeployKeyIndex {
  byUrn: ReadonlyMap<string, CheckedResource>;
  /** Secrets in tenant namespaces by the URN of each private key their stringData came from. */
  holdersOf: ReadonlyMap<string, readonly CheckedResource[]>;
  /** Position of each such Secret in the stack, to keep the stack's order. */
  secretOrder: ReadonlyMap<CheckedResource, number>;
  gitRepositories: ReadonlyMap<unknown, readonly CheckedResource[]>;
  /**
   * Whether a namespace's Roles and bindings let one of its accounts create ImageUpdateAutomations
   * (memoized), or the contract `source`'s stack read says its platform granted them there.
   */
  grantsImageAutomation(namespace: string, source: CheckedResource): boolean;
}

function deployKeyIndex(resources: readonly CheckedResource[]): DeployKeyIndex {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const tenants = tenantNamespaces(resources);
  // A tenant stack judged alone (no platform resources beside it) knows its tenants' namespaces
  // and their image automation from the contract it read (policy/platform-contract.ts).
  const registry = contractRegistry(resources);
  const registeredTo = (map: ReadonlyMap<string, ReadonlySet<string>>, urn: string, namespace: string) => map.get(stackOfUrn(urn))?.has(namespace) === true;
  const holdersOf = new Map<string, CheckedResource[]>();
  const secretOrder = new Map<CheckedResource, number>();
  for (const secret of ofType(resources, "kubernetes:core/v1:Secret")) {
    const namespace = String(metadata(secret).namespace);
    if (!tenants.has(namespace) && !registeredTo(registry.namespaces, secret.urn, namespace)) continue;
    secretOrder.set(secret, secretOrder.size);
    for (const key of new Set(dependedOn(secret, "stringData", PRIVATE_KEY, byUrn).map((k) => k.urn))) {
      const list = holdersOf.get(key);
      if (list) list.push(secret);
      else holdersOf.set(key, [secret]);
    }
  }
  const roles = byNamespace(ofType(resources, `${RBAC}:Role`));
  const bindings = byNamespace(ofType(resources, `${RBAC}:RoleBinding`));
  const granting = new Map<string, boolean>();
  return {
    byUrn,
    holdersOf,
    secretOrder,
    gitRepositories: byNamespace(ofType(resources, GIT_REPOSITORY)),
    grantsImageAutomation: (namespace, source) => {
      if (registeredTo(registry.imageAutomation, source.urn, namespace)) return true;
      let known = granting.get(namespace);
      if (known === undefined) {
        known = grantsImageAutomation(roles.get(namespace) ?? [], bindings.get(namespace) ?? [], namespace);
        granting.set(namespace, known);
      }
      return known;
    },
  };
}

/** Whether a Role of `namespace` (`roles`: that namespace's), bound there (`bindings`) to one of its service accounts, lets it create ImageUpdateAutomations. */
function grantsImageAutomation(roles: readonly CheckedResource[], bindings: readonly CheckedResource[], namespace: string): boolean {
  const granting = new Set(
    roles
      .filter((role) =>
        ((get(role.props, "rules") ?? []) as Record<string, unknown>[]).some(
          (rule) => allows(rule.apiGroups, IMAGE_GROUP) && allows(rule.resources, "imageupdateautomations") && allows(rule.verbs, "create"),
        ),
      )
      .map((role) => metadata(role).name),
  );
  return bindings.some(
    (binding) =>
      get(binding.props, "roleRef", "kind") === "Role" &&
      granting.has(text(get(binding.props, "roleRef", "name"))) &&
      ((get(binding.props, "subjects") ?? []) as Subject[]).some((s) => s.kind === "ServiceAccount" && (s.namespace ?? namespace) === namespace),
  );
}

/**
 * Why a deploy key that can push is not a tenant's image automation key, or undefined when it is.
 * It is when all of this holds, read from the graph and not from names or labels: its public key
 * comes from a private key (propertyDependencies of `key`) that a Secret in a tenant namespace
 * holds (propertyDependencies of `stringData`); a GitRepository of that namespace uses that
 * Secret and fetches the key's repository (owner from the key's GitHub provider, where the graph
 * has it); and a Role of that namespace, bound to one of its service accounts, grants creating
 * ImageUpdateAutomations (what tenants[].imageAutomation adds). image-automation-controller
 * pushes with exactly that GitRepository's Secret.
 */
function writeKeyProblem(key: CheckedResource, index: DeployKeyIndex): string | undefined {
  const { byUrn } = index;
  if (key.links?.propertyDependencies === undefined) return "cannot decide whether it is a tenant's image automation key (no propertyDependencies)";
  const privateKeys = new Set(dependedOn(key, "key", PRIVATE_KEY, byUrn).map((k) => k.urn));
  if (privateKeys.size === 0) return "its public key comes from no private key of the stack, so it is no tenant's image automation key";
  const repository = text(get(key.props, "repository"));
  const provider = key.links.provider ? byUrn.get(key.links.provider) : undefined;
  const owner = repository.includes("/") ? repository.split("/")[0] : text(get(provider?.props, "owner"));
  const name = repository.split("/").pop()!.toLowerCase();
  const holders = [...new Set([...privateKeys].flatMap((k) => index.holdersOf.get(k) ?? []))].sort(
    (a, b) => index.secretOrder.get(a)! - index.secretOrder.get(b)!,
  );
  if (holders.length === 0) return "no Secret in a tenant namespace holds its private key";
  const fetching = holders.flatMap((secret) =>
    (index.gitRepositories.get(metadata(secret).namespace) ?? []).filter((source) => {
      const fetched = githubRepositoryOf(text(get(source.props, "spec", "url")));
      return (
        get(source.props, "spec", "secretRef", "name") === metadata(secret).name &&
        fetched !== undefined &&
        fetched.split("/")[1] === name &&
        (owner === "" || fetched.split("/")[0] === owner.toLowerCase())
      );
    }),
  );
  if (fetching.length === 0) return `no GitRepository of a tenant fetches ${owner ? `${owner}/` : ""}${repository.split("/").pop()} with the Secret that holds its private key`;
  const namespaces = [...new Set(fetching.map((source) => String(metadata(source).namespace)))];
  if (!fetching.some((source) => index.grantsImageAutomation(String(metadata(source).namespace), source))) {
    return `tenant namespace ${namespaces.join(", ")} has no Role granting ${IMAGE_GROUP} imageupdateautomations (tenants[].imageAutomation)`;
  }
  return undefined;
}

export const deployKeysReadOnly: PlatformPolicy = {
  name: "deploy-keys-read-only",
  description:
    "Git deploy keys can read, never push; except the key of a tenant that opted in to image automation: held by its GitRepository's Secret for that repository, with ImageUpdateAutomations in its Role.",
  enforcement: mandatory,
  check: (resources) => {
    const keys = ofType(resources, "github:index/repositoryDeployKey:RepositoryDeployKey").filter((k) => get(k.props, "readOnly") !== true);
    if (keys.length === 0) return [];
    const index = deployKeyIndex(resources);
    return keys.flatMap((k): Finding[] => {
      const problem = writeKeyProblem(k, index);
      return problem === undefined ? [] : [{ urn: k.urn, message: `${k.name}: readOnly must be true: ${problem}` }];
    });
  },
};

export const secretsAreSecret: PlatformPolicy = {
  name: "secrets-are-secret",
  description: "Kubernetes Secrets hold only values Pulumi treats as secret, so state and previews never show them.",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, "kubernetes:core/v1:Secret").flatMap((s): Finding[] => {
      // Synth knows which inputs were secret. CrossGuard does not (the policy SDK unwraps them);
      // it hands over the additionalSecretOutputs option, which the engine applies to the outputs
      // in state (pulumi/pulumi step_executor.go: `MakeSecret` for each), and which the Kubernetes
      // SDK's Secret sets for data and stringData in the same constructor that wraps their inputs
      // in pulumi.secret (@pulumi/kubernetes core/v1/secret.js). A path neither covers may still
      // have been secret: then the policy cannot decide.
      const known = s.secretPaths;
      const marked = known ?? s.secretOutputs ?? [];
      const covered = (path: string) => marked.some((p) => path === p || path.startsWith(`${p}.`));
      const plain = ["data", "stringData"].flatMap((field) =>
        Object.keys((get(s.props, field) ?? {}) as object)
          .map((key) => `${field}.${key}`)
          .filter((path) => !covered(path)),
      );
      if (plain.length === 0) return [];
      if (known === undefined) {
        return [{ urn: s.urn, message: `${s.name}: cannot decide whether ${plain.join(", ")} are secret (no secret inputs known, not in additionalSecretOutputs)` }];
      }
      return [{ urn: s.urn, message: `${s.name}: ${plain.join(", ")} not marked secret (wrap with pulumi.secret)` }];
    }),
};

/**
 * Roles bound to a tenant's own subjects (its service accounts, Flux impersonating the reconciler
 * among them, or its groups) grant nothing that reaches past the namespace or the tenant's
 * grants: no RBAC, no escalate/bind/impersonate, no cluster-scoped kinds, no token minting
 * (tenantRuleEscalation, which also refuses such `tenants[].extraApiAccess` in config), and no
 * status of kinds whose status others enforce or trust, core's and Flux's, by name or through `*`
 * (tenantAccessReach, stacks/rules-tenant-access.ts). Roles the
 * platform binds to its own controllers in a tenant namespace (kustomize-controller minting the
 * decryption account's tokens) are not the tenant's and are not judged here.
 */
export const tenantRolesCannotEscalate: PlatformPolicy = {
  name: "tenant-roles-cannot-escalate",
  description: "Roles bound to a tenant's service accounts or groups grant no RBAC, escalate, bind, impersonate, token minting, cluster-scoped kinds, or status of core or Flux kinds (by name or through *).",
  enforcement: mandatory,
  check: (resources) => {
    const tenants = tenantNamespaces(resources);
    // Each tenant Role by namespace and name (the first of a name, as the API server keeps one).
    const roles = new Map<string, CheckedResource>();
    for (const r of ofType(resources, `${RBAC}:Role`)) {
      const { namespace, name } = metadata(r);
      const key = `${String(namespace)}/${name}`;
      if (typeof name === "string" && tenants.has(String(namespace)) && !roles.has(key)) roles.set(key, r);
    }
    const findings: Finding[] = [];
    for (const binding of ofType(resources, `${RBAC}:RoleBinding`)) {
      const namespace = String(metadata(binding).namespace);
      if (!tenants.has(namespace) || get(binding.props, "roleRef", "kind") !== "Role") continue;
      const subjects = (get(binding.props, "subjects") ?? []) as Subject[];
      const tenantSubject = subjects.some((s) => (s.kind === "ServiceAccount" && (s.namespace ?? namespace) === namespace) || s.kind === "Group" || s.kind === "User");
      if (!tenantSubject) continue;
      const roleName = get(binding.props, "roleRef", "name");
      if (typeof roleName !== "string") {
        findings.push({ urn: binding.urn, message: `${binding.name}: cannot decide which Role it binds (roleRef.name unknown)` });
        continue;
      }
      const role = roles.get(`${namespace}/${roleName}`);
      if (!role) continue;
      for (const rule of (get(role.props, "rules") ?? []) as PolicyRule[]) {
        const checked = { apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], verbs: rule.verbs ?? [] };
        const problem = tenantRuleEscalation(checked) ?? tenantAccessReach(checked)[0]?.message;
        if (problem) findings.push({ urn: role.urn, message: `${role.name}: bound to tenant subjects in ${namespace} by ${binding.name}: ${problem}` });
      }
    }
    return findings;
  },
};

interface IngressPeer {
  namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  podSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
}

/**
 * The platform's own NetworkPolicies in a tenant namespace (guardrail-labelled: the tenant cannot
 * change them) admit other namespaces' pods only by label, never a whole namespace. An add-on
 * namespace runs more than the one pod that needs in: Flagger, for one, calls whatever URL a
 * tenant's Canary names, so admitting all of flagger-system would let one tenant's Canary reach
 * another tenant's pods on any port, and the other tenant could not take the allow back.
 */
export const tenantIngressNamesPods: PlatformPolicy = {
  name: "tenant-ingress-names-pods",
  description: "The platform's NetworkPolicies in a tenant namespace admit pods of other namespaces by pod labels, never every pod of a namespace.",
  enforcement: mandatory,
  check: (resources) => {
    const tenants = tenantNamespaces(resources);
    const findings: Finding[] = [];
    for (const policy of ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
      const meta = metadata(policy);
      if (!tenants.has(String(meta.namespace)) || meta.labels?.[GUARDRAIL_LABEL] !== "true") continue;
      const rules = (get(policy.props, "spec", "ingress") ?? []) as { from?: IngressPeer[] }[];
      for (const peer of rules.flatMap((rule) => rule.from ?? [])) {
        if (peer.namespaceSelector === undefined) continue;
        const pods = peer.podSelector;
        const selectsPods = pods !== undefined && (Object.keys(pods.matchLabels ?? {}).length > 0 || (pods.matchExpressions ?? []).length > 0);
        if (selectsPods) continue;
        const which = peer.namespaceSelector.matchLabels?.["kubernetes.io/metadata.name"] ?? "namespaces it selects";
        findings.push({ urn: policy.urn, message: `${policy.name}: admits every pod of ${which} into tenant namespace ${meta.namespace}; name the pods (podSelector) that need in` });
      }
    }
    return findings;
  },
};

export const KUBERNETES_POLICIES = [noClusterWideTenantAccess, tenantRolesCannotEscalate, tenantIngressNamesPods, tenantReconcilersImpersonate, noCrossNamespaceSourceRefs, deployKeysReadOnly, secretsAreSecret];
