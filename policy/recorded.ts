/**
 * The shape of one resource as the synth engine records it: what policy/from-synth.ts reads. Here,
 * not in synth/, so that policy/ never imports synth/ (the engine imports it from here).
 */

/** One resource as the engine received it. `inputs`/`outputs` are redacted; `values` are not. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id: string | null;
  parent: string | null;
  provider: string | null;
  dependencies: string[];
  protect: boolean;
  /**
   * The `import` resource option: the ID of an existing cloud resource the engine adopts instead
   * of creating one (it reads it, then updates it to the inputs). Null when the resource is created.
   */
  importId: string | null;
  /** The `ignoreChanges` resource option: input paths whose old values the engine keeps. */
  ignoreChanges: string[];
  /**
   * The `deletedWith` resource option: the URN of a resource whose deletion takes this one along,
   * so the engine does not delete it on its own. Null when unset.
   */
  deletedWith: string | null;
  /** The `retainOnDelete` resource option, when set: the engine drops the resource from state but never deletes it. */
  retainOnDelete?: boolean;
  /** URNs the resource may have had before (the aliases option): state under them is adopted, not replaced. */
  aliases: string[];
  /**
   * Which resources each input came from: input name -> the URNs of the resources whose outputs
   * its value was built from (the register request's `propertyDependencies`, which the engine
   * keeps in state and hands to CrossGuard stack policies). Inputs with no such resource are
   * absent.
   */
  propertyDependencies: Record<string, string[]>;
  /** The `additionalSecretOutputs` resource option (CrossGuard hands it to policies in `opts`). */
  additionalSecretOutputs: string[];
  /** Inputs with every secret replaced by "[secret]" (safe to print or write). */
  inputs: Record<string, unknown>;
  /** Provider outputs (custom resources) or registered outputs (components), redacted. */
  outputs: Record<string, unknown>;
  /** Input paths that hold secrets, with a salted fingerprint of each value. */
  secrets: Record<string, string>;
  /** The plain input values, secrets revealed: for schema validation and tests only, never printed. */
  values: Record<string, unknown>;
}
