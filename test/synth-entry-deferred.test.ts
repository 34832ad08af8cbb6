/**
 * synth/cli.ts, the entry point of `npm run synth` and of the benchmark's `node --import tsx
 * synth/cli.ts prod`, loads the SDK and the program after one turn of the event loop, not while
 * the entry module itself is evaluated: tsx checks each .js file it loads for ES module syntax
 * with es-module-lexer, whose WebAssembly build is ready only after a turn; before it, every check
 * runs the lexer's JavaScript fallback on a cold JIT (bench/RESULTS.md, issue 28, sixth round).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../synth/synthesize";
import { TEST_DAY } from "./helpers";

/**
 * Preloaded into the synth process: while a module named synth/cli.ts is being compiled and run
 * (Module.prototype._compile, which tsx's loader calls with the transformed source), every module
 * loaded is written down; the list goes to the file named by ENTRY_PROBE_OUT at exit.
 */
const PROBE = `
const Module = require("node:module");
const fs = require("node:fs");
const loaded = [];
let depth = 0;
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename, ...rest) {
  const entry = filename.endsWith("/synth/cli.ts");
  if (entry) depth++;
  try { return compile.call(this, content, filename, ...rest); } finally { if (entry) depth--; }
};
const load = Module._load;
Module._load = function (request, parent, ...rest) {
  if (depth > 0) loaded.push(request);
  return load.call(this, request, parent, ...rest);
};
process.on("exit", () => fs.writeFileSync(process.env.ENTRY_PROBE_OUT, JSON.stringify(loaded)));
`;

test("synth/cli.ts loads neither the SDK nor the program while the entry module is evaluated", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "synth-entry-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const probe = path.join(dir, "probe.cjs");
  const out = path.join(dir, "loaded.json");
  writeFileSync(probe, PROBE);
  const run = spawnSync(process.execPath, ["--require", probe, "--import", "tsx", "synth/cli.ts", "dev", "--today", TEST_DAY], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ENTRY_PROBE_OUT: out },
    encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stderr.slice(0, 1000));
  assert.match(run.stdout, /Policies: all passed/);
  const loaded = JSON.parse(readFileSync(out, "utf8")) as string[];
  // The probe saw the entry module: it loads its compile cache switch synchronously.
  assert.ok(loaded.includes("./compile-cache"), `the probe saw no load from synth/cli.ts: ${JSON.stringify(loaded)}`);
  assert.deepEqual(
    loaded.filter((request) => request !== "./compile-cache" && request !== "node:module"),
    [],
    "synth/cli.ts must load these only after a turn of the event loop",
  );
});

test("synth/cli.ts imports nothing but its compile cache switch and types", () => {
  const source = readFileSync(path.join(PROJECT_ROOT, "synth", "cli.ts"), "utf8");
  const imports = [...source.matchAll(/^import\s+(type\s+)?(?:[^"';]*\sfrom\s+)?["']([^"']+)["']/gm)].filter((m) => m[1] === undefined).map((m) => m[2]);
  assert.deepEqual(imports, ["./compile-cache"]);
});
