/** Synthesis of one stack: config file in, the resource graph out. */
import * as path from "node:path";
import { EngineRun, PROJECT, RecordedResource, runProgram } from "./engine";
import { readStackFile } from "./stack-file";
import { SchemaViolation, validateKubernetesObjects } from "./validate";
import { readingStackFilesOnce, readTenantStackFile, TENANTS_DIR, TENANTS_PROJECT, tenantStackNames } from "../stacks/tenant-stacks";

/** One resource in the synth JSON (the contract in docs/DESIGN.md, "Synth"). */
export type GraphResource = Pick<
  RecordedResource,
  "urn" | "type" | "name" | "custom" | "parent" | "provider" | "dependencies" | "protect" | "inputs" | "outputs"
> & {
  /** Input paths holding secrets -> fingerprint; present only when there are any. */
  secrets?: Record<string, string>;
  /**
   * The ID of an existing cloud resource the engine adopts (the `import` option) instead of
   * creating one; present only then.
   */
  import?: string;
  /** The stack it belongs to, in an environment's graph of several stacks (synthesizeEnvironment). */
  stack?: string;
};

export interface SynthGraph {
  project: string;
  stack: string;
  resources: GraphResource[];
  outputs: Record<string, unknown>;
}

export interface SynthOptions {
  stack: string;
  /** A stack config file; defaults to `Pulumi.<stack>.yaml` in the project root. */
  configFile?: string;
  /** Decrypted values for `secure:` config keys (tests plant known secrets this way). */
  secretValues?: Record<string, string>;
  /** The program to run; defaults to the project's index.ts. */
  program?: () => unknown;
  preview?: boolean;
  /** Receives every recorded resource, even when the program fails. */
  registered?: RecordedResource[];
  /** The day config rules bound to the calendar judge by (Kubernetes support). Default: today. */
  today?: Date;
  /** The stack outputs of the previous deployment, which the program reads back. Default: none, a first deployment. */
  previousOutputs?: Record<string, unknown>;
  /** Other stacks' outputs, by `organization/project/stack` (a tenant stack's platform stack). */
  otherStacks?: Record<string, Record<string, unknown>>;
}

export interface SynthResult {
  graph: SynthGraph;
  run: EngineRun;
  violations: SchemaViolation[];
}

export const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * Runs index.ts afresh: the module body is the program, so it must execute on every synth. Like
 * the Pulumi Node runtime (cmd/run/run.js), an exported function is the program: it is called,
 * and what it returns are the stack outputs.
 */
export function projectProgram(): unknown {
  const entry = require.resolve(path.join(PROJECT_ROOT, "index"));
  delete require.cache[entry];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported: unknown = require(entry);
  return exported instanceof Function ? exported() : exported;
}

export function toGraphResource(r: RecordedResource): GraphResource {
  const { urn, type, name, custom, parent, provider, dependencies, protect, inputs, outputs, secrets } = r;
  const resource: GraphResource = { urn, type, name, custom, parent, provider, dependencies, protect, inputs, outputs };
  if (Object.keys(secrets).length > 0) resource.secrets = secrets;
  if (r.importId) resource.import = r.importId;
  return resource;
}

export async function synthesize(options: SynthOptions): Promise<SynthResult> {
  const file = options.configFile ?? path.join(PROJECT_ROOT, `Pulumi.${options.stack}.yaml`);
  const { config, secretKeys } = readStackFile(file, options.secretValues);
  const run = await runProgram(options.program ?? projectProgram, {
    stack: options.stack,
    config,
    secretKeys,
    preview: options.preview,
    registered: options.registered,
    today: options.today,
    previousOutputs: options.previousOutputs,
    otherStacks: options.otherStacks,
    // The stack file's directory is the project root (the engine runs where Pulumi.<stack>.yaml is).
    rootDirectory: path.dirname(file),
  });
  const resources = run.resources.map(toGraphResource).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return {
    graph: { project: PROJECT, stack: options.stack, resources, outputs: run.outputs },
    run,
    violations: await validateKubernetesObjects(run.resources),
  };
}

/** The tenant stacks' program, tenants/index.ts, run afresh like index.ts. */
export function tenantsProgram(): unknown {
  const entry = require.resolve(path.join(PROJECT_ROOT, TENANTS_DIR, "index"));
  delete require.cache[entry];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported: unknown = require(entry);
  return exported instanceof Function ? exported() : exported;
}

export interface TenantSynthOptions {
  /** `<environment>-<name>`: `tenants/Pulumi.<stack>.yaml`. */
  stack: string;
  /** The platform stack's outputs (its synthesized ones, or `pulumi stack output --json --show-secrets`). */
  platformOutputs: Record<string, unknown>;
  /** The platform stack it builds on, as the file names it. */
  platformStack: string;
  configFile?: string;
  secretValues?: Record<string, string>;
  today?: Date;
  registered?: RecordedResource[];
}

/** One tenant stack against its platform stack's outputs. */
export async function synthesizeTenantStack(options: TenantSynthOptions): Promise<SynthResult> {
  const file = options.configFile ?? path.join(PROJECT_ROOT, TENANTS_DIR, `Pulumi.${options.stack}.yaml`);
  const { config, secretKeys } = readStackFile(file, options.secretValues);
  const run = await runProgram(tenantsProgram, {
    stack: options.stack,
    project: TENANTS_PROJECT,
    config,
    secretKeys,
    registered: options.registered,
    today: options.today,
    otherStacks: { [options.platformStack]: options.platformOutputs },
  });
  const resources = run.resources.map(toGraphResource).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return {
    graph: { project: TENANTS_PROJECT, stack: options.stack, resources, outputs: run.outputs },
    run,
    violations: await validateKubernetesObjects(run.resources),
  };
}

/** An environment: its platform stack and every tenant stack of it, each synthesized. */
export interface EnvironmentSynth {
  platform: SynthResult;
  tenantStacks: { stack: string; result: SynthResult }[];
  /** One graph of every stack's resources, each naming its stack; the platform's outputs. */
  graph: SynthGraph;
}

/** The `organization/project/stack` name a tenant stack file gives its platform stack, as synth's backend names it. */
export function platformStackReference(stack: string): string {
  return `organization/${PROJECT}/${stack}`;
}

/**
 * The platform stack, then each tenant stack of its environment against the platform's
 * synthesized outputs (what a StackReference reads after the platform's deploy), in one process:
 * the SDK and providers load once.
 */
export async function synthesizeEnvironment(options: SynthOptions): Promise<EnvironmentSynth> {
  return readingStackFilesOnce(() => synthesizeEnvironmentStacks(options));
}

async function synthesizeEnvironmentStacks(options: SynthOptions): Promise<EnvironmentSynth> {
  const platform = await synthesize(options);
  const environment = String(platform.graph.outputs.environment ?? options.stack);
  const tenantStacks: EnvironmentSynth["tenantStacks"] = [];
  for (const stack of tenantStackNames(PROJECT_ROOT, environment)) {
    const file = readTenantStackFile(PROJECT_ROOT, stack);
    const result = await synthesizeTenantStack({
      stack,
      platformOutputs: platform.run.rawOutputs,
      platformStack: file.platformStack ?? platformStackReference(options.stack),
      today: options.today,
    });
    tenantStacks.push({ stack, result });
  }
  return { platform, tenantStacks, graph: combinedGraph(platform.graph, tenantStacks.map((t) => t.result.graph)) };
}

/**
 * Several stacks' graphs as one: every resource names its stack; the outputs are the platform's.
 * Sorted by URN like one stack's graph (docs/DESIGN.md, "Synth"): `prod-x::` sorts before `prod::`.
 */
export function combinedGraph(platform: SynthGraph, tenantStacks: readonly SynthGraph[]): SynthGraph {
  if (tenantStacks.length === 0) return platform;
  const resources = [platform, ...tenantStacks]
    .flatMap((graph) => graph.resources.map((r) => ({ ...r, stack: graph.stack })))
    .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return { ...platform, resources };
}
