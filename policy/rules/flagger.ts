/**
 * Flagger serves every tenant from one controller: where the stack has tenants, it runs with
 * `-no-cross-namespace-refs`, so a Canary uses only MetricTemplates and AlertProviders of its
 * own namespace (flagger pkg/controller/controller.go verifyNoCrossNamespaceRefs). Without it, a
 * tenant's Canary could name another tenant's MetricTemplate, and Flagger would query with the
 * credentials Secret that template names, or alert through another tenant's webhook.
 */
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy } from "../types";
import { tenantNamespaces } from "./kubernetes";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The `-no-cross-namespace-refs` value the flagger chart renders from its values (templates/deployment.yaml: only when truthy). */
function rendersNoCrossNamespaceRefs(release: CheckedResource): boolean {
  return get(release.props, "values", "noCrossNamespaceRefs") === true;
}

export const flaggerNoCrossNamespaceRefs: PlatformPolicy = {
  name: "flagger-no-cross-namespace-refs",
  description: "Where the stack has tenants, Flagger runs with -no-cross-namespace-refs: a Canary uses only MetricTemplates and AlertProviders of its own namespace.",
  enforcement: mandatory,
  check: (resources) => {
    if (tenantNamespaces(resources).size === 0) return [];
    return ofType(resources, RELEASE)
      .filter((r) => get(r.props, "chart") === "flagger" && !rendersNoCrossNamespaceRefs(r))
      .map((r): Finding => ({ urn: r.urn, message: `${r.name}: Flagger runs without -no-cross-namespace-refs (values.noCrossNamespaceRefs: true), so tenants' Canaries may use other namespaces' MetricTemplates and AlertProviders` }));
  },
};
