/**
 * Which resource an input names, read the same way in synth and under CrossGuard.
 *
 * Synth hands policies a resource's inputs and outputs; CrossGuard hands a stack policy its
 * outputs only (pulumi/pulumi step_generator.go AnalyzeResources: `Properties: v.Outputs`). An
 * azure-native resource's outputs are its ARM response body, and the path parameters that say
 * where it lives are not in it: a federated credential's outputs have no `resourceName` (the
 * identity it belongs to), a key's no `vaultName` or `resourceGroupName` (the SDK's output
 * properties, @pulumi/azure-native managedidentity/federatedIdentityCredential.js and
 * keyvault/key.js). What CrossGuard does hand over is `propertyDependencies`: for each input,
 * the resources its value was computed from. So an input is read from props when present, else
 * through the one resource of the expected type it depends on; when neither says, the caller
 * must report that it cannot decide.
 */
import { CheckedResource, get, text } from "./types";

export const IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
export const CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
export const RESOURCE_GROUP = "azure-native:resources:ResourceGroup";


/** The resources of `type` that `r`'s input `input` was computed from (its propertyDependencies). */
export function dependedOn(r: CheckedResource, input: string, type: string, byUrn: ReadonlyMap<string, CheckedResource>): CheckedResource[] {
  const urns = r.links?.propertyDependencies?.[input] ?? [];
  return urns.map((urn) => byUrn.get(urn)).filter((d): d is CheckedResource => d?.type === type);
}

/** A resource's own name: its `name` output (an ARM resource's name), else `nameInput` from its inputs. */
export function ownName(r: CheckedResource, nameInput?: string): string {
  return text(get(r.props, "name")) || (nameInput ? text(get(r.props, nameInput)) : "");
}

/**
 * The name input `input` of `r` gives, naming a resource of `type`: the plain value in props, or
 * the name of the one resource of that type the input was computed from. Undefined when neither
 * says (CrossGuard, and the value did not come from a resource of the stack).
 */
export function namedBy(
  r: CheckedResource,
  input: string,
  type: string,
  byUrn: ReadonlyMap<string, CheckedResource>,
): string | undefined {
  const given = text(get(r.props, input));
  if (given) return given;
  const sources = dependedOn(r, input, type, byUrn);
  const names = [...new Set(sources.map((s) => ownName(s)).filter(Boolean))];
  return names.length === 1 ? names[0] : undefined;
}

export interface Federation {
  /** Federated credentials by the URN of the identity they belong to. */
  byIdentity: Map<string, CheckedResource[]>;
  /**
   * Credentials whose identity cannot be told: props lack `resourceName` and no identity of the
   * stack is among its propertyDependencies. Any of them may belong to any identity.
   */
  unlinked: CheckedResource[];
}

/**
 * Every federated credential of the stack linked to its identity: through propertyDependencies
 * (`resourceName` computed from the identity's name output, which CrossGuard keeps), else by the
 * plain `resourceName` (synth) matched against the identities' names. A credential whose plain
 * `resourceName` names no identity of the stack belongs to one outside it, and is linked to none.
 */
export function federation(resources: readonly CheckedResource[]): Federation {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const identitiesByName = new Map<string, CheckedResource[]>();
  for (const identity of resources) {
    if (identity.type !== IDENTITY) continue;
    const name = ownName(identity, "resourceName");
    const named = identitiesByName.get(name);
    if (named) named.push(identity);
    else identitiesByName.set(name, [identity]);
  }
  const byIdentity = new Map<string, CheckedResource[]>();
  const unlinked: CheckedResource[] = [];
  for (const credential of resources) {
    if (credential.type !== CREDENTIAL) continue;
    const linked = dependedOn(credential, "resourceName", IDENTITY, byUrn);
    const plain = text(get(credential.props, "resourceName"));
    const owners = linked.length > 0 ? linked : plain ? (identitiesByName.get(plain) ?? []) : undefined;
    if (owners === undefined) {
      unlinked.push(credential);
      continue;
    }
    for (const owner of owners) {
      const credentials = byIdentity.get(owner.urn);
      if (credentials) credentials.push(credential);
      else byIdentity.set(owner.urn, [credential]);
    }
  }
  return { byIdentity, unlinked };
}

/** Which identity of the stack a role assignment grants to (see `grantees`). */
export type GranteeLookup = (assignment: CheckedResource) => CheckedResource | undefined;

/**
 * For the role assignments of `resources`, the identity of the stack each grants to: the first
 * whose `principalId` output is the assignment's, else the one its `principalId` input was
 * computed from. The identities are indexed once here, so call it once per check, not per
 * assignment.
 */
export function grantees(resources: readonly CheckedResource[]): GranteeLookup {
  const byPrincipal = new Map<string, CheckedResource>();
  const byUrn = new Map<string, CheckedResource>();
  for (const identity of resources) {
    if (identity.type !== IDENTITY) continue;
    byUrn.set(identity.urn, identity);
    const principalId = text(get(identity.props, "principalId"));
    if (principalId && !byPrincipal.has(principalId)) byPrincipal.set(principalId, identity);
  }
  return (assignment) => {
    const principalId = text(get(assignment.props, "principalId"));
    const byValue = principalId ? byPrincipal.get(principalId) : undefined;
    return byValue ?? dependedOn(assignment, "principalId", IDENTITY, byUrn)[0];
  };
}

/** "cannot decide" for credentials whose identity is unknown, naming them. */
export function unlinkedMessage(policy: string, unlinked: readonly CheckedResource[]): string {
  return `${policy}: cannot decide, federated credential(s) ${unlinked.map((c) => c.name).join(", ")} name no identity (no resourceName in props and no identity in its propertyDependencies)`;
}
