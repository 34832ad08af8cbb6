/** Synthesis of one stack: config file in, the resource graph out. */
import * as path from "node:path";
import { EngineRun, PROJECT, RecordedResource, runProgram } from "./engine";
import { readStackFile } from "./stack-file";
import { SchemaViolation, validateKubernetesObjects } from "./validate";

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
  });
  const resources = run.resources.map(toGraphResource).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return {
    graph: { project: PROJECT, stack: options.stack, resources, outputs: run.outputs },
    run,
    violations: await validateKubernetesObjects(run.resources),
  };
}
