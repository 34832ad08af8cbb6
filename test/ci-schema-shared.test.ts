/**
 * The stack-name check (stacks/rules-stack-names.ts) reads the `ci` section of every platform
 * stack of the repository, for every stack it loads: with the whole platform schema built for
 * each read, that was 12 builds of it in one `npm run synth -- prod` (bench/RESULTS.md, issue 28,
 * sixth round). It now parses with the `ci` section's own schema, built once per environment
 * (sharedCiSchema), which must parse exactly as the platform schema's `ci` key does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ciSchema, platformObjectSchema, sharedCiSchema } from "../stacks/config-shape";

test("the ci section's schema is built once per environment", () => {
  assert.equal(sharedCiSchema("dev"), sharedCiSchema("dev"));
  assert.equal(sharedCiSchema("prod"), sharedCiSchema("prod"));
  assert.notEqual(sharedCiSchema("dev"), sharedCiSchema("prod"));
});

test("a shared schema's defaults are fresh on every parse", () => {
  const first = sharedCiSchema("dev").parse({ repository: "acme/infra" });
  first!.reviewers.users.push(1);
  first!.runner.egressRanges.push("203.0.113.0/24");
  const second = sharedCiSchema("dev").parse({ repository: "acme/infra" });
  assert.deepEqual(second!.reviewers.users, []);
  assert.deepEqual(second!.runner.egressRanges, []);
});

const INPUTS: unknown[] = [
  undefined,
  { repository: "acme/infra" },
  { repository: "acme/infra", reviewers: { teams: [7] }, runner: { label: "self-hosted", egressRanges: ["203.0.113.0/24"] }, driftReport: false },
  { repository: "acme/infra", previewEnvironment: "pr", productionEnvironment: "live" },
  { repository: "not a repository" },
  { repository: "acme/infra", unknown: true },
  { repository: "acme/infra", reviewers: { users: [0] } },
  "ci",
];

for (const environment of ["dev", "prod", "stage", "prod-eu"]) {
  test(`ci parses as the platform schema's ci key does (${environment})`, () => {
    const whole = platformObjectSchema(environment).shape.ci;
    for (const schema of [ciSchema(environment), sharedCiSchema(environment)]) {
      for (const input of INPUTS) {
        const expected = whole.safeParse(input);
        const actual = schema.safeParse(input);
        assert.equal(actual.success, expected.success, JSON.stringify(input));
        if (expected.success) assert.deepEqual(actual.data, expected.data);
        else assert.deepEqual(actual.error!.issues, expected.error.issues);
      }
    }
    const [wholeJson, ownJson] = jsonSchemas(environment);
    assert.equal(ownJson, wholeJson);
  });
}

/** The platform schema's ci key and ciSchema as JSON Schema text: descriptions, defaults and constraints. */
function jsonSchemas(environment: string): string[] {
  return [platformObjectSchema(environment).shape.ci, ciSchema(environment)].map((s) => JSON.stringify(s.toJSONSchema({ io: "input", unrepresentable: "any" })));
}
