/** The benchmark's project copy with N prod tenant stacks (bench/tenant-stacks.ts): the stacks it writes are valid and the only ones of prod. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { tenantStackOf, writeTenantStackProject } from "../bench/tenant-stacks";
import { parseWithTenantStacks } from "../stacks/load";
import { readTenantStackFile, tenantStackNames } from "../stacks/tenant-stacks";
import { TEST_TODAY } from "./helpers";

test("N prod tenant stacks of one generated tenant each, in a copy of the project, validated as prod's", () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "bench-tenant-stacks-")), "project");
  const stacks = writeTenantStackProject(3, dir);
  assert.deepEqual(stacks, ["prod-t0001", "prod-t0002", "prod-t0003"]);
  assert.equal(tenantStackOf(499), "prod-t0500");
  assert.deepEqual(tenantStackNames(dir, "prod"), stacks, "the checkout's own prod tenant stacks are left out");
  assert.deepEqual(tenantStackNames(dir, "stage"), ["stage-commerce", "stage-payments"]);
  assert.deepEqual(readTenantStackFile(dir, "prod-t0002").tenants.map((t) => (t as { name: string }).name), ["t0002"]);
  const platform = parse(readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).config["gitops-platform:platform"];
  const parsed = parseWithTenantStacks(platform, "prod", { projectRoot: dir, today: TEST_TODAY });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  assert.deepEqual(parsed.tenantStacks, { t0001: "prod-t0001", t0002: "prod-t0002", t0003: "prod-t0003" });
  assert.throws(() => writeTenantStackProject(1, dir), /is not empty/);
});
