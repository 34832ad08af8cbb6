/**
 * Attacks on stack names (stacks/rules-stack-names.ts): a tenant stack named like a platform
 * stack, a tenant deployer's GitHub environment that is a platform stack's CI environment (in
 * either direction, case-insensitively), and a tenant stack file two environments' names start.
 * Each is refused where tenant stacks are loaded (parseWithTenantStacks), naming the file and key.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { PLATFORM_KEY } from "../stacks/errors";
import { parseWithTenantStacks } from "../stacks/load";
import { stackNameProblems } from "../stacks/rules-stack-names";
import { readStackYaml, readTenantStackFile, tenantStackNames } from "../stacks/tenant-stacks";
import { pinTestDay } from "./helpers";

pinTestDay();

const ROOT = path.resolve(__dirname, "..");

/** A scratch project root with the repository's stack files (platform and tenant). */
function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), "stack-names-"));
  mkdirSync(path.join(root, "tenants"));
  for (const file of readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) copyFileSync(path.join(ROOT, file), path.join(root, file));
  for (const file of readdirSync(path.join(ROOT, "tenants")).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
    copyFileSync(path.join(ROOT, "tenants", file), path.join(root, "tenants", file));
  }
  return root;
}

/** A platform stack file with just what names its GitHub environments. */
function platformFile(root: string, stack: string, platform: Record<string, unknown>): void {
  writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), stringify({ config: { [PLATFORM_KEY]: platform } }));
}

const CI = { repository: "acme-platform/platform-infra", reviewers: { teams: [1] } };

/** A tenant stack file with one tenant. */
function tenantFile(root: string, stack: string, platformStack: string, name: string): void {
  const tenant = { name, namespace: `${name}-ns`, groups: { admins: ["8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e09"] }, git: { repository: `${name}-config` } };
  writeFileSync(
    path.join(root, "tenants", `Pulumi.${stack}.yaml`),
    stringify({ config: { "gitops-platform-tenants:platformStack": `organization/gitops-platform/${platformStack}`, "gitops-platform-tenants:tenants": [tenant] } }),
  );
}

const rawOf = (root: string, stack: string) => (readStackYaml(root, `Pulumi.${stack}.yaml`) as { config: Record<string, unknown> }).config[PLATFORM_KEY];

function problemsOf(root: string, stack: string, raw: unknown = rawOf(root, stack)): string[] {
  const parsed = parseWithTenantStacks(raw, stack, { projectRoot: root });
  return parsed.ok ? [] : parsed.problems;
}

test("the repository's own stacks pass: dev, stage and prod with their tenant stacks", () => {
  const root = project();
  for (const stack of ["dev", "stage", "prod"]) assert.deepEqual(problemsOf(root, stack), [], stack);
});

test("a tenant stack with a platform stack's name (tenants/Pulumi.dev-x.yaml beside Pulumi.dev-x.yaml) is refused by both platform stacks", () => {
  const root = project();
  tenantFile(root, "dev-x", "dev", "x");
  assert.deepEqual(problemsOf(root, "dev"), [], "alone, dev-x is an ordinary tenant stack of dev");
  platformFile(root, "dev-x", { environment: "dev-x", ci: CI });
  const problems = problemsOf(root, "dev");
  assert.ok(
    problems.some((p) => p.startsWith("tenants/Pulumi.dev-x.yaml: the tenant stack dev-x has the name of the platform stack Pulumi.dev-x.yaml")),
    problems.join("\n"),
  );
  // Its deployer would trust the environment dev-x deploys from.
  assert.ok(
    problems.includes(
      `tenants/Pulumi.dev-x.yaml: its deployer's GitHub environment dev-x is also Pulumi.dev-x.yaml ${PLATFORM_KEY}.environment ("dev-x"): one environment would gate two identities; rename the tenant stack file or that environment`,
    ),
    problems.join("\n"),
  );
  const other = stackNameProblems(root, "dev-x", rawOf(root, "dev-x"), []);
  assert.ok(other.some((p) => p.startsWith("tenants/Pulumi.dev-x.yaml: the tenant stack dev-x has the name of this platform stack (Pulumi.dev-x.yaml)")), other.join("\n"));
});

test("a tenant stack whose deployer environment is another platform stack's preview environment (preview-prod) is refused on both sides", () => {
  const root = project();
  platformFile(root, "preview", { environment: "preview", ci: CI });
  tenantFile(root, "preview-prod", "preview", "prod");
  // prod's side: the environment its preview identity trusts (every branch, pull requests) would gate a deployer.
  assert.deepEqual(problemsOf(root, "prod"), [
    `${PLATFORM_KEY}.ci.previewEnvironment: the GitHub environment "preview-prod" is also the deployer environment of the tenant stack tenants/Pulumi.preview-prod.yaml (of Pulumi.preview.yaml): one environment would gate two identities; rename one of them`,
  ]);
  // preview's side, where the tenant stack is loaded.
  assert.deepEqual(stackNameProblems(root, "preview", rawOf(root, "preview"), [readTenantStackFile(root, "preview-prod")]), [
    `tenants/Pulumi.preview-prod.yaml: its deployer's GitHub environment preview-prod is also Pulumi.prod.yaml ${PLATFORM_KEY}.ci.previewEnvironment ("preview-prod"): one environment would gate two identities; rename the tenant stack file or that environment`,
  ]);
  // Without ci on preview there is no deployer, so nothing collides on preview's side; prod's own environment still would be claimed by a later ci.
  assert.deepEqual(stackNameProblems(root, "preview", { environment: "preview" }, [readTenantStackFile(root, "preview-prod")]), []);
});

test("a tenant stack whose deployer environment is another platform stack's drift environment (drift-dev) is refused", () => {
  const root = project();
  platformFile(root, "drift", { environment: "drift", ci: CI });
  tenantFile(root, "drift-dev", "drift", "dev");
  assert.ok(problemsOf(root, "dev").some((p) => p.startsWith(`${PLATFORM_KEY}.ci.driftReport: the GitHub environment "drift-dev" is also the deployer environment of the tenant stack tenants/Pulumi.drift-dev.yaml`)));
  assert.deepEqual(
    stackNameProblems(root, "drift", rawOf(root, "drift"), [readTenantStackFile(root, "drift-dev")]).map((p) => p.split(":")[0] + ": " + p.split(" is also ")[1]?.split(" (")[0]),
    [`tenants/Pulumi.drift-dev.yaml: Pulumi.dev.yaml ${PLATFORM_KEY}.ci.driftReport`],
  );
});

test("a platform stack's own CI environment named like one of its tenant stacks, in another case (Prod-Payments), is refused", () => {
  const root = project();
  const raw = rawOf(root, "prod") as { ci: Record<string, unknown> };
  const problems = problemsOf(root, "prod", { ...raw, ci: { ...raw.ci, previewEnvironment: "Prod-Payments" } });
  assert.deepEqual(problems, [
    `tenants/Pulumi.prod-payments.yaml: its deployer's GitHub environment prod-payments is also Pulumi.prod.yaml ${PLATFORM_KEY}.ci.previewEnvironment ("Prod-Payments"): one environment would gate two identities; rename the tenant stack file or that environment`,
  ]);
});

test("a tenant stack file two platform stacks' names start (prod-eu-a: prod and prod-eu) belongs to the longer one only, and must name it", () => {
  const root = project();
  platformFile(root, "prod-eu", { environment: "prod-eu", ci: CI });
  tenantFile(root, "prod-eu-a", "prod-eu", "a");
  assert.deepEqual(tenantStackNames(root, "prod"), ["prod-commerce", "prod-payments"], "prod does not build prod-eu's tenant stack");
  assert.deepEqual(tenantStackNames(root, "prod-eu"), ["prod-eu-a"]);
  assert.deepEqual(problemsOf(root, "prod"), []);
  assert.deepEqual(stackNameProblems(root, "prod-eu", rawOf(root, "prod-eu"), [readTenantStackFile(root, "prod-eu-a")]), []);
  // Meant as prod's tenant stack "eu-a": prod-eu, which owns the name, refuses it.
  tenantFile(root, "prod-eu-a", "prod", "a");
  assert.deepEqual(stackNameProblems(root, "prod-eu", rawOf(root, "prod-eu"), [readTenantStackFile(root, "prod-eu-a")]), [
    "tenants/Pulumi.prod-eu-a.yaml: gitops-platform-tenants:platformStack: names organization/gitops-platform/prod, but the platform stack that reads this file as its tenant stack is prod-eu (Pulumi.prod-eu.yaml)",
  ]);
});
