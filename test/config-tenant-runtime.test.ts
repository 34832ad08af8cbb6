/**
 * The tenant config keys of issue 22's runtime items: Service exposure opt-ins and the storage
 * quota (item 9), the per-tenant Flagger load tester (item 4) and Vault role audiences (item 6):
 * defaults, the key path of every refusal, and the JSON Schema listing them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { sample } from "./config-probe";
import { parsePlatformConfig } from "../stacks/parse";
import { PROJECT_ROOT } from "../synth/synthesize";
import { pinTestDay } from "./helpers";

pinTestDay();

const P = "gitops-platform:platform";
const raw = (stack: "dev" | "prod") => structuredClone(sample(stack));
const parsed = (config: unknown, stack: "dev" | "prod" = "dev") => {
  const result = parsePlatformConfig(config, stack);
  assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
  return result.config;
};
const problems = (config: unknown, stack: "dev" | "prod" = "dev") => {
  const result = parsePlatformConfig(config, stack);
  return result.ok ? [] : result.problems;
};

test("tenants get no LoadBalancer, NodePort or externalIPs and a storage quota unless their config says otherwise", () => {
  const tenant = parsed(raw("dev")).tenants[0];
  assert.deepEqual(tenant.services, { loadBalancer: false, nodePort: false, externalIPs: false });
  assert.equal(tenant.quota.persistentVolumeClaims, 10);
  assert.equal(tenant.quota.storage, "100Gi");

  const opted = raw("dev");
  opted.tenants[0].services = { loadBalancer: true };
  opted.tenants[0].quota = { ...opted.tenants[0].quota, persistentVolumeClaims: 2, storage: "20Gi" };
  const t = parsed(opted).tenants[0];
  assert.deepEqual(t.services, { loadBalancer: true, nodePort: false, externalIPs: false });
  assert.equal(t.quota.persistentVolumeClaims, 2);
  assert.equal(t.quota.storage, "20Gi");
});

test("bad service and storage settings are refused at their key paths", () => {
  const bad = raw("dev");
  bad.tenants[0].services = { loadBalancer: "yes", ingress: true };
  bad.tenants[0].quota = { ...bad.tenants[0].quota, persistentVolumeClaims: -1, storage: "lots" };
  const found = problems(bad);
  const at = (key: string) => found.find((p) => p.startsWith(`${P}.tenants[0].${key}:`));
  assert.ok(at("services.loadBalancer"), found.join("\n"));
  assert.ok(at("services") ?? at("services.ingress"), `the unknown key is named: ${found.join("\n")}`);
  assert.match(at("quota.persistentVolumeClaims") ?? "", />= ?0|too small|at least/i);
  assert.match(at("quota.storage") ?? "", /memory quantity/);
});

test("the JSON Schema lists the new tenant keys", () => {
  const schema = readFileSync(path.join(PROJECT_ROOT, "schema", "stack.schema.json"), "utf8");
  for (const key of ['"loadBalancer"', '"nodePort"', '"externalIPs"', '"persistentVolumeClaims"', '"storage"']) assert.ok(schema.includes(key), key);
});

test("every Vault role requires a token audience: vault unless the role names another; an empty or spaced one is refused at its key path", () => {
  const config = raw("dev");
  const role = parsed(config).tenants.find((t) => t.vault.roles.length > 0)!.vault.roles[0];
  assert.equal(role.audience, "vault");
  const index = config.tenants.findIndex((t: { vault?: { roles?: unknown[] } }) => (t.vault?.roles ?? []).length > 0);
  for (const bad of ["", "two words"]) {
    const c = raw("dev");
    c.tenants[index].vault.roles[0].audience = bad;
    const found = problems(c);
    assert.ok(
      found.some((p) => p.startsWith(`${P}.tenants[${index}].vault.roles[0].audience: must be a JWT audience such as vault`)),
      `${JSON.stringify(bad)}: ${found.join("\n")}`,
    );
  }
});

test("a tenant's load tester needs Flagger: refused at tenants[i].flagger.loadTester without flagger.enabled; off by default", () => {
  assert.equal(parsed(raw("dev")).tenants[0].flagger.loadTester, false);
  assert.equal(parsed(raw("prod"), "prod").tenants.find((t) => t.name === "web")!.flagger.loadTester, true);
  const dev = raw("dev");
  dev.tenants[0].flagger = { loadTester: true };
  assert.deepEqual(problems(dev), [`${P}.tenants[0].flagger.loadTester: needs Flagger: set flagger.enabled, or leave the load tester off`]);
  dev.flagger = { ...(dev.flagger ?? {}), enabled: true };
  assert.deepEqual(problems(dev), []);
  const typo = raw("prod");
  typo.tenants[0].flagger = { loadtester: true };
  assert.ok(problems(typo, "prod").some((p) => p.startsWith(`${P}.tenants[0].flagger`)), problems(typo, "prod").join("\n"));
});
