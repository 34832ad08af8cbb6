/**
 * `npm run test:generative`: the generative config test's long run (GENERATIVE_RUNS cases, 300
 * by default, from GENERATIVE_SEED, by default the short run's seed plus the day). Prints the seed
 * first, so a failure is reproduced with GENERATIVE_SEED=<seed>.
 */
import { checkGenerated } from "./generative";
import { pinTestDay } from "./helpers";

pinTestDay();
const seed = Number(process.env.GENERATIVE_SEED ?? Math.floor(Date.now() / 86_400_000));
const runs = Number(process.env.GENERATIVE_RUNS ?? 300);
console.log(`generative config test: seed ${seed}, ${runs} cases`);
const counts = new Map<number, number>();
checkGenerated({ seed, runs, onCase: (_c, result) => counts.set(result.code, (counts.get(result.code) ?? 0) + 1) }).then(
  () => {
    console.log(`passed: ${[...counts].map(([code, n]) => `${n} exit ${code}`).join(", ")}`);
  },
  (error: unknown) => {
    console.error(`failed (reproduce with GENERATIVE_SEED=${seed} GENERATIVE_RUNS=${runs}):\n${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
