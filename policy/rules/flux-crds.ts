/**
 * Flux's CRDs hold every tenant's Kustomizations, sources and Helm releases: deleting a CRD
 * deletes every object of its kind, and their workloads follow through garbage collection. The
 * flux2 chart's CRDs are templates, which Helm deletes on uninstall (or when the release is
 * replaced) unless they carry `helm.sh/resource-policy: keep` (issue 24 item 9).
 */
import { fluxCrdsKept } from "../../components/kubernetes/flux-install";
import { CheckedResource, get, mandatory, ofType, PlatformPolicy } from "../types";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const EXTENSION = "azure-native:kubernetesconfiguration:Extension";

export const fluxCrdsKeptOnUninstall: PlatformPolicy = {
  name: "flux-crds-kept-on-uninstall",
  description: "The flux2 chart's CRDs carry helm.sh/resource-policy: keep (values crds.annotations), so uninstalling or replacing the release never deletes the tenants' Flux objects.",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, RELEASE)
      .filter((r) => get(r.props, "chart") === "flux2" && !fluxCrdsKept((get(r.props, "values") ?? {}) as Record<string, unknown>))
      .map((r) => ({ urn: r.urn, message: `${r.name}: the flux2 chart's CRDs lack helm.sh/resource-policy: keep (values crds.annotations); uninstalling the release would delete every tenant's Kustomizations and sources` })),
};

/** The Flux installs, whose deletion stops (extension: deletes) every tenant's reconciliation: protected in production with the stateful resources. */
export function fluxInstalls(resources: readonly CheckedResource[]): CheckedResource[] {
  return resources.filter(
    (r) => (r.type === RELEASE && get(r.props, "chart") === "flux2") || (r.type === EXTENSION && get(r.props, "extensionType") === "microsoft.flux"),
  );
}
