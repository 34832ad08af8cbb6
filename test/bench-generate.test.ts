/** The benchmark's N-tenant stack config generator (bench/generate.ts). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { generatedTenant, generateStackConfig, tenantName } from "../bench/generate";
import { parsePlatformConfig } from "../stacks";
import { PROJECT_ROOT } from "../synth/synthesize";
import { pinTestDay } from "./helpers";

pinTestDay();

const PROD = readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");
const KEY = "gitops-platform:platform";

type StackDocument = { config: Record<string, Record<string, unknown>> };

test("N generated tenants, each with its own name, groups and Git source", () => {
  const document = parse(generateStackConfig(PROD, 25)) as StackDocument;
  const tenants = document.config[KEY].tenants as ReturnType<typeof generatedTenant>[];
  assert.equal(tenants.length, 25);
  assert.deepEqual(
    tenants.map((t) => t.name),
    Array.from({ length: 25 }, (_, i) => tenantName(i)),
  );
  assert.equal(new Set(tenants.map((t) => t.name)).size, 25);
  for (const tenant of tenants) {
    assert.match(String(tenant.name), /^[a-z][a-z0-9-]{0,62}$/);
    assert.deepEqual(tenant.git, { repository: `${tenant.name}-config`, path: "./envs/prod" });
  }
  const admins = tenants.map((t) => (t.groups as { admins: string[] }).admins[0]);
  assert.equal(new Set(admins).size, 25, "every tenant has its own admin group");
  assert.equal(tenantName(0), "t0001");
  assert.equal(tenantName(499), "t0500");
});

test("everything but the tenants is kept from the base stack file", () => {
  const base = parse(PROD) as StackDocument;
  const generated = parse(generateStackConfig(PROD, 3)) as StackDocument;
  assert.deepEqual(Object.keys(generated.config), Object.keys(base.config));
  for (const key of Object.keys(base.config).filter((k) => k !== KEY)) assert.deepEqual(generated.config[key], base.config[key]);
  const withoutTenants = (platform: Record<string, unknown>) => Object.fromEntries(Object.entries(platform).filter(([k]) => k !== "tenants"));
  assert.deepEqual(withoutTenants(generated.config[KEY]), withoutTenants(base.config[KEY]));
  assert.notDeepEqual(generated.config[KEY].tenants, base.config[KEY].tenants);
});

test("the generated config passes the stack config's validation, at any size", () => {
  for (const count of [0, 1, 500]) {
    const document = parse(generateStackConfig(PROD, count)) as StackDocument;
    const result = parsePlatformConfig(document.config[KEY], "prod");
    assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
    assert.equal(result.config.tenants.length, count);
    assert.ok(result.config.tenants.every((t) => t.git?.repository === `acme-platform/${t.name}-config`));
  }
});

test("bad input: a negative or fractional count, a base without the platform key", () => {
  assert.throws(() => generateStackConfig(PROD, -1), /non-negative integer/);
  assert.throws(() => generateStackConfig(PROD, 1.5), /non-negative integer/);
  assert.throws(() => generateStackConfig("config:\n  other:key: 1\n", 3), /no gitops-platform:platform mapping/);
  assert.throws(() => generateStackConfig("", 3), /no gitops-platform:platform mapping/);
});

