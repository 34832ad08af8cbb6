/**
 * What the platform's policies see and say. Policies are pure functions over a list of
 * resources, so the same code runs in synth (over the mock engine's graph) and in the CrossGuard
 * pack (over the real engine's resources).
 */
import type { GraphNode } from "./graph";

export interface CheckedResource {
  urn: string;
  type: string;
  name: string;
  /** Input properties with plain values. */
  props: Record<string, unknown>;
  protect: boolean;
  /**
   * Property paths that hold secret values (`stringData`, `data.identity`), or undefined where
   * the caller cannot tell (CrossGuard hands policies plain values).
   */
  secretPaths?: readonly string[];
  /**
   * The `additionalSecretOutputs` option: outputs the engine stores as secrets whatever the
   * program passed (CrossGuard hands it to policies in `opts`). Undefined where unknown.
   */
  secretOutputs?: readonly string[];
  /**
   * The engine's links (see policy/graph.ts), which deploy rules read: whether it is a custom
   * resource, its parent, provider and dependencies as URNs. Undefined where the caller cannot
   * tell; a rule that needs them then reports that it cannot decide.
   */
  links?: Links;
}

/**
 * The links as the engine keeps them in state: those of the graph, and `propertyDependencies`,
 * input name -> the URNs of the resources its value came from. Under CrossGuard a resource's
 * props are its outputs, and an ARM path parameter (an identity's `resourceName`, a key's
 * `vaultName`) is not in any response body, so there the link to the parent resource is known
 * only through `propertyDependencies` (see policy/links.ts).
 */
export type Links = Omit<GraphNode, "urn" | "type"> & { propertyDependencies?: Readonly<Record<string, readonly string[]>> };

export interface PolicyContext {
  environment: string;
  production: boolean;
}

export type Enforcement = "mandatory" | "advisory";

export interface Finding {
  urn?: string;
  message: string;
}

export interface PlatformPolicy {
  name: string;
  description: string;
  /** How strictly a finding counts; may depend on the environment. */
  enforcement(context: PolicyContext): Enforcement;
  check(resources: readonly CheckedResource[], context: PolicyContext): Finding[];
}

export interface Violation extends Finding {
  policy: string;
  enforcement: Enforcement;
}

export const mandatory = (): Enforcement => "mandatory";

/** Resources of one type token. */
export function ofType(resources: readonly CheckedResource[], type: string): CheckedResource[] {
  return resources.filter((r) => r.type === type);
}

/** Reads a nested property: get(props, "properties", "networkAcls", "defaultAction"). */
export function get(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A property as text: the string itself, "" for anything else. */
export const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** The role definition GUID a role assignment grants (the last segment of its roleDefinitionId), lower-cased. */
export function assignedRoleGuid(assignment: CheckedResource): string {
  return String(get(assignment.props, "roleDefinitionId") ?? "").split("/").pop()!.toLowerCase();
}
