/**
 * Kubernetes and Flux: tenants stay inside their namespace. Flux impersonates each tenant's
 * service account, nothing references another namespace, no tenant is cluster-wide, and
 * secrets in Pulumi state are secret.
 */
import { FLUX_TENANT_LABEL } from "../../components/kubernetes/labels";
import { PolicyRule, tenantRuleEscalation } from "../../components/kubernetes/tenant-policy";
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy } from "../types";

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

export const deployKeysReadOnly: PlatformPolicy = {
  name: "deploy-keys-read-only",
  description: "Git deploy keys can read, never push.",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, "github:index/repositoryDeployKey:RepositoryDeployKey")
      .filter((k) => get(k.props, "readOnly") !== true)
      .map((k) => ({ urn: k.urn, message: `${k.name}: readOnly must be true` })),
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
 * (tenantRuleEscalation, which also refuses such `tenants[].extraApiAccess` in config). Roles the
 * platform binds to its own controllers in a tenant namespace (kustomize-controller minting the
 * decryption account's tokens) are not the tenant's and are not judged here.
 */
export const tenantRolesCannotEscalate: PlatformPolicy = {
  name: "tenant-roles-cannot-escalate",
  description: "Roles bound to a tenant's service accounts or groups grant no RBAC, escalate, bind, impersonate, token minting or cluster-scoped kinds.",
  enforcement: mandatory,
  check: (resources) => {
    const tenants = tenantNamespaces(resources);
    const roles = ofType(resources, `${RBAC}:Role`).filter((r) => tenants.has(String(metadata(r).namespace)));
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
      const role = roles.find((r) => metadata(r).namespace === namespace && metadata(r).name === roleName);
      if (!role) continue;
      for (const rule of (get(role.props, "rules") ?? []) as PolicyRule[]) {
        const problem = tenantRuleEscalation({ apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], verbs: rule.verbs ?? [] });
        if (problem) findings.push({ urn: role.urn, message: `${role.name}: bound to tenant subjects in ${namespace} by ${binding.name}: ${problem}` });
      }
    }
    return findings;
  },
};

export const KUBERNETES_POLICIES = [noClusterWideTenantAccess, tenantRolesCannotEscalate, tenantReconcilersImpersonate, noCrossNamespaceSourceRefs, deployKeysReadOnly, secretsAreSecret];
