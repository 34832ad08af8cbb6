/** Every actions/github-script step's script is valid JavaScript (actionlint does not read it). */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { Script } from "node:vm";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../synth/synthesize";

const DIR = path.join(PROJECT_ROOT, ".github", "workflows");

/** github-script runs the script as the body of an async function. */
const compiles = (script: string) => new Script(`(async () => {\n${script}\n})`);

test("every github-script step compiles as the async function body github-script runs it as", () => {
  let found = 0;
  for (const file of readdirSync(DIR)) {
    const workflow = parse(readFileSync(path.join(DIR, file), "utf8")) as { jobs: Record<string, { steps: { uses?: string; with?: { script?: string } }[] }> };
    for (const [name, job] of Object.entries(workflow.jobs)) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/github-script@"))) {
        found++;
        assert.doesNotThrow(() => compiles(step.with?.script ?? ""), `${file} ${name}`);
      }
    }
  }
  assert.ok(found > 0);
  // It finds one: a backtick inside a template literal.
  assert.throws(() => compiles("const a = `x `y` z`;"), SyntaxError);
});
