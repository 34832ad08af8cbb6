/**
 * `gitops-platform/testing`: what this project tests itself with, for platform teams that import
 * the components into a program of their own (docs/testing.md). It runs a program under the
 * Pulumi SDK's mock runtime with the platform's mocks (no credentials, no CLI), validates every
 * Kubernetes object it registers against its schema, and runs the platform's policies and deploy
 * rules over the result, as `npm run synth` does for this project's stacks.
 */
import { DEPLOY_RULES } from "../policy/deploy";
import { evaluatePolicies, PLATFORM_POLICIES, policyContext } from "../policy/evaluate";
import { checkedFromRecord } from "../policy/from-synth";
import type { CheckedResource, PlatformPolicy, PolicyContext, Violation } from "../policy/types";
import { EngineOptions, RecordedResource, runProgram } from "./engine";
import { SchemaViolation, validateKubernetesObjects } from "./validate";

export { DEPLOY_RULES, PLATFORM_POLICIES, checkedFromRecord, evaluatePolicies, policyContext, runProgram, validateKubernetesObjects };
export type { CheckedResource, EngineOptions, PlatformPolicy, PolicyContext, RecordedResource, SchemaViolation, Violation };

export interface ProgramSynthOptions {
  /** The stack name; policies read production from it unless `environment` says otherwise. Default "test". */
  stack?: string;
  /** The Pulumi project name: config keys are `<project>:<key>`. Default "gitops-platform". */
  project?: string;
  /** Config as `pulumi config` holds it: `<project>:<key>` -> string (objects as JSON). */
  config?: Record<string, string>;
  /** Which config keys are secrets. */
  secretKeys?: string[];
  /** The environment the policies judge by (`prod`, `production`, `prod-*` are production). Default: the stack name. */
  environment?: string;
  /** The day config rules bound to the calendar judge by. Default: today. */
  today?: Date;
  /** Run as the first preview of a new stack (unknown outputs stay unknown). */
  preview?: boolean;
}

export interface ProgramSynth {
  /** Every resource the program registered, in order, the stack first. */
  resources: RecordedResource[];
  /** Stack outputs, secrets as "[secret]". */
  outputs: Record<string, unknown>;
  /** Kubernetes objects that break the schema of their apiVersion and kind. */
  schemaViolations: SchemaViolation[];
  /** Findings of the platform's policies (PLATFORM_POLICIES), each with its enforcement. */
  policyViolations: Violation[];
  /** Findings of the deploy rules (DEPLOY_RULES): what the real engine would refuse or never finish. */
  deployViolations: Violation[];
  /** The mandatory findings of both, and the schema violations, as messages: empty means it passes as synth would. */
  failures: string[];
}

/** Policies and deploy rules over a program's recorded resources. */
export function checkResources(
  resources: readonly RecordedResource[],
  environment: string,
): Pick<ProgramSynth, "policyViolations" | "deployViolations"> {
  const checked = resources.map(checkedFromRecord);
  const context = policyContext(checked, environment);
  return { policyViolations: evaluatePolicies(checked, context), deployViolations: evaluatePolicies(checked, context, DEPLOY_RULES) };
}

/**
 * Runs `program` (a function that declares resources; what it returns are the stack outputs)
 * under the mock runtime, then validates and judges what it registered.
 */
export async function synthesizeProgram(program: () => unknown, options: ProgramSynthOptions = {}): Promise<ProgramSynth> {
  const stack = options.stack ?? "test";
  const run = await runProgram(program, {
    stack,
    project: options.project,
    config: options.config,
    secretKeys: options.secretKeys,
    today: options.today,
    preview: options.preview,
  });
  const schemaViolations = await validateKubernetesObjects(run.resources);
  const { policyViolations, deployViolations } = checkResources(run.resources, options.environment ?? stack);
  const failures = [
    ...schemaViolations.map((v) => `schema: ${v.message}`),
    ...[...policyViolations, ...deployViolations].filter((v) => v.enforcement === "mandatory").map((v) => `${v.policy}: ${v.message}`),
  ];
  return { resources: run.resources, outputs: run.outputs, schemaViolations, policyViolations, deployViolations, failures };
}
