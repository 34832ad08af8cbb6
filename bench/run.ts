/**
 * `npm run bench`: times and peak memory of synth against its floor, at growing tenant counts,
 * and of `tsc --noEmit`; writes bench/RESULTS.md. Every run is a fresh process. Cases run in
 * rounds (each case once per round) so that a change in machine load hits all cases alike.
 *
 * BENCH_RUNS (default 3) sets the rounds; BENCH_OUT another output file; BENCH_ONLY (ids,
 * comma-separated) runs only some cases.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateStackConfig } from "./generate";
import { BenchCase, CaseSummary, runOnce, Sample, summarize } from "./measure";
import { analysis } from "./notes";
import { Machine, renderResults } from "./report";

const ROOT = path.resolve(__dirname, "..");
const TENANT_COUNTS = [10, 100, 500];

function cases(configDir: string): BenchCase[] {
  const tsx = ["--import", "tsx"];
  const synth = (...args: string[]) => [...tsx, "synth/cli.ts", ...args];
  return [
    { id: "floor", description: "mock engine, SDK imports, empty program", args: [...tsx, "bench/floor.ts"] },
    { id: "dev", description: "synth dev", args: synth("dev") },
    { id: "prod", description: "synth prod", args: synth("prod"), tenants: 3 },
    ...TENANT_COUNTS.map((n) => ({
      id: `tenants-${n}`,
      description: `synth prod config with ${n} tenants`,
      args: synth("prod", "--config", path.join(configDir, `tenants-${n}.yaml`)),
      tenants: n,
    })),
    { id: "tsc", description: "tsc --noEmit -p .", args: [path.join(ROOT, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "."] },
    {
      id: "sdk-11500",
      description: "diagnostic: 11,500 bare ConfigMaps through the same engine, no components",
      args: [...tsx, "bench/sdk-floor.ts", "11500"],
      diagnostic: true,
    },
    {
      id: "tenants-500-heap",
      description: "diagnostic: tenants-500 with node --max-old-space-size=1280",
      args: ["--max-old-space-size=1280", ...synth("prod", "--config", path.join(configDir, "tenants-500.yaml"))],
      tenants: 500,
      diagnostic: true,
    },
  ];
}

const METHOD = `Each case runs in a fresh \`node\` process (\`node --import tsx …\` for the TypeScript entry points, the
same code \`npm run synth\` runs, without tsx's CLI wrapper process), in rounds: every round runs every case once, so
a change in machine load affects all cases alike. One unmeasured warm-up run of the floor and of prod synth first
fills tsx's transpile cache and the page cache.

- **Wall time**: measured by the harness from spawn to exit. Standard output goes to a file (a pipe would lose the end
  of a large tree: the synth CLI ends with \`process.exit()\`); the resource counts are read from it.
- **CPU time** (user + system) and **peak RSS** (\`maxRSS\`): reported by the child itself from
  \`process.resourceUsage()\` at exit, through bench/usage-probe.mjs (loaded with \`node --import\`), so the
  benchmark needs nothing outside Node (no \`/usr/bin/time\`).
- **floor**: bench/floor.ts imports @pulumi/pulumi and the SDK packages the program imports (the six
  azure-native submodules, kubernetes, github, tls, random) and runs synth's mock engine (\`runProgram\`) with a
  program that creates nothing. Synth cannot be faster than this.
- **tenants-N**: Pulumi.prod.yaml with its tenants replaced by N generated ones, each with groups, a quota and a
  Git source (bench/generate.ts), written to a temporary directory and synthesized with \`--config\`.
- **tsc**: \`tsc --noEmit -p .\` of the project (project files as they are at the time of the run).
- **Diagnostics** (one run each, after the rounds; not targets): **sdk-11500** registers 11,500 plain ConfigMaps (about
  the resource count at 500 tenants) through the same engine with no platform code (bench/sdk-floor.ts): what the SDK
  alone costs at that size. **tenants-500-heap** is tenants-500 with V8's old space capped at 1280 MB.`;

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
  const out = process.env.BENCH_OUT ?? path.join(__dirname, "RESULTS.md");
  const configDir = mkdtempSync(path.join(os.tmpdir(), "bench-configs-"));
  const started = Date.now();
  try {
    const prodText = readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
    for (const n of TENANT_COUNTS) writeFileSync(path.join(configDir, `tenants-${n}.yaml`), generateStackConfig(prodText, n));
    const only = process.env.BENCH_ONLY?.split(",").map((id) => id.trim());
    const list = cases(configDir).filter((c) => !only || only.includes(c.id));
    const loadBefore = os.loadavg()[0];

    for (const warmUp of list.filter((c) => c.id === "floor" || c.id === "prod")) {
      const warm = await runOnce(warmUp, ROOT);
      console.log(`warm-up ${warmUp.id}: ${(warm.wallMs / 1000).toFixed(2)} s (exit ${warm.exitCode})`);
    }
    const samples = new Map<string, Sample[]>(list.map((c) => [c.id, []]));
    const measure = async (benchCase: BenchCase, label: string) => {
      const sample = await runOnce(benchCase, ROOT);
      samples.get(benchCase.id)!.push(sample);
      console.log(
        `${label} ${benchCase.id.padEnd(16)} ${(sample.wallMs / 1000).toFixed(2).padStart(7)} s` +
          ` cpu ${(sample.cpuMs / 1000).toFixed(2).padStart(7)} s rss ${sample.maxRssMb.toFixed(0).padStart(5)} MB exit ${sample.exitCode}`,
      );
    };
    for (let round = 1; round <= runs; round++) {
      for (const benchCase of list.filter((c) => !c.diagnostic)) await measure(benchCase, `round ${round}/${runs}`);
    }
    for (const benchCase of list.filter((c) => c.diagnostic)) await measure(benchCase, "diagnostic");
    const summaries: CaseSummary[] = list.map((c) => summarize(c, samples.get(c.id)!));
    const machine: Machine = {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGb: os.totalmem() / 1024 ** 3,
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      loadBefore,
      loadAfter: os.loadavg()[0],
      date: new Date().toISOString(),
    };
    writeFileSync(out, renderResults({ machine, method: METHOD, summaries, notes: analysis(new Map(summaries.map((s) => [s.benchCase.id, s]))) }));
    console.log(`\nwrote ${path.relative(process.cwd(), out)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error("bench failed:", error);
  process.exit(1);
});
