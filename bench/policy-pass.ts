/**
 * The policy pass alone, at growing tenant counts (issue 28 item 3): every policy and deploy rule
 * over the resources of a synthesized stack, timed without the synth around it. The stacks are
 * synthesized once each (in this process, untimed); then each rule runs `BENCH_REPEAT` times
 * (default 3) and its median is kept. A rule linear in resources takes about five times as long
 * at 500 tenants as at 100; the last column says how far each is from that.
 *
 *   node --expose-gc --import tsx bench/policy-pass.ts [TENANTS ...]     (default: 100 500)
 *
 * With --expose-gc every sample starts after a full collection (the synthesized stack leaves a
 * large heap behind; without it, a rule's time includes collections of what came before).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEPLOY_RULES } from "../policy/deploy";
import { PLATFORM_POLICIES, policyContext } from "../policy/evaluate";
import { checkedFromRecord } from "../policy/from-synth";
import { CheckedResource, PlatformPolicy } from "../policy/types";
import { synthesize } from "../synth/synthesize";
import { generateStackConfig } from "./generate";

const ROOT = path.resolve(__dirname, "..");

export interface RuleTiming {
  rule: string;
  /** Median milliseconds of one `check` over the whole stack. */
  ms: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Each rule's median time over `resources`, `repeat` runs each. */
export function timeRules(resources: readonly CheckedResource[], rules: readonly PlatformPolicy[], repeat: number): RuleTiming[] {
  const context = policyContext(resources, "prod");
  return rules.map((rule) => {
    const samples: number[] = [];
    for (let i = 0; i < repeat; i++) {
      // A full collection first (node --expose-gc), so one rule does not pay for another's garbage.
      (globalThis as { gc?: () => void }).gc?.();
      const started = performance.now();
      rule.check(resources, context);
      samples.push(performance.now() - started);
    }
    return { rule: rule.name, ms: median(samples) };
  });
}

async function checkedStack(tenants: number, dir: string): Promise<CheckedResource[]> {
  const file = path.join(dir, `tenants-${tenants}.yaml`);
  writeFileSync(file, generateStackConfig(readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"), tenants));
  const { run } = await synthesize({ stack: "prod", configFile: file });
  return run.resources.map(checkedFromRecord);
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number);
  const sizes = counts.length > 0 ? counts : [100, 500];
  const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-policy-"));
  const rules = [...PLATFORM_POLICIES, ...DEPLOY_RULES];
  const columns: { tenants: number; resources: number; timings: RuleTiming[] }[] = [];
  try {
    for (const tenants of sizes) {
      const resources = await checkedStack(tenants, dir);
      columns.push({ tenants, resources: resources.length, timings: timeRules(resources, rules, repeat) });
      const sum = columns[columns.length - 1].timings.reduce((total, t) => total + t.ms, 0);
      console.log(`${tenants} tenants: ${resources.length} resources, all rules ${sum.toFixed(1)} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const first = columns[0];
  const last = columns[columns.length - 1];
  const growth = last.resources / first.resources;
  console.log(`node ${process.version}, ${os.availableParallelism()} CPUs, median of ${repeat} runs per rule`);
  console.log(["rule", ...columns.map((c) => `${c.tenants} tenants (${c.resources} res) ms`), `x / ${growth.toFixed(2)}`].join(" | "));
  const total = (c: (typeof columns)[number]) => c.timings.reduce((sum, t) => sum + t.ms, 0);
  const rows = rules.map((rule, i) => {
    const ratio = columns.length > 1 ? last.timings[i].ms / Math.max(first.timings[i].ms, 0.001) / growth : 1;
    return { name: rule.name, cells: columns.map((c) => c.timings[i].ms.toFixed(1)), ratio };
  });
  for (const row of rows.sort((a, b) => Number(b.cells[b.cells.length - 1]) - Number(a.cells[a.cells.length - 1]))) {
    console.log([row.name, ...row.cells, row.ratio.toFixed(2)].join(" | "));
  }
  const totalRatio = columns.length > 1 ? total(last) / total(first) / growth : 1;
  console.log(["all rules", ...columns.map((c) => total(c).toFixed(1)), totalRatio.toFixed(2)].join(" | "));
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("policy-pass failed:", error);
      process.exit(3);
    },
  );
}
