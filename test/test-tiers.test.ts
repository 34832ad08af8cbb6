/**
 * Every test file runs in exactly one tier, a new file joins its folder's tier without edits, and
 * `npm run test:all` (what CI runs, once) covers both tiers.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../synth/synthesize";

const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const testFiles = (dir: string) =>
  readdirSync(path.join(PROJECT_ROOT, dir))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `${dir}/${f}`)
    .sort();

/** The files `npm test` loads, with the process each goes to, as test/run-fast.mjs lists them. */
function fastTier(processes: number): [number, string][] {
  const listed = execFileSync(process.execPath, ["test/run-fast.mjs"], { cwd: PROJECT_ROOT, env: { ...process.env, TEST_LIST: "1", TEST_PROCESSES: String(processes) }, encoding: "utf8" });
  return listed
    .trim()
    .split("\n")
    .map((line) => {
      const [shard, file] = line.split(" ");
      return [Number(shard), file];
    });
}

test("npm test runs every test/*.test.ts once, spread over its processes; test:stacks every test/stacks/*.test.ts", () => {
  assert.equal(scripts.test, "node test/run-fast.mjs");
  const listed = fastTier(2);
  assert.deepEqual(listed.map(([, file]) => file).sort(), testFiles("test"));
  assert.deepEqual([...new Set(listed.map(([shard]) => shard))].sort(), [1, 2], "both processes get files");
  assert.match(scripts["test:stacks"], / test\/stacks\/\*\.test\.ts$/);
  // No test file lives deeper than the two tiers' folders, where neither glob would find it.
  for (const dir of readdirSync(path.join(PROJECT_ROOT, "test"), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "stacks")) {
    assert.deepEqual(testFiles(`test/${dir.name}`), [], `test/${dir.name}/ is in no tier`);
  }
});

test("TEST_PROCESSES=1 loads every fast-tier file into one process", () => {
  const listed = fastTier(1);
  assert.deepEqual(listed.map(([, file]) => file).sort(), testFiles("test"));
  assert.ok(listed.every(([shard]) => shard === 1));
});

test("npm run test:all, what CI runs once, runs the fast tier and the whole-stack tier", () => {
  assert.equal(scripts["test:all"], "npm test && npm run test:stacks");
});
