/**
 * What `npm run synth` does (synth/cli.ts is its entry point, which loads this module): arguments,
 * the stacks synthesized, their trees, critical paths, schema violations and findings, the exit code.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { DEPLOY_RULES } from "../policy/deploy";
import { evaluateEnvironment, policyContext } from "../policy/evaluate";
import type { CheckedResource } from "../policy/types";
import { checkedFromRecord } from "../policy/from-synth";
import { Violation } from "../policy/types";
import { ConfigError } from "../stacks/load";
import { criticalPath, renderCriticalPath } from "./critical-path";
import { StackFileError } from "./stack-file";
import { readTenantStackFile, TENANTS_DIR, TenantStackFileError } from "../stacks/tenant-stacks";
import { combinedGraph, PROJECT_ROOT, synthesize, synthesizeEnvironment, synthesizeTenantStack, SynthResult } from "./synthesize";
import { renderTree } from "./tree";

const USAGE = "usage: npm run synth -- <stack> [--json FILE] [--config FILE] [--today YYYY-MM-DD] [--previous FILE] [--platform-outputs FILE]";

export interface CliArgs {
  stack: string;
  json?: string;
  config?: string;
  /** Judge calendar-bound config rules (Kubernetes support) as of this day instead of today. */
  today?: Date;
  /**
   * The previous deployment's stack outputs, which the program checks its config against: a synth
   * graph (`--json` of the base) or `pulumi stack output --json`. Default: a first deployment.
   */
  previous?: string;
  /** A tenant stack's platform outputs (`pulumi stack output --json --show-secrets`, or a synth graph); default: the platform stack synthesized. */
  platformOutputs?: string;
}

/** A synth graph's outputs, or the file itself when it is a plain outputs object. */
export function readPreviousOutputs(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new StackFileError(`${file}: cannot read the previous deployment's outputs (a synth --json graph or pulumi stack output --json)`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new StackFileError(`${file}: the previous deployment's outputs must be a JSON object`);
  }
  const graph = parsed as { resources?: unknown; outputs?: unknown };
  return Array.isArray(graph.resources) && typeof graph.outputs === "object" && graph.outputs !== null
    ? (graph.outputs as Record<string, unknown>)
    : (parsed as Record<string, unknown>);
}

/** A calendar day as YYYY-MM-DD, at noon UTC so that no time zone moves it; or undefined. */
function parseDay(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const day = new Date(`${text}T12:00:00Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text ? undefined : day;
}

export function parseArgs(argv: readonly string[]): CliArgs | string {
  const args: Partial<CliArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json" || arg === "--config" || arg === "--previous" || arg === "--platform-outputs") {
      const value = argv[++i];
      if (!value || value.startsWith("--")) return `${arg} needs a file name\n${USAGE}`;
      const key = arg === "--platform-outputs" ? "platformOutputs" : (arg.slice(2) as "json" | "config" | "previous");
      args[key] = value;
    } else if (arg === "--today") {
      const value = argv[++i];
      const day = value === undefined ? undefined : parseDay(value);
      if (!day) return `--today needs a day as YYYY-MM-DD\n${USAGE}`;
      args.today = day;
    } else if (arg.startsWith("--")) {
      return `unknown option ${arg}\n${USAGE}`;
    } else if (args.stack === undefined) {
      args.stack = arg;
    } else {
      return `unexpected argument ${arg}\n${USAGE}`;
    }
  }
  if (!args.stack) return USAGE;
  if (!/^[A-Za-z0-9_.-]+$/.test(args.stack)) return `stack name "${args.stack}" has characters Pulumi does not allow`;
  return args as CliArgs;
}

/** `program` replaces index.ts (tests use it to synthesize a deliberately broken object). */
export async function main(argv: readonly string[], program?: () => unknown): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    console.error(args);
    return 1;
  }
  try {
    const stacks = await synthesizeStacks(args, program);
    if (args.json) writeFileSync(args.json, `${JSON.stringify(combinedGraph(stacks[0].result.graph, stacks.slice(1).map((s) => s.result.graph)), null, 2)}\n`);
    return judge(stacks);
  } catch (error) {
    if (ConfigError.isConfigError(error)) {
      console.error(`Invalid stack config for ${args.stack} (${error.problems.length} problem(s)):`);
      for (const problem of error.problems) console.error(`  ${problem}`);
      return 1;
    }
    if (error instanceof StackFileError || error instanceof TenantStackFileError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

/** A tenant stack: `tenants/Pulumi.<stack>.yaml`, and no platform stack file of that name. */
function isTenantStack(stack: string): boolean {
  return existsSync(path.join(PROJECT_ROOT, TENANTS_DIR, `Pulumi.${stack}.yaml`)) && !existsSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`));
}

/** The stacks to judge: a platform stack and its environment's tenant stacks, or one tenant stack. */
/** A synthesized stack, and the resources of the stack it builds on (a tenant stack's platform). */
interface SynthesizedStack {
  stack: string;
  result: SynthResult;
  underneath?: CheckedResource[];
}

async function synthesizeStacks(args: CliArgs, program?: () => unknown): Promise<SynthesizedStack[]> {
  const previousOutputs = args.previous === undefined ? undefined : readPreviousOutputs(args.previous);
  if (!isTenantStack(args.stack)) {
    if (program || args.config) return [{ stack: args.stack, result: await synthesize({ stack: args.stack, configFile: args.config, program, today: args.today, previousOutputs }) }];
    const environment = await synthesizeEnvironment({ stack: args.stack, today: args.today, previousOutputs });
    const underneath = environment.platform.run.resources.map(checkedFromRecord);
    return [{ stack: args.stack, result: environment.platform }, ...environment.tenantStacks.map((t) => ({ ...t, underneath }))];
  }
  const file = readTenantStackFile(PROJECT_ROOT, args.stack);
  const platformStack = file.platformStack;
  if (platformStack === undefined) throw new TenantStackFileError(`${file.file}: gitops-platform-tenants:platformStack is not set`);
  const platform = args.platformOutputs === undefined ? await synthesize({ stack: platformStack.split("/").pop()!, today: args.today }) : undefined;
  const platformOutputs = platform ? platform.run.rawOutputs : readPreviousOutputs(args.platformOutputs!);
  const result = await synthesizeTenantStack({ stack: args.stack, configFile: args.config, platformOutputs, platformStack, today: args.today });
  return [{ stack: args.stack, result, underneath: platform?.run.resources.map(checkedFromRecord) }];
}

/**
 * Prints each stack's tree, critical path and schema violations, then the policies' and deploy
 * rules' findings per stack (evaluateEnvironment: two passes over the environment, however many
 * stacks); the exit code.
 */
function judge(stacks: readonly SynthesizedStack[]): number {
  const several = stacks.length > 1;
  let invalid = false;
  for (const { stack, result } of stacks) {
    if (several) console.log(`\n== ${result.graph.project}/${stack} ==`);
    console.log(renderTree(result.graph.resources));
    console.log(`\n${renderCriticalPath(criticalPath(result.graph.resources))}`);
    if (result.violations.length > 0) {
      console.error(`\n${result.violations.length} Kubernetes object(s) break their schema:`);
      for (const v of result.violations) console.error(`  ${v.message}`);
      invalid = true;
    }
  }
  if (invalid) return 1;
  const [first, ...rest] = stacks;
  // A tenant stack alone builds on its platform's resources (synthesized) or on none (--platform-outputs).
  const platform = first.underneath !== undefined
    ? { stack: "(platform)", resources: first.underneath }
    : { stack: first.stack, resources: first.result.run.resources.map(checkedFromRecord) };
  const tenantStacks = (first.underneath !== undefined ? stacks : rest).map(({ stack, result }) => ({ stack, resources: result.run.resources.map(checkedFromRecord) }));
  const context = policyContext(platform.resources.length > 0 ? platform.resources : tenantStacks[0].resources, first.stack);
  const policies = evaluateEnvironment(platform, tenantStacks, context);
  const rules = evaluateEnvironment(platform, tenantStacks, context, DEPLOY_RULES);
  const judged = first.underneath !== undefined ? tenantStacks.map((t) => t.stack) : stacks.map((s) => s.stack);
  let mandatory = false;
  for (const stack of judged) {
    if (several) console.log(`\n== findings: ${stack} ==`);
    mandatory = printFindings("policy", "Policies", policies.byStack.get(stack)!) || mandatory;
    mandatory = printFindings("deploy rule", "Deploy rules", rules.byStack.get(stack)!) || mandatory;
  }
  if (policies.acrossStacks.length + rules.acrossStacks.length > 0) {
    console.log("\n== findings across stacks ==");
    mandatory = printFindings("policy", "Policies", policies.acrossStacks) || mandatory;
    mandatory = printFindings("deploy rule", "Deploy rules", rules.acrossStacks) || mandatory;
  }
  if (several) console.log(`\n${stacks.length} stacks: ${stacks.map((s) => `${s.stack} (${s.result.graph.resources.length})`).join(", ")}`);
  return mandatory ? 2 : 0;
}

/** Prints findings by enforcement level; whether any is mandatory. */
function printFindings(kind: string, title: string, findings: readonly Violation[]): boolean {
  for (const level of ["mandatory", "advisory"] as const) {
    const list = findings.filter((f) => f.enforcement === level);
    if (list.length === 0) continue;
    const print = level === "mandatory" ? console.error : console.log;
    print(`\n${list.length} ${level} ${kind} violation(s):`);
    for (const f of list) print(`  [${f.policy}] ${f.message}`);
  }
  if (findings.length === 0) console.log(`\n${title}: all passed`);
  return findings.some((f) => f.enforcement === "mandatory");
}
