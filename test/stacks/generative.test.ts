/**
 * The generative config test, short run, whole-stack (the long one: `npm run test:generative`;
 * the generator's own tests: test/generative.test.ts). Seeded and reproducible: GENERATIVE_SEED
 * and GENERATIVE_RUNS override the defaults; a failure prints the seed, the case and the config.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyCase, checkGenerated, runCase, type GeneratedCase } from "../generative";
import { pinTestDay } from "../helpers";

pinTestDay();

export const DEFAULT_SEED = 20261207;
const seed = Number(process.env.GENERATIVE_SEED ?? DEFAULT_SEED);
const runs = Number(process.env.GENERATIVE_RUNS ?? 10);

test(`mutated sample stacks (seed ${seed}, ${runs} cases): exit 0/1/2, no stack trace, no duplicate URN, nothing accepted that a service refuses`, async () => {
  await checkGenerated({ seed, runs });
});

test("the 'alike' mutation makes one field's value another's (an OCI source named like the Git repository), and synth refuses that at the key path", async () => {
  // Search the mutation space for the case, as the generator would draw it.
  let found: GeneratedCase | undefined;
  for (let pick = 0; pick < 400 && !found; pick++) {
    for (let seed = 0; seed < 50 && !found; seed++) {
      const c: GeneratedCase = { stack: "dev", mutations: [{ kind: "alike", pick, value: null, property: 0 }], seedValues: [seed, seed, seed] };
      const web = (applyCase(c) as { tenants: { git: { repository: string }; ociRepositories: { name: string }[] }[] }).tenants[0];
      if (web.ociRepositories[0].name === web.git.repository) found = c;
    }
  }
  assert.ok(found, "no alike mutation names the OCI source like the Git repository");
  const result = await runCase(found);
  assert.equal(result.failure, undefined, result.stderr);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /tenants\[0\]\.ociRepositories\[0\]\.name: the Kustomization "[^"]+" that would sync this source/);
});
