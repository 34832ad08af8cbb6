/** Helpers for tests of the synth CLI: files in a scratch folder, and the CLI run in-process. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { main } from "../synth/cli";

/** The scratch folder of the test file (one per process). */
export const workdir = mkdtempSync(path.join(tmpdir(), "synth-test-"));

/** Writes `text` to a file of that name in the scratch folder and returns its path. */
export function file(name: string, text: string): string {
  const target = path.join(workdir, name);
  writeFileSync(target, text);
  return target;
}

/** Runs the CLI in-process and captures what it prints. */
export async function cli(t: TestContext, argv: string[], program?: () => unknown): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  const code = await main(argv, program);
  t.mock.restoreAll();
  return { code, out: out.join("\n"), err: err.join("\n") };
}
