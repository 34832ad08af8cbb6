/**
 * Which stacks a change touches (synth/changed-stacks.ts), what preview.yml previews and
 * deploy.yml deploys: a tenant stack file touches that tenant stack and its platform stack, a
 * platform stack file its stack and all its tenant stacks, the tenant program every tenant stack,
 * docs and tests nothing, anything else (or no diff) everything.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { changedFiles, inventory, platformOf, previewMatrix, stepOutputs, touchedStacks, variableSuffix } from "../synth/changed-stacks";
import { PROJECT_ROOT } from "../synth/synthesize";

const STACKS = { platform: ["dev", "prod", "prod-eu", "stage"], tenants: { dev: [], prod: ["prod-a", "prod-b"], "prod-eu": ["prod-eu-x"], stage: ["stage-commerce", "stage-payments"] } };

test("the repository's stacks: every Pulumi.<stack>.yaml, each with the tenant stacks of tenants/ named after it", () => {
  const stacks = inventory(PROJECT_ROOT);
  assert.ok(stacks.platform.includes("dev") && stacks.platform.includes("stage"), stacks.platform.join(","));
  assert.deepEqual(stacks.tenants.stage, ["stage-commerce", "stage-payments"]);
  assert.deepEqual(stacks.tenants.dev, []);
  // A tenant stack belongs to the longest platform stack its name starts with.
  assert.equal(platformOf("prod-eu-x", STACKS.platform), "prod-eu");
  assert.equal(platformOf("prod-a", STACKS.platform), "prod");
  assert.equal(platformOf("qa-a", STACKS.platform), undefined);
});

test("a tenant stack's file touches that tenant stack and its platform stack, and no other tenant stack", () => {
  assert.deepEqual(touchedStacks(["tenants/Pulumi.prod-b.yaml"], STACKS), { platform: ["prod"], tenants: ["prod-b"] });
  assert.deepEqual(touchedStacks(["tenants/Pulumi.prod-eu-x.yaml"], STACKS), { platform: ["prod-eu"], tenants: ["prod-eu-x"] });
  // A removed tenant stack file: its tenants leave the platform's registry; nothing to deploy in the tenant project.
  assert.deepEqual(touchedStacks(["tenants/Pulumi.prod-gone.yaml"], STACKS), { platform: ["prod"], tenants: [] });
});

test("a platform stack's file touches it and all its tenant stacks (the contract they read); the tenant program every tenant stack", () => {
  assert.deepEqual(touchedStacks(["Pulumi.prod.yaml"], STACKS), { platform: ["prod"], tenants: ["prod-a", "prod-b"] });
  assert.deepEqual(touchedStacks(["Pulumi.dev.yaml"], STACKS), { platform: ["dev"], tenants: [] });
  assert.deepEqual(touchedStacks(["tenants/index.ts"], STACKS), { platform: [], tenants: ["prod-a", "prod-b", "prod-eu-x", "stage-commerce", "stage-payments"] });
});

test("docs, tests, synth and workflows touch nothing; program code, policies, packages and unknown paths touch everything", () => {
  assert.deepEqual(touchedStacks(["docs/ci.md", "README.md", "test/x.test.ts", "synth/cli.ts", ".github/workflows/deploy.yml", "schema/stack.schema.json", "bench/run.ts"], STACKS), { platform: [], tenants: [] });
  const all = { platform: STACKS.platform, tenants: ["prod-a", "prod-b", "prod-eu-x", "stage-commerce", "stage-payments"] };
  for (const file of ["index.ts", "components/tenant/gitops-tenant.ts", "stacks/schema.ts", "policy/rules/ci.ts", "package-lock.json", "patches/x.patch", "Pulumi.yaml", "something/new.ts"]) {
    assert.deepEqual(touchedStacks([file], STACKS), all, file);
  }
});

test("no diff (a first push, a base not in the history): everything", () => {
  assert.equal(changedFiles(PROJECT_ROOT, "0000000000000000000000000000000000000000", "HEAD"), undefined);
  assert.equal(changedFiles(PROJECT_ROOT, "not-a-sha", "abc1234"), undefined);
  assert.equal(changedFiles(PROJECT_ROOT, "1234567890abcdef1234567890abcdef12345678", "abcdef1234567890abcdef1234567890abcdef12"), undefined, "unknown commits");
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: PROJECT_ROOT, encoding: "utf8" }).trim();
  assert.deepEqual(changedFiles(PROJECT_ROOT, head, head), []);
});

test("the matrices: the preview runs tenant stacks with their environment's preview identity; each tenant stack deploys with its own variables and only its repositories", () => {
  const touched = touchedStacks(["tenants/Pulumi.stage-commerce.yaml"], inventory(PROJECT_ROOT));
  assert.deepEqual(previewMatrix(touched, inventory(PROJECT_ROOT)), [
    { stack: "stage", suffix: "STAGE", project: "gitops-platform", name: "stage", dir: "." },
    { stack: "stage", suffix: "STAGE", project: "gitops-platform-tenants", name: "stage-commerce", dir: "tenants" },
  ]);
  const outputs = stepOutputs(PROJECT_ROOT, touched, inventory(PROJECT_ROOT));
  assert.equal(outputs["stage-platform"], "true");
  assert.equal(outputs["dev-platform"], "false");
  assert.deepEqual(JSON.parse(outputs["stage-tenants"]), [{ name: "stage-commerce", suffix: "STAGE_COMMERCE", owner: "acme-platform", repositories: "web-frontend-config,orders-api-config" }]);
  assert.deepEqual(JSON.parse(outputs["dev-tenants"]), []);
  assert.equal(variableSuffix("stage-payments"), "STAGE_PAYMENTS");
});
