/** All platform policies, and running them over a set of resources. */
import { policyContext } from "./context";
import { AKS_POLICIES } from "./rules/aks";
import { CI_POLICIES } from "./rules/ci";
import { FLUX_POLICIES } from "./rules/flux";
import { fluxCrdsKeptOnUninstall } from "./rules/flux-crds";
import { KEY_VAULT_POLICIES } from "./rules/key-vault";
import { KUBERNETES_POLICIES } from "./rules/kubernetes";
import { kubernetesSecretsPatchedInPlace } from "./rules/kubernetes-secrets";
import { MONITORING_POLICIES } from "./rules/monitoring";
import { statefulResourcesProtected } from "./rules/protection";
import { ROLE_POLICIES } from "./rules/roles";
import { tenantSecretsNotShared } from "./rules/tenant-secrets";
import { VAULT_POLICIES } from "./rules/vault";
import { CONTAINER_REGISTRY_POLICIES } from "./rules/container-registry";
import { vaultTenantAccessScoped } from "./rules/vault-tenants";
import { vaultOidcScoped } from "./rules/vault-oidc";
import { flaggerLoadTesterOwnNamespace, flaggerNoCrossNamespaceRefs } from "./rules/flagger";
import { tenantIdentitiesIsolated } from "./rules/tenant-identities";
import { sealedSecretsControllerLockedDown } from "./rules/sealed-secrets";
import { tenantObjectsGuarded } from "./rules/tenant-guardrail";
import { customRoleNamesScoped } from "./rules/role-names";
import { tenantDeployerRightsScoped } from "./rules/tenant-deployers";
import { INGRESS_POLICIES } from "./rules/ingress";
import { CheckedResource, PlatformPolicy, PolicyContext, Violation } from "./types";

export const PLATFORM_POLICIES: readonly PlatformPolicy[] = [
  ...AKS_POLICIES,
  ...KEY_VAULT_POLICIES,
  ...ROLE_POLICIES,
  ...KUBERNETES_POLICIES,
  kubernetesSecretsPatchedInPlace,
  ...FLUX_POLICIES,
  fluxCrdsKeptOnUninstall,
  ...VAULT_POLICIES,
  statefulResourcesProtected,
  tenantSecretsNotShared,
  vaultTenantAccessScoped,
  vaultOidcScoped,
  flaggerNoCrossNamespaceRefs,
  flaggerLoadTesterOwnNamespace,
  tenantIdentitiesIsolated,
  ...CONTAINER_REGISTRY_POLICIES,
  ...CI_POLICIES,
  tenantDeployerRightsScoped,
  sealedSecretsControllerLockedDown,
  ...MONITORING_POLICIES,
  tenantObjectsGuarded,
  customRoleNamesScoped,
  ...INGRESS_POLICIES,
];

export function evaluatePolicies(
  resources: readonly CheckedResource[],
  context: PolicyContext,
  policies: readonly PlatformPolicy[] = PLATFORM_POLICIES,
): Violation[] {
  return policies.flatMap((policy) => {
    const enforcement = policy.enforcement(context);
    return policy.check(resources, context).map((finding) => ({ ...finding, policy: policy.name, enforcement }));
  });
}

/**
 * The policies over one stack that builds on others (a tenant stack on its platform stack): the
 * other stacks' resources are there when this one deploys (the platform first), so they count as
 * facts (the namespace exists, the Role grants the kind), and only this stack's findings count.
 */
export function evaluateOnTopOf(
  resources: readonly CheckedResource[],
  underneath: readonly CheckedResource[],
  context: PolicyContext,
  policies: readonly PlatformPolicy[] = PLATFORM_POLICIES,
): Violation[] {
  if (underneath.length === 0) return evaluatePolicies(resources, context, policies);
  const own = new Set(resources.map((r) => r.urn));
  const already = new Set(evaluatePolicies(underneath, context, policies).map((v) => `${v.policy}\n${v.message}`));
  return evaluatePolicies([...underneath, ...resources], context, policies).filter((v) =>
    v.urn !== undefined ? own.has(v.urn) : !already.has(`${v.policy}\n${v.message}`),
  );
}

export { policyContext };
