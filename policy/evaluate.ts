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

/** One stack's resources, as the policies see them. */
export interface StackResources {
  stack: string;
  resources: readonly CheckedResource[];
}

/** An environment's findings: each stack's own, and those only the stacks together make. */
export interface EnvironmentFindings {
  /** Keyed by stack name; every stack of the environment has an entry. */
  byStack: Map<string, Violation[]>;
  /**
   * Findings that are not any one stack's: they appear only when the stacks are judged together
   * and name no tenant-stack resource (a claim two tenant stacks both make, a platform resource a
   * tenant stack's object breaks).
   */
  acrossStacks: Violation[];
}

const findingKey = (v: Violation): string => `${v.policy}\n${v.urn ?? ""}\n${v.message}`;

/**
 * The policies over an environment: its platform stack, and the tenant stacks that build on it
 * (their platform is there when they deploy, so its resources count as facts: the namespace
 * exists, the Role grants the kind). Two passes whatever the number of stacks: the platform alone
 * (its own findings), then every stack together, each finding going to the stack of the resource
 * it names. Judging each tenant stack on top of the platform instead re-ran every policy over the
 * platform twice per tenant stack: quadratic in tenants (issue 26, item 9).
 */
export function evaluateEnvironment(
  platform: StackResources,
  tenantStacks: readonly StackResources[],
  context: PolicyContext,
  policies: readonly PlatformPolicy[] = PLATFORM_POLICIES,
): EnvironmentFindings {
  const platformFindings = evaluatePolicies(platform.resources, context, policies);
  const byStack = new Map<string, Violation[]>([[platform.stack, platformFindings], ...tenantStacks.map((t): [string, Violation[]] => [t.stack, []])]);
  if (tenantStacks.length === 0) return { byStack, acrossStacks: [] };
  const stackOf = new Map<string, string>();
  for (const { stack, resources } of tenantStacks) for (const r of resources) stackOf.set(r.urn, stack);
  const already = new Set(platformFindings.map(findingKey));
  const acrossStacks: Violation[] = [];
  const everything = [...platform.resources, ...tenantStacks.flatMap((t) => t.resources)];
  for (const finding of evaluatePolicies(everything, context, policies)) {
    const stack = finding.urn === undefined ? undefined : stackOf.get(finding.urn);
    if (stack !== undefined) byStack.get(stack)!.push(finding);
    else if (!already.has(findingKey(finding))) acrossStacks.push(finding);
  }
  return { byStack, acrossStacks };
}

export { policyContext };
