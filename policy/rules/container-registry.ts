/**
 * Container registries: only Entra identities get in, and push reaches one tenant's registry from
 * workflows that pull requests cannot run as.
 */
import { TENANT_TAG } from "../../components/kubernetes/labels";
import { BUILT_IN_ROLES } from "../../components/azure/role-ids";
import { isPullRequestSubject } from "../../components/azure/container-registry-push";
import { dependedOn, federation, grantees, ownName, unlinkedMessage } from "../links";
import { assignedRoleGuid, CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy, text } from "../types";

export const REGISTRY = "azure-native:containerregistry:Registry";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";

/**
 * Roles that write images (learn.microsoft.com, "Azure built-in roles for Containers"): AcrPush
 * (push/write), and the quarantine and content-trust writers. Owner and Contributor also push in
 * a registry-wide registry; no-privileged-roles-for-workloads keeps those from workloads.
 */
const PUSH_ROLES: Record<string, string> = {
  [BUILT_IN_ROLES.AcrPush]: "AcrPush",
  "c8d4ff99-41c3-41a8-9f60-21dfdad59608": "AcrQuarantineWriter",
  "6cef56e8-d556-48e5-a04f-b8e64114680f": "AcrImageSigner",
};

/**
 * The registry admin user is one shared username and password that bypasses Entra (and every
 * role assignment); anonymous pull lets anyone on the internet read every image (ARM property
 * descriptions, Registry `adminUserEnabled`, `anonymousPullEnabled`). Both must be off. Unset is
 * off: ARM's default for both is false, and what ARM reports is what CrossGuard sees.
 */
export const registryEntraOnly: PlatformPolicy = {
  name: "container-registry-entra-only",
  description: "Container registries admit Entra identities only: no admin user, no anonymous pull.",
  enforcement: mandatory,
  check: (resources) =>
    ofType(resources, REGISTRY).flatMap((r) => {
      const findings: Finding[] = [];
      if (get(r.props, "adminUserEnabled") === true) findings.push({ urn: r.urn, message: `${r.name}: adminUserEnabled must be false (a shared password past Entra and every role)` });
      if (get(r.props, "anonymousPullEnabled") === true) findings.push({ urn: r.urn, message: `${r.name}: anonymousPullEnabled must be false (anyone could pull every image)` });
      return findings;
    }),
};

/** The registry name an ARM scope names (`.../providers/Microsoft.ContainerRegistry/registries/<name>`), lower-cased. */
export function registryOfScope(scope: string): string | undefined {
  return /\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)\/?$/i.exec(scope)?.[1]?.toLowerCase();
}

/**
 * For the grants of `resources`, the registry of the stack a grant's scope is: by the name in the
 * scope (the first registry of that name), else through its propertyDependencies. Indexed once.
 */
function scopedRegistries(resources: readonly CheckedResource[]): (grant: CheckedResource) => CheckedResource | undefined {
  const registries = ofType(resources, REGISTRY);
  const byName = new Map<string, CheckedResource>();
  for (const r of registries) {
    const name = ownName(r, "registryName").toLowerCase();
    if (!byName.has(name)) byName.set(name, r);
  }
  const byUrn = new Map(registries.map((r) => [r.urn, r]));
  return (grant) => {
    const name = registryOfScope(text(get(grant.props, "scope")));
    if (name) return byName.get(name);
    return dependedOn(grant, "scope", REGISTRY, byUrn)[0];
  };
}

const tenantTag = (r: CheckedResource) => text(get(r.props, "tags", TENANT_TAG));

/**
 * Push reaches one tenant's registry, from CI identities that pull requests cannot act as:
 * - only to a service principal: a group's members (and whoever joins it later) or a person would
 *   push around the tenant's reviewed workflows;
 * - only on one registry, never a resource group or subscription (every registry in it);
 * - never to an identity federated with GitHub's `pull_request` subject, which every pull
 *   request of the repository presents, forks' included where workflows run for them;
 * - a registry tagged for a tenant only to an identity tagged for the same tenant: tenant A's CI
 *   must not overwrite tenant B's images.
 * A grant to a principal the stack does not define, or whose credentials cannot be linked to it,
 * cannot be judged: the policy says so and does not pass.
 */
export const registryPushScoped: PlatformPolicy = {
  name: "container-registry-push-scoped",
  description:
    "Image push (AcrPush and the other writer roles) goes to service principals only, on one registry, never to an identity pull requests can use, and a tenant's registry only to that tenant's identity.",
  enforcement: mandatory,
  check: (resources) => {
    const { byIdentity, unlinked } = federation(resources);
    const granteeOf = grantees(resources);
    const scopedRegistry = scopedRegistries(resources);
    return ofType(resources, ASSIGNMENT).flatMap((grant): Finding[] => {
      const role = PUSH_ROLES[assignedRoleGuid(grant)];
      if (!role) return [];
      const say = (message: string): Finding[] => [{ urn: grant.urn, message: `${grant.name}: ${role} ${message}` }];
      const principalType = text(get(grant.props, "principalType"));
      if (principalType !== "ServicePrincipal") return say(`to a principal of type ${principalType || "unset"}; push only from CI identities (ServicePrincipal), never a group or a person`);
      const registry = scopedRegistry(grant);
      const scope = text(get(grant.props, "scope"));
      if (!registry) {
        if (scope && !registryOfScope(scope)) return say(`on ${scope}: push on one registry, not on everything under a resource group or subscription`);
        return say("container-registry-push-scoped: cannot decide, its scope names no registry of the stack");
      }
      const identity = granteeOf(grant);
      if (!identity) return say("container-registry-push-scoped: cannot decide, its principal is no managed identity of the stack");
      if (unlinked.length > 0) return say(`to ${ownName(identity, "resourceName")}; ${unlinkedMessage("container-registry-push-scoped", unlinked)}`);
      const pullRequest = (byIdentity.get(identity.urn) ?? []).map((c) => text(get(c.props, "subject"))).find(isPullRequestSubject);
      if (pullRequest) return say(`to an identity every pull request can use (${pullRequest}); push from a branch or an approval environment`);
      const owner = tenantTag(registry);
      if (owner && tenantTag(identity) !== owner) {
        return say(`on tenant ${owner}'s registry ${ownName(registry, "registryName")} to an identity of ${tenantTag(identity) ? `tenant ${tenantTag(identity)}` : "no tenant"}: a tenant's CI pushes to its own registry only`);
      }
      return [];
    });
  },
};

export const CONTAINER_REGISTRY_POLICIES: readonly PlatformPolicy[] = [registryEntraOnly, registryPushScoped];
