/**
 * Running one benchmark case in a fresh process and reading what it used. Wall time is taken
 * here around the child's whole life (spawn to exit); peak RSS and CPU time are reported by the
 * child itself through usage-probe.mjs, so nothing outside Node is needed.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

export const PROBE = pathToFileURL(path.join(__dirname, "usage-probe.mjs")).href;

export interface BenchCase {
  /** Short id, also the row label. */
  id: string;
  description: string;
  /** Node arguments (the probe is added in front); run with the current node binary. */
  args: string[];
  /** Tenants in the stack config, for the per-tenant figures. */
  tenants?: number;
  /** Run once, after the measured rounds: an explanation, not a target. */
  diagnostic?: boolean;
}

export interface Sample {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  exitCode: number | null;
  /** Resources the run registered, when it printed "<n> resources". */
  resources?: number;
  /** The end of stderr when the run failed. */
  error?: string;
}

export async function runOnce(benchCase: BenchCase, cwd: string, timeoutMs = 180_000): Promise<Sample> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-usage-"));
  const usageFile = path.join(dir, "usage.json");
  try {
    // Standard output goes to a file, not a pipe: the synth CLI ends with process.exit(), which
    // drops whatever a pipe has not taken yet (a large tree is cut at 64 KiB).
    const stdoutFile = path.join(dir, "stdout.txt");
    const stdoutFd = openSync(stdoutFile, "w");
    const started = performance.now();
    const child = spawn(process.execPath, ["--import", PROBE, ...benchCase.args], {
      cwd,
      env: { ...process.env, BENCH_USAGE_FILE: usageFile },
      stdio: ["ignore", stdoutFd, "pipe"],
    });
    closeSync(stdoutFd);
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code));
    });
    clearTimeout(timer);
    const wallMs = performance.now() - started;
    let usage: { maxRssKb: number; userMs: number; systemMs: number } | undefined;
    try {
      usage = JSON.parse(readFileSync(usageFile, "utf8"));
    } catch {
      usage = undefined;
    }
    const sample: Sample = {
      wallMs,
      cpuMs: usage ? usage.userMs + usage.systemMs : NaN,
      maxRssMb: usage ? usage.maxRssKb / 1024 : NaN,
      exitCode,
    };
    // Synth prints "<n> resources (...)" under its tree.
    const counts = [...readFileSync(stdoutFile, "utf8").matchAll(/^(\d+) resources \(/gm)];
    if (counts.length > 0) sample.resources = Number(counts[counts.length - 1][1]);
    if (exitCode !== 0) sample.error = stderr.trim().split("\n").slice(-5).join("\n");
    return sample;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface CaseSummary {
  benchCase: BenchCase;
  samples: Sample[];
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  resources?: number;
}

export function summarize(benchCase: BenchCase, samples: Sample[]): CaseSummary {
  return {
    benchCase,
    samples,
    wallMs: median(samples.map((s) => s.wallMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    maxRssMb: median(samples.map((s) => s.maxRssMb)),
    resources: samples.find((s) => s.resources !== undefined)?.resources,
  };
}
