/**
 * Synth and the benchmark's yardsticks run with Node's compile cache (synth/compile-cache.ts): a
 * run leaves V8's code cache of the modules it loaded in `<os.tmpdir()>/node-compile-cache`, which
 * the next run compiles from. The floor and the other yardsticks must do the same as synth, or
 * the benchmark's ratios compare a cached program with an uncached floor.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../synth/synthesize";

/** Files under dir, recursively. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

/** An empty synth graph in `dir`, for the registration floor to replay. */
function emptyGraph(dir: string): string {
  const file = path.join(dir, "empty-graph.json");
  writeFileSync(file, JSON.stringify({ project: "gitops-platform", stack: "empty", resources: [], outputs: {} }));
  return file;
}

for (const [entry, argsIn] of [
  ["synth/cli.ts", () => []],
  ["bench/floor.ts", () => []],
  ["bench/sdk-floor.ts", () => ["1"]],
  ["bench/registrations-floor.ts", (dir: string) => [emptyGraph(dir)]],
] as const) {
  test(`${entry} compiles through Node's compile cache in os.tmpdir()`, (t) => {
    const tmp = mkdtempSync(path.join(tmpdir(), "compile-cache-"));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
    delete env.NODE_COMPILE_CACHE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    const run = spawnSync(process.execPath, ["--import", "tsx", entry, ...argsIn(tmp)], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
    assert.notEqual(run.status, null, `${entry} did not exit: ${run.error?.message ?? run.signal}`);
    const cached = files(path.join(tmp, "node-compile-cache"));
    // The SDK alone is several hundred modules; a handful would mean the cache was enabled late.
    assert.ok(cached.length > 200, `${entry} left ${cached.length} compile cache entries in ${tmp}/node-compile-cache (stderr: ${run.stderr.slice(0, 500)})`);
  });
}
