/** Label keys and values the platform puts on the Kubernetes objects it owns. */

/** Prefix of the platform's own labels. */
export const LABEL_PREFIX = "gitops-platform";

/** Flux's tenant label, as `flux create tenant` writes it. */
export const FLUX_TENANT_LABEL = "toolkit.fluxcd.io/tenant";
export const TENANT_LABEL = `${LABEL_PREFIX}/tenant`;
export const ENVIRONMENT_LABEL = `${LABEL_PREFIX}/environment`;
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
/** Marks an object in a tenant namespace that the tenant may not change (see tenantGuardrailPolicy). */
export const GUARDRAIL_LABEL = `${LABEL_PREFIX}/guardrail`;
/** The Azure tag that marks a resource as one tenant's (an ARM tag name takes no '/'). */
export const TENANT_TAG = `${LABEL_PREFIX}-tenant`;

/** Pod Security admission levels, per mode. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** Labels every platform-managed object carries. */
export function managedLabels(): Record<string, string> {
  return { [MANAGED_BY_LABEL]: "pulumi" };
}

/** Labels that tie an object to a tenant and its environment. */
export function tenantLabels(tenant: string, environment: string): Record<string, string> {
  return {
    ...managedLabels(),
    [FLUX_TENANT_LABEL]: tenant,
    [TENANT_LABEL]: tenant,
    [ENVIRONMENT_LABEL]: environment,
  };
}

/**
 * Pod Security admission labels: `enforce` rejects pods that break the level, `warn` and `audit`
 * report them. All three pinned to `latest`, so a cluster upgrade tightens the checks with it.
 */
export function podSecurityLabels(level: PodSecurityLevel = "restricted"): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "warn", "audit"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return labels;
}
