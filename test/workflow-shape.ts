/** The shape of a GitHub Actions workflow as the workflow tests read it, and its loader. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../synth/synthesize";

export const WORKFLOWS_DIR = path.join(PROJECT_ROOT, ".github", "workflows");

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  "working-directory"?: string;
  "continue-on-error"?: boolean;
}
export interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  outputs?: Record<string, string>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  strategy?: { "fail-fast"?: boolean; matrix: { include?: Record<string, string>[] } & Record<string, unknown> };
  env?: Record<string, string>;
  "runs-on"?: string;
  steps: Step[];
}
export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

export const workflowText = (file: string): string => readFileSync(path.join(WORKFLOWS_DIR, file), "utf8");
export const loadWorkflow = (file: string): Workflow => parse(workflowText(file)) as Workflow;
/** The job's steps that use `action` (any version). */
export const uses = (job: Job, action: string): Step[] => job.steps.filter((s) => s.uses?.split("@")[0] === action);
