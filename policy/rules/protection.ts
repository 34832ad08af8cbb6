/** In production, what holds state cannot be deleted by a stray `pulumi up` or `destroy`. */
import { mandatory, PlatformPolicy } from "../types";
import { fluxInstalls } from "./flux-crds";
import { vaultReleases } from "./vault";

export const STATEFUL_TYPES = [
  "azure-native:keyvault:Vault",
  "azure-native:keyvault:Key",
  "azure-native:containerservice:ManagedCluster",
  // A registry holds the tenants' images: deleting it loses every image not rebuilt.
  "azure-native:containerregistry:Registry",
  // The audit log: deleting the workspace deletes the trail.
  "azure-native:operationalinsights:Workspace",
];

export const statefulResourcesProtected: PlatformPolicy = {
  name: "stateful-resources-protected",
  description: "In production the Key Vault, its keys, the AKS cluster, the container registries, the audit log's workspace, Vault's storage (its Helm release) and the Flux install (every tenant reconciles through it) are protected.",
  enforcement: mandatory,
  check: (resources, context) => {
    if (!context.production) return [];
    const vault = new Set([...vaultReleases(resources), ...fluxInstalls(resources)].map((r) => r.urn));
    return resources
      .filter((r) => (STATEFUL_TYPES.includes(r.type) || vault.has(r.urn)) && !r.protect)
      .map((r) => ({ urn: r.urn, message: `${r.name} (${r.type}) must be protected in production` }));
  },
};
