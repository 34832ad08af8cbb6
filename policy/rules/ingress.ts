/**
 * Ingress through the AKS application routing add-on (docs/ingress.md): one shared NGINX serves
 * every tenant, so each tenant's side of it must be fenced by the platform, whatever the config.
 * - tenant-ingress-admission: where a cluster runs the add-on, every tenant namespace has a Deny
 *   binding of a policy on Ingresses (ingress-policy.ts: hosts and certificates of its own, no
 *   snippets, no catch-all); a namespace without one could publish any host at the controller.
 *   A namespace that admits the controller's namespace on the network has that binding too.
 * - app-routing-grants-scoped: the add-on identity's Key Vault grants are each on one secret
 *   (`<vault>/secrets/<name>`), never a vault or wider: the add-on syncs whatever certificate an
 *   Ingress names into that Ingress's namespace.
 */
import { APP_ROUTING_NAMESPACE } from "../../components/tenant/ingress-policy";
import { BUILT_IN_ROLES } from "../../components/azure/role-ids";
import { tenantNamespaces } from "./kubernetes";
import { assignedRoleGuid, CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";

const ADMISSION = "kubernetes:admissionregistration.k8s.io/v1";
const KEY_VAULT_ROLE_GUIDS = new Set<string>(Object.entries(BUILT_IN_ROLES).filter(([name]) => name.startsWith("Key Vault")).map(([, guid]) => guid));

function runsAppRouting(resources: readonly CheckedResource[]): boolean {
  return ofType(resources, "azure-native:containerservice:ManagedCluster").some((c) => get(c.props, "ingressProfile", "webAppRouting", "enabled") === true);
}

/** Namespaces with a Deny binding of a policy that matches Ingress writes. */
function ingressGuardedNamespaces(resources: readonly CheckedResource[]): Set<string> {
  const ingressPolicies = new Set(
    ofType(resources, `${ADMISSION}:ValidatingAdmissionPolicy`)
      .filter((p) => {
        const rules = (get(p.props, "spec", "matchConstraints", "resourceRules") ?? []) as { apiGroups?: string[]; resources?: string[]; operations?: string[] }[];
        return rules.some((r) => r.apiGroups?.includes("networking.k8s.io") && r.resources?.includes("ingresses") && r.operations?.includes("CREATE") && r.operations?.includes("UPDATE"));
      })
      .map((p) => text(get(p.props, "metadata", "name"))),
  );
  return new Set(
    ofType(resources, `${ADMISSION}:ValidatingAdmissionPolicyBinding`)
      .filter((b) => ingressPolicies.has(text(get(b.props, "spec", "policyName"))) && ((get(b.props, "spec", "validationActions") ?? []) as string[]).includes("Deny"))
      .map((b) => text(get(b.props, "spec", "matchResources", "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"))),
  );
}

export const tenantIngressAdmission: PlatformPolicy = {
  name: "tenant-ingress-admission",
  description: "Where a cluster runs the application routing add-on, every tenant namespace has the Deny binding that holds its Ingresses to its own hosts and certificates.",
  enforcement: mandatory,
  check: (resources) => {
    const guarded = ingressGuardedNamespaces(resources);
    const tenants = tenantNamespaces(resources);
    const unguarded: Finding[] = runsAppRouting(resources)
      ? ofType(resources, "kubernetes:core/v1:Namespace")
          .map((ns) => ({ ns, name: text(get(ns.props, "metadata", "name")) }))
          .filter(({ name }) => tenants.has(name) && !guarded.has(name))
          .map(({ ns, name }) => ({ urn: ns.urn, message: `tenant namespace ${name} has no Deny binding of an Ingress admission policy: its Ingresses could take any host at the shared controller` }))
      : [];
    const admitting = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
      .filter((p) => JSON.stringify(get(p.props, "spec", "ingress") ?? []).includes(`"kubernetes.io/metadata.name":"${APP_ROUTING_NAMESPACE}"`))
      .filter((p) => !guarded.has(text(get(p.props, "metadata", "namespace"))))
      .map((p): Finding => ({ urn: p.urn, message: `${p.name}: admits ${APP_ROUTING_NAMESPACE} into ${text(get(p.props, "metadata", "namespace"))}, which has no Ingress admission binding` }));
    return [...unguarded, ...admitting];
  },
};

export const appRoutingGrantsScoped: PlatformPolicy = {
  name: "app-routing-grants-scoped",
  description: "The application routing add-on's Key Vault grants are each on one secret, never a vault or wider.",
  enforcement: mandatory,
  check: (resources) => {
    const access = new Set(ofType(resources, "gitops-platform:azure:AppRoutingAccess").map((c) => c.urn));
    return ofType(resources, "azure-native:authorization:RoleAssignment")
      .filter((g) => g.links?.parent != null && access.has(g.links.parent) && KEY_VAULT_ROLE_GUIDS.has(assignedRoleGuid(g)))
      .filter((g) => !/\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+\/secrets\/[^/]+$/i.test(text(get(g.props, "scope"))))
      .map((g) => ({ urn: g.urn, message: `${g.name}: the application routing add-on gets a Key Vault role on ${text(get(g.props, "scope"))}; grant it on each certificate's secret (<vault>/secrets/<name>) only` }));
  },
};

export const INGRESS_POLICIES = [tenantIngressAdmission, appRoutingGrantsScoped];
