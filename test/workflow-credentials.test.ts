/**
 * Issue 22, item 1: who can reach a credential. Every workflow is parsed; a job that reads any
 * secret but GITHUB_TOKEN runs in a GitHub environment (so the secret can be an environment
 * secret, which no other branch's workflow reads), and no job of a pull-request workflow can
 * reach a deploy credential (a secret, a deploy environment, the deploy identity). The deploy
 * environments are the ones the stacks create (ciEnvironments) and their identities trust.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { ciEnvironments, ciSubjects } from "../components/azure/ci-identity";
import { isProduction } from "../stacks/environments";
import { parsePlatformConfig } from "../stacks/parse";
import { PROJECT_ROOT } from "../synth/synthesize";
import { pinTestDay } from "./helpers";

pinTestDay();

const DIR = path.join(PROJECT_ROOT, ".github", "workflows");
const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"];

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  environment?: string | { name: string };
  "runs-on"?: string;
  env?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: string | string[] | Record<string, unknown>;
  jobs: Record<string, Job>;
}

function stackConfig(stack: "dev" | "prod") {
  const raw = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config["gitops-platform:platform"];
  const parsed = parsePlatformConfig(raw, stack);
  assert.ok(parsed.ok, stack);
  const ci = parsed.config.ci!;
  return { config: parsed.config, environments: ciEnvironments({ ...ci, environment: parsed.config.environment, production: isProduction(stack) }) };
}

/** The environments whose jobs can act as a deploy identity, from the stack files. */
function deployEnvironments(): string[] {
  return (["dev", "prod"] as const).map((stack) => stackConfig(stack).environments.deploy.toLowerCase());
}

const events = (workflow: Workflow): string[] => (typeof workflow.on === "string" ? [workflow.on] : Array.isArray(workflow.on) ? workflow.on : Object.keys(workflow.on));
const environmentOf = (job: Job): string | undefined => (typeof job.environment === "string" ? job.environment : job.environment?.name);

/** What is wrong with a workflow's access to credentials; empty when nothing is. */
export function credentialProblems(file: string, source: string, deploy: readonly string[]): string[] {
  const workflow = parse(source) as Workflow;
  const problems: string[] = [];
  const pullRequest = events(workflow).some((e) => PULL_REQUEST_EVENTS.includes(e));
  for (const [name, job] of Object.entries(workflow.jobs)) {
    const text = JSON.stringify(job);
    const secrets = [...new Set([...text.matchAll(/secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[)/g)].map((m) => m[1] ?? "[dynamic]"))].filter((s) => s !== "GITHUB_TOKEN");
    const environment = environmentOf(job);
    if (secrets.length > 0 && environment === undefined) {
      problems.push(`${file} ${name}: reads ${secrets.join(", ")} but runs in no GitHub environment, so it is a repository secret that any workflow on any branch can print`);
    }
    if (/secrets\s*\.\s*inherit|secrets\s*:\s*"?inherit/.test(text)) problems.push(`${file} ${name}: passes every secret on (secrets: inherit)`);
    if (!pullRequest) continue;
    if (secrets.length > 0) problems.push(`${file} ${name}: a pull-request job reads ${secrets.join(", ")}`);
    // An environment expression is resolved against every stack's deploy environment it could name.
    const candidates = environment === undefined ? [] : ["dev", "prod"].map((stack) => environment.replace(/\$\{\{\s*matrix\.stack\s*\}\}/g, stack).toLowerCase());
    const reached = candidates.filter((c) => deploy.includes(c) || c.includes("${{"));
    if (reached.length > 0) problems.push(`${file} ${name}: a pull-request job runs in ${environment}, a deploy environment (or one it cannot be told apart from)`);
    if (/AZURE_CLIENT_ID_DEPLOY/.test(text)) problems.push(`${file} ${name}: a pull-request job names the deploy identity`);
  }
  return problems;
}

test("every workflow: secrets only in environments, no deploy credential within a pull request's reach", () => {
  const deploy = deployEnvironments();
  assert.deepEqual(deploy, ["dev", "production"]);
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length >= 4);
  for (const file of files) assert.deepEqual(credentialProblems(file, readFileSync(path.join(DIR, file), "utf8"), deploy), [], file);
});

test("attack: the deploy workflow before issue 22 (an org-admin token as a repository secret in dev's job) is refused", () => {
  // Its jobs as they were (9d9e5b0), trimmed to what decides: dev had no environment.
  const before = [
    "on:\n  push:\n    branches: [main]\njobs:",
    "  dev:\n    runs-on: ubuntu-latest\n    env:\n      GITHUB_TOKEN: ${{ secrets.PLATFORM_GITHUB_TOKEN }}\n    steps:\n      - uses: pulumi/actions@v7",
    "  prod:\n    needs: dev\n    environment: production\n    runs-on: ubuntu-latest\n    env:\n      GITHUB_TOKEN: ${{ secrets.PLATFORM_GITHUB_TOKEN }}\n    steps:\n      - uses: pulumi/actions@v7",
  ].join("\n");
  const problems = credentialProblems("deploy.yml", before, deployEnvironments());
  assert.deepEqual(problems, ["deploy.yml dev: reads PLATFORM_GITHUB_TOKEN but runs in no GitHub environment, so it is a repository secret that any workflow on any branch can print"]);
});

test("attack: a pull-request job that reads a secret, enters a deploy environment or names the deploy identity is refused", () => {
  const deploy = deployEnvironments();
  const pr = (job: string) => `on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n${job}    steps:\n      - run: echo\n`;
  assert.equal(credentialProblems("a.yml", pr("    environment: production\n    env:\n      T: ${{ secrets.PLATFORM_GITHUB_APP_PRIVATE_KEY }}\n"), deploy).length, 2);
  assert.deepEqual(credentialProblems("b.yml", pr("    environment: dev\n"), deploy), ["b.yml x: a pull-request job runs in dev, a deploy environment (or one it cannot be told apart from)"]);
  assert.equal(credentialProblems("c.yml", pr("    environment: ${{ matrix.env }}\n"), deploy).length, 1, "an environment it cannot resolve counts as a deploy one");
  assert.equal(credentialProblems("d.yml", pr("    env:\n      ARM_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID_DEPLOY_DEV }}\n"), deploy).length, 1);
  assert.equal(credentialProblems("e.yml", pr("    env:\n      T: ${{ secrets['X'] }}\n"), deploy).length, 2, "a computed secret name is a secret too");
  assert.deepEqual(credentialProblems("f.yml", pr("    environment: preview-${{ matrix.stack }}\n"), deploy), [], "the preview environments are no deploy environment");
});

test("the deploy jobs run in exactly the environments their stacks create and their deploy identities trust, with the GitHub App's token", () => {
  const deploy = parse(readFileSync(path.join(DIR, "deploy.yml"), "utf8")) as Workflow;
  for (const stack of ["dev", "prod"] as const) {
    const { config, environments } = stackConfig(stack);
    const job = deploy.jobs[stack];
    const steps = job.steps ?? [];
    assert.equal(environmentOf(job), environments.deploy, stack);
    const subjects = ciSubjects({ ...config.ci!, production: isProduction(stack), deployEnvironment: environments.deploy, driftEnvironment: environments.drift });
    assert.deepEqual(subjects.deploy, [`repo:${config.ci!.repository}:environment:${environments.deploy}`], stack);
    const mint = steps.find((s) => s.uses?.startsWith("actions/create-github-app-token@"))!;
    assert.ok(mint, `${stack}: mints an installation token`);
    assert.equal(mint.with?.["private-key"], "${{ secrets.PLATFORM_GITHUB_APP_PRIVATE_KEY }}");
    const pulumi = steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    assert.equal(pulumi.env?.GITHUB_TOKEN, `\${{ steps.${mint.id}.outputs.token }}`, `${stack}: the GitHub provider gets the minted token, on the Pulumi step only`);
    assert.ok(steps.indexOf(mint) < steps.indexOf(pulumi));
    assert.equal(JSON.stringify(job.env).includes("secrets."), false, `${stack}: no secret in the job's environment, where every step sees it`);
    assert.equal(job["runs-on"], `\${{ vars.PULUMI_RUNS_ON_${stack.toUpperCase()} }}`, `${stack}: the runner the stack's config names`);
  }
});
