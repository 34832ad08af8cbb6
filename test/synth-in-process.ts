/**
 * Runs the synth CLI in-process on a platform config, as a user would run it on a stack file,
 * and reports its exit code and what it printed: spawning a synth per case costs seconds of
 * startup on a shared machine. An exception out of the CLI is exit 3, as `synth/cli.ts` makes it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { main } from "../synth/cli";

export interface SynthOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The exception that escaped the CLI (exit 3), if any. */
  crash?: unknown;
}

const workdir = mkdtempSync(path.join(tmpdir(), "synth-in-process-"));
let fileCount = 0;

/** Writes `platform` as the `gitops-platform:platform` key of a stack file. */
export function writeStackFile(platform: unknown, extra: Record<string, unknown> = {}): string {
  const file = path.join(workdir, `Pulumi.case-${++fileCount}.yaml`);
  writeFileSync(file, stringify({ config: { "azure-native:location": "westeurope", "gitops-platform:platform": platform, ...extra } }));
  return file;
}

/** `npm run synth -- <stack> --config <file>`, in this process, output captured. */
export async function synthInProcess(stack: string, file: string, extraArgs: readonly string[] = []): Promise<SynthOutcome> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error, warn } = console;
  console.log = (...args: unknown[]) => void out.push(args.map(String).join(" "));
  console.error = (...args: unknown[]) => void err.push(args.map(String).join(" "));
  console.warn = console.error;
  try {
    const code = await main([stack, "--config", file, ...extraArgs]);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } catch (crash) {
    return { code: 3, stdout: out.join("\n"), stderr: `${err.join("\n")}\nsynth failed: ${crash instanceof Error ? crash.stack : String(crash)}`, crash };
  } finally {
    Object.assign(console, { log, error, warn });
  }
}
