/**
 * Flux and tenants: the multi-tenancy lockdown is on every controller that serves tenants, and
 * each tenant decrypts SOPS only with its own identity and key.
 */
import { BUILT_IN_ROLES } from "../../components/azure/role-ids";
import { FLUX_CONTROLLERS, FluxController, lockdownFlags, renderedControllerArgs } from "../../components/kubernetes/flux-install";
import { federation, grantees, ownName, unlinkedMessage } from "../links";
import { assignedRoleGuid, CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";
import { tenantNamespaces } from "./kubernetes";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const EXTENSION = "azure-native:kubernetesconfiguration:Extension";
const KUSTOMIZATION = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";


/** The last value of `--<name>=` (Go's flag package keeps the last), or undefined. */
function flagValue(args: readonly string[], name: string): string | undefined {
  const values = args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
  return values.length > 0 ? values[values.length - 1] : undefined;
}

/** Feature gates merge across repeated `--feature-gates` flags (k8s component-base MapStringBool). */
function featureGate(args: readonly string[], gate: string): boolean {
  const gates = new Map<string, string>();
  for (const value of args.filter((a) => a.startsWith("--feature-gates=")).map((a) => a.slice("--feature-gates=".length))) {
    for (const pair of value.split(",")) {
      const [name, setting] = pair.split("=");
      gates.set(name.trim(), (setting ?? "").trim());
    }
  }
  return gates.get(gate) === "true";
}

/** The flags the fluxcd best practices say must never be on (security/best-practices.md, Start-up flags). */
const NEVER_TRUE = ["insecure-kubeconfig-exec", "insecure-kubeconfig-tls"];

/** What is missing from one controller's rendered arguments, as the flag that should be there. */
export function missingLockdownFlags(controller: FluxController, args: readonly string[]): string[] {
  const missing: string[] = [];
  for (const required of lockdownFlags("<name>")[controller]) {
    const [flag, value] = required.slice(2).split(/=(.*)/s);
    if (flag === "feature-gates") {
      const gate = value.split("=")[0];
      if (!featureGate(args, gate)) missing.push(required);
    } else if (value === "true") {
      if (flagValue(args, flag) !== "true") missing.push(required);
    } else if (!flagValue(args, flag)) {
      missing.push(`--${flag}=<an account of the object's namespace>`);
    }
  }
  for (const flag of NEVER_TRUE) if (flagValue(args, flag) === "true") missing.push(`--${flag}=false`);
  return missing;
}

/**
 * Flux's multi-tenancy lockdown (fluxcd website, "Multi-tenancy lockdown" and security best
 * practices; the table is components/kubernetes/flux-install.ts lockdownFlags) on what is
 * rendered: for the flux2 chart, the controllers' arguments its templates make from the release's
 * values (renderedControllerArgs); for the microsoft.flux extension, its configuration settings,
 * which cannot express most of the lockdown at all. Only where the stack has tenants.
 */
export const fluxMultiTenancyLockdown: PlatformPolicy = {
  name: "flux-multi-tenancy-lockdown",
  description:
    "Where the stack has tenants, every Flux controller runs with Flux's multi-tenancy lockdown: no cross-namespace refs, no remote bases, impersonation by default, and workload identity defaults (object-level) in the tenant's namespace; the microsoft.flux extension cannot set these and is refused.",
  enforcement: mandatory,
  check: (resources) => {
    if (tenantNamespaces(resources).size === 0) return [];
    const findings: Finding[] = [];
    for (const release of ofType(resources, RELEASE).filter((r) => get(r.props, "chart") === "flux2")) {
      const values = (get(release.props, "values") ?? {}) as Record<string, unknown>;
      const rendered = renderedControllerArgs(values);
      for (const [controller, key] of Object.entries(FLUX_CONTROLLERS) as [FluxController, string][]) {
        if (get(values, key, "create") === false) continue;
        const missing = missingLockdownFlags(controller, rendered[controller]);
        if (missing.length > 0) findings.push({ urn: release.urn, message: `${release.name}: ${controller} runs without ${missing.join(", ")}` });
      }
    }
    for (const extension of ofType(resources, EXTENSION).filter((e) => text(get(e.props, "extensionType")).toLowerCase() === "microsoft.flux")) {
      const enforce = get(extension.props, "configurationSettings", "multiTenancy.enforce");
      const problems = [
        ...(text(enforce).toLowerCase() === "false" ? ["multiTenancy.enforce is false"] : []),
        "its settings cannot set --no-remote-bases=true, the ObjectLevelWorkloadIdentity gate or the workload identity defaults (--default-decryption-service-account, --default-kubeconfig-service-account, --default-service-account on source, notification and image controllers)",
      ];
      findings.push({
        urn: extension.urn,
        message: `${extension.name}: microsoft.flux cannot lock Flux down for tenants: ${problems.join("; ")}; install Flux with the flux2 chart (flux.install: helm)`,
      });
    }
    return findings;
  },
};

/** Built-in roles whose data actions include `keys/decrypt/action`. */
const DECRYPTING_ROLES = new Set<string>(
  (["Key Vault Crypto User", "Key Vault Crypto Officer", "Key Vault Administrator"] as const).map((role) => BUILT_IN_ROLES[role]),
);

/** Namespace and account of a `system:serviceaccount:<ns>:<name>` subject. */
function serviceAccountOf(subject: string): { namespace: string; name: string } | undefined {
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject);
  return match ? { namespace: match[1], name: match[2] } : undefined;
}

/**
 * For each identity of the stack (by URN), the Kubernetes service accounts it is federated with,
 * linked as policy/links.ts does in synth and under CrossGuard; and the credentials it cannot link.
 */
function federatedAccounts(resources: readonly CheckedResource[]): {
  byIdentity: Map<string, { identity: string; accounts: { namespace: string; name: string }[] }>;
  unlinked: CheckedResource[];
} {
  const { byIdentity, unlinked } = federation(resources);
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const result = new Map<string, { identity: string; accounts: { namespace: string; name: string }[] }>();
  for (const [urn, credentials] of byIdentity) {
    const accounts = credentials.map((c) => serviceAccountOf(text(get(c.props, "subject")))).filter((a): a is { namespace: string; name: string } => a !== undefined);
    if (accounts.length > 0) result.set(urn, { identity: ownName(byUrn.get(urn)!, "resourceName") || byUrn.get(urn)!.name, accounts });
  }
  const serviceAccountCredentials = unlinked.filter((c) => serviceAccountOf(text(get(c.props, "subject"))));
  return { byIdentity: result, unlinked: serviceAccountCredentials };
}

const isKeyScope = (scope: string) => /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+\/keys\/[^/]+\/?$/i.test(scope);

/**
 * SOPS decryption is per tenant: one key and one identity each (Flux's multi-tenancy guidance
 * wants a key encryption key per tenant), so that a tenant cannot commit another tenant's
 * ciphertext to its own repository and have Flux decrypt it into its namespace.
 *
 * - A Kustomization in a tenant namespace that decrypts names its decryption account
 *   (`spec.decryption.serviceAccountName`): without one, kustomize-controller falls back to a
 *   controller default or its own identity.
 * - No identity federated with kustomize-controller's own account may decrypt with Key Vault
 *   keys: controller-level decryption serves every namespace alike.
 * - An identity federated with a tenant's account decrypts only with single keys (never a
 *   vault, group or subscription scope), and no key a tenant's identity decrypts with can be
 *   decrypted by an identity federated with any other namespace.
 */
export const sopsDecryptionPerTenant: PlatformPolicy = {
  name: "sops-decryption-per-tenant",
  description:
    "Each tenant decrypts SOPS as its own identity with its own key: tenant Kustomizations name their decryption account, kustomize-controller has no Key Vault decrypt role, and no key is decryptable by identities of two namespaces.",
  enforcement: mandatory,
  check: (resources) => {
    const tenants = tenantNamespaces(resources);
    const findings: Finding[] = [];
    for (const k of ofType(resources, KUSTOMIZATION)) {
      const namespace = text(get(k.props, "metadata", "namespace"));
      if (!tenants.has(namespace) || get(k.props, "spec", "decryption") === undefined) continue;
      if (!text(get(k.props, "spec", "decryption", "serviceAccountName"))) {
        findings.push({ urn: k.urn, message: `${k.name}: decrypts without spec.decryption.serviceAccountName, so not as tenant ${namespace}'s own identity` });
      }
    }

    const federated = federatedAccounts(resources);
    if (federated.unlinked.length > 0) return [...findings, { message: unlinkedMessage("sops-decryption-per-tenant", federated.unlinked) }];
    const granteeOf = grantees(resources);
    const decryptors = new Map<string, { grant: CheckedResource; namespaces: Set<string> }[]>();
    for (const grant of ofType(resources, ASSIGNMENT)) {
      const role = assignedRoleGuid(grant);
      const identity = granteeOf(grant);
      const who = identity ? federated.byIdentity.get(identity.urn) : undefined;
      if (!who || !DECRYPTING_ROLES.has(role)) continue;
      const scope = text(get(grant.props, "scope"));
      const namespaces = new Set(who.accounts.map((a) => a.namespace));
      if (who.accounts.some((a) => a.name === "kustomize-controller")) {
        findings.push({ urn: grant.urn, message: `${grant.name}: kustomize-controller's own identity ${who.identity} may decrypt with Key Vault keys, for every tenant alike` });
      }
      const tenantNamespacesOfIdentity = [...namespaces].filter((ns) => tenants.has(ns));
      if (isKeyScope(scope)) {
        const key = scope.toLowerCase().replace(/\/+$/, "");
        const sharing = decryptors.get(key);
        if (sharing) sharing.push({ grant, namespaces });
        else decryptors.set(key, [{ grant, namespaces }]);
      } else if (tenantNamespacesOfIdentity.length > 0) {
        findings.push({ urn: grant.urn, message: `${grant.name}: tenant ${tenantNamespacesOfIdentity.join(", ")}'s identity ${who.identity} may decrypt with every key under ${scope.replace(/\/+$/, "").split("/").pop()}, not only its own` });
      }
    }
    for (const [key, grants] of decryptors) {
      const namespaces = new Set(grants.flatMap((g) => [...g.namespaces]));
      if (namespaces.size <= 1 || ![...namespaces].some((ns) => tenants.has(ns))) continue;
      for (const { grant } of grants) {
        findings.push({ urn: grant.urn, message: `${grant.name}: key ${key.split("/").pop()} is decryptable from namespaces ${[...namespaces].sort().join(", ")}; each tenant needs a key of its own` });
      }
    }
    return findings;
  },
};

export const FLUX_POLICIES = [fluxMultiTenancyLockdown, sopsDecryptionPerTenant];
