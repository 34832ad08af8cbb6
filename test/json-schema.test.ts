import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { renderStackFileJsonSchema, STACK_SCHEMA_PATH, stackFileJsonSchema } from "../stacks/json-schema";
import { PROJECT_ROOT } from "../synth/synthesize";

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(stackFileJsonSchema());
const stackFile = (name: string) => parse(readFileSync(path.join(PROJECT_ROOT, name), "utf8"));

test("the checked-in JSON Schema is current (regenerate with npm run schema)", () => {
  assert.equal(readFileSync(path.join(PROJECT_ROOT, STACK_SCHEMA_PATH), "utf8"), renderStackFileJsonSchema());
});

test("the dev and prod stack files validate against it", () => {
  for (const name of ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
    assert.ok(validate(stackFile(name)), `${name}: ${JSON.stringify(validate.errors)}`);
    assert.match(readFileSync(path.join(PROJECT_ROOT, name), "utf8"), /^# yaml-language-server: \$schema=\.\/schema\/stack\.schema\.json$/m);
  }
});

test("editors flag what synth rejects: typos, wrong enums, bad UUIDs", () => {
  const typo = { config: { "gitops-platform:platform": { cluster: { systemPool: { minCout: 2 } } } } };
  assert.equal(validate(typo), false);
  assert.ok(validate.errors?.some((e) => e.keyword === "additionalProperties" && e.params.additionalProperty === "minCout"));
  assert.equal(validate({ config: { "gitops-platform:platform": { cluster: { skuTier: "Gold" } } } }), false);
  assert.equal(validate({ config: { "gitops-platform:platform": { cluster: { adminGroupObjectIds: ["admins"] } } } }), false);
  assert.equal(validate({ config: { "gitops-platform:platform": {}, "gitops-platform:slackWebhookUrl": { secure: "v1:abc" } } }), true);
});

test("the schema covers the tenant stacks' files too: each validates, and a typo in a tenant is flagged", () => {
  for (const name of ["tenants/Pulumi.stage-commerce.yaml", "tenants/Pulumi.stage-payments.yaml"]) {
    assert.ok(validate(stackFile(name)), `${name}: ${JSON.stringify(validate.errors)}`);
    assert.match(readFileSync(path.join(PROJECT_ROOT, name), "utf8"), /^# yaml-language-server: \$schema=\.\.\/schema\/stack\.schema\.json$/m);
  }
  const tenantStack = (tenant: Record<string, unknown>) => ({
    config: { "gitops-platform-tenants:platformStack": "o/gitops-platform/prod", "gitops-platform-tenants:tenants": [{ name: "shop", ...tenant }] },
  });
  assert.equal(validate(tenantStack({ quotta: {} })), false);
  assert.ok(validate.errors?.some((e) => e.keyword === "additionalProperties" && e.params.additionalProperty === "quotta"));
  assert.equal(validate({ config: { "gitops-platform-tenants:tenants": [{ name: "shop" }] } }), false, "a tenant stack names its platform stack");
});
