/**
 * A Secret whose value changes is patched, never deleted and created again: a Kubernetes provider
 * without `enableSecretMutable` replaces a Secret on every change of its data, delete-first for a
 * named one, and the Secret is missing in between (components/kubernetes/provider-settings.ts;
 * issue 24 item 10: Vault's TLS Secret at certificate renewal).
 */
import { get, mandatory, ofType, PlatformPolicy } from "../types";

const PROVIDER = "pulumi:providers:kubernetes";
const SECRET = "kubernetes:core/v1:Secret";

/** Provider inputs reach the engine as strings ("true"); CrossGuard may hand them as booleans. */
function secretsMutable(props: Record<string, unknown>): boolean {
  const value = get(props, "enableSecretMutable");
  return value === true || value === "true";
}

export const kubernetesSecretsPatchedInPlace: PlatformPolicy = {
  name: "kubernetes-secrets-patched-in-place",
  description: "Every Kubernetes provider of a stack with Secrets sets enableSecretMutable, so a Secret's new value (a renewed certificate) is a patch, never a delete and a create.",
  enforcement: mandatory,
  check: (resources) => {
    if (ofType(resources, SECRET).length === 0) return [];
    return ofType(resources, PROVIDER)
      .filter((r) => !secretsMutable(r.props))
      .map((r) => ({
        urn: r.urn,
        message: `${r.name}: enableSecretMutable is not set, so every change of a Secret's data replaces it (delete, then create: the Secret is missing in between); set enableSecretMutable: true`,
      }));
  },
};
