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

/**
 * A load tester the platform runs (its image `flagger-loadtester`, in any Deployment) serves only
 * Canaries of its own namespace: `-namespace-regexp=^<namespace>$`. Without the flag it serves
 * every namespace; without the anchors Go's unanchored MatchString admits any namespace that
 * contains the name (flagger pkg/loadtester/authorizer.go). Either way another tenant's Canary
 * could make it run commands in this namespace.
 */
export const flaggerLoadTesterOwnNamespace: PlatformPolicy = {
  name: "flagger-loadtester-own-namespace",
  description: "A Flagger load tester serves only Canaries of its own namespace: -namespace-regexp=^<namespace>$.",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, "kubernetes:apps/v1:Deployment").flatMap((deployment): Finding[] => {
      const namespace = String(get(deployment.props, "metadata", "namespace") ?? "");
      const containers = (get(deployment.props, "spec", "template", "spec", "containers") ?? []) as { image?: string; command?: string[]; args?: string[] }[];
      const expected = `-namespace-regexp=^${namespace}$`;
      return containers
        .filter((c) => typeof c.image === "string" && /(^|\/)flagger-loadtester(:|@|$)/.test(c.image))
        .filter((c) => ![...(c.command ?? []), ...(c.args ?? [])].includes(expected))
        .map((c) => ({
          urn: deployment.urn,
          message: `${deployment.name}: the load tester ${c.image} does not run with ${expected}, so other namespaces' Canaries can make it run commands in ${namespace}`,
        }));
    }),
};
