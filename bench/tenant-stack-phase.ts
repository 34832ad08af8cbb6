/**
 * `node --import tsx bench/tenant-stack-phase.ts` in a copy made by bench/tenant-stacks.ts: the
 * CPU time of the tenant stacks alone, per stack, read inside one process (process.cpuUsage
 * around the phase), after the platform stack is synthesized as `npm run synth -- prod` does.
 * The whole-process pairs of bench/RESULTS.md measure a tenant stack as the difference of two
 * runs of tens of seconds; this one has no such difference in it (issue 26 item 9).
 */
import "../synth/compile-cache";
import { PerformanceObserver } from "node:perf_hooks";
import { readingStackFilesOnce, readTenantStackFile, tenantStackNames } from "../stacks/tenant-stacks";
import { platformStackReference, PROJECT_ROOT, synthesize, synthesizeTenantStack } from "../synth/synthesize";

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The tenant stacks of `environment`, each against its platform stack's synthesized outputs: CPU and pause time per stack. */
export async function tenantStackPhase(environment: string): Promise<{ stacks: number; cpuMsPerStack: number; gcMsPerStack: number }> {
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ["gc"] });
  try {
    return await readingStackFilesOnce(async () => {
      const platform = await synthesize({ stack: environment });
      const stacks = tenantStackNames(PROJECT_ROOT, environment);
      const [cpuStart, gcStart] = [cpuMs(), gcMs];
      for (const stack of stacks) {
        const file = readTenantStackFile(PROJECT_ROOT, stack);
        await synthesizeTenantStack({ stack, platformOutputs: platform.run.rawOutputs, platformStack: file.platformStack ?? platformStackReference(environment) });
      }
      const per = (total: number) => (stacks.length === 0 ? 0 : total / stacks.length);
      return { stacks: stacks.length, cpuMsPerStack: per(cpuMs() - cpuStart), gcMsPerStack: per(gcMs - gcStart) };
    });
  } finally {
    observer.disconnect();
  }
}

if (require.main === module) {
  tenantStackPhase(process.argv[2] ?? "prod").then(
    ({ stacks, cpuMsPerStack, gcMsPerStack }) => console.log(`${stacks} tenant stacks: ${cpuMsPerStack.toFixed(1)} ms CPU a stack (${gcMsPerStack.toFixed(1)} ms of it in GC pauses)`),
    (error: unknown) => {
      console.error("tenant-stack-phase failed:", error);
      process.exitCode = 3;
    },
  );
}
