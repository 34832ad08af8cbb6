/**
 * issue 24 item 13: the program as `pulumi preview`/`up` loads it. The Node language host starts
 * the SDK's run entry point in a plain node, which loads index.ts with its own TypeScript loader
 * (ts-node, the project's TypeScript and tsconfig, type-checked), not with tsx. A tsconfig or
 * module-format change that breaks that path fails here (test/engine/language-host.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { synthesize } from "../../synth/synthesize";
import { devWithoutSamples } from "../samples";
import { LOG_SEVERITY_ERROR, PROJECT_ROOT, projectRuntimeOptions, runLikeLanguageHost } from "../engine/language-host";

test("Pulumi.yaml says how TypeScript is loaded: the language host's TypeScript loader with the project's tsconfig", () => {
  assert.deepEqual(projectRuntimeOptions(), { typescript: true, tsconfig: "tsconfig.json", nodeargs: undefined });
});

test("dev runs through the SDK's run entry point as the language host starts it, and registers what synth registers", async () => {
  // The real engine refuses the repository's sample values (stacks/rules-samples.ts): dev with its own.
  const configFile = devWithoutSamples();
  const run = await runLikeLanguageHost({ stack: "dev", configFile });
  const errors = run.logs.filter((l) => l.severity === LOG_SEVERITY_ERROR).map((l) => l.message);
  assert.equal(run.code, 0, `the program failed under the language host's loader:\n${errors.join("\n")}\n${run.stderr}`);
  assert.deepEqual(errors, []);
  const synth = await synthesize({ stack: "dev", configFile });
  const urns = (resources: { urn: string }[]) => resources.map((r) => r.urn).sort();
  assert.deepEqual(urns(run.resources), urns(synth.graph.resources), "the two loading paths register the same resources");
  assert.deepEqual(run.outputs, synth.graph.outputs, "and export the same stack outputs");
});

test("attack: a module-format change in the tsconfig the language host uses fails the run (what would break pulumi up)", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tsconfig-esm-"));
  try {
    const tsconfig = path.join(dir, "tsconfig.json");
    writeFileSync(tsconfig, JSON.stringify({ extends: path.join(PROJECT_ROOT, "tsconfig.json"), compilerOptions: { module: "esnext" } }));
    const run = await runLikeLanguageHost({ stack: "dev", runtime: { typescript: true, tsconfig } });
    assert.notEqual(run.code, 0, "an ES module tsconfig cannot load index.ts (`export =`)");
    const said = run.logs.map((l) => l.message).join("\n") + run.stderr;
    assert.match(said, /Export assignment cannot be used when targeting ECMAScript modules|TS1203/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
