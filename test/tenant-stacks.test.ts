/**
 * Tenant stacks against each other and against the platform: every rule across tenants holds
 * across stacks (validated together, problems said in the tenant stack's file), a tenant stack
 * builds only what the platform registered to it, and a contract version it does not know is
 * refused with what to do.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { CONTRACT_VERSION, ContractError, readContract, registrationProblems } from "../stacks/contract";
import { parseWithTenantStacks } from "../stacks/load";
import { parseTenantStack } from "../stacks/load-tenants";
import { ConfigError } from "../stacks/load";
import { PROJECT_ROOT } from "../synth/synthesize";
import { TEST_TODAY } from "./helpers";

const prodPlatform = () => parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8")).config["gitops-platform:platform"];

/** A project root with prod's platform stack file and these tenant stacks. */
function projectWith(stacks: Record<string, unknown[]>): string {
  const root = mkdtempSync(path.join(tmpdir(), "tenant-stacks-"));
  writeFileSync(path.join(root, "Pulumi.prod.yaml"), readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml")));
  mkdirSync(path.join(root, "tenants"));
  for (const [stack, tenants] of Object.entries(stacks)) {
    const config = { "gitops-platform-tenants:platformStack": "organization/gitops-platform/prod", "gitops-platform-tenants:tenants": tenants };
    writeFileSync(path.join(root, "tenants", `Pulumi.${stack}.yaml`), stringify({ config }));
  }
  return root;
}

const tenant = (name: string, extra: Record<string, unknown> = {}) => ({ name, groups: { admins: ["8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01"] }, git: { repository: `${name}-config` }, ...extra });

test("two tenant stacks cannot claim one namespace, name or repository: refused in the second one's file, at its key", () => {
  const root = projectWith({
    "prod-a": [tenant("shop")],
    "prod-b": [tenant("shop2", { namespace: "shop" }), tenant("shop"), tenant("cart", { git: { repository: "shop-config" } })],
  });
  const parsed = parseWithTenantStacks(prodPlatform(), "prod", { projectRoot: root, today: TEST_TODAY });
  assert.equal(parsed.ok, false);
  const problems = parsed.ok ? [] : parsed.problems;
  assert.ok(problems.some((p) => p.startsWith("tenants/Pulumi.prod-b.yaml: gitops-platform-tenants:tenants[0].namespace:")), problems.join("\n"));
  assert.ok(problems.some((p) => p.startsWith("tenants/Pulumi.prod-b.yaml: gitops-platform-tenants:tenants[1].name:")), problems.join("\n"));
  assert.ok(problems.some((p) => p.startsWith("tenants/Pulumi.prod-b.yaml: gitops-platform-tenants:tenants[2].git.repository:")), problems.join("\n"));
});

test("a tenant stack may not take a platform namespace either: the same rules as inline tenants", () => {
  const root = projectWith({ "prod-a": [tenant("flux-system")] });
  const parsed = parseWithTenantStacks(prodPlatform(), "prod", { projectRoot: root, today: TEST_TODAY });
  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? "" : parsed.problems.join("\n"), /^tenants\/Pulumi\.prod-a\.yaml: gitops-platform-tenants:tenants\[0\]\.name: /m);
});

test("the platform builds each tenant stack's tenants and knows which stack owns each", () => {
  const root = projectWith({ "prod-a": [tenant("shop")], "prod-b": [tenant("cart")] });
  const parsed = parseWithTenantStacks(prodPlatform(), "prod", { projectRoot: root, today: TEST_TODAY });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  assert.deepEqual(parsed.tenantStacks, { shop: "prod-a", cart: "prod-b" });
});

test("a tenant stack validates with the engine's config of itself and the files of the others", () => {
  const root = projectWith({ "prod-a": [tenant("shop")], "prod-b": [tenant("cart")] });
  const own = { tenants: [tenant("cart", { namespace: "shop" })], platformStack: "organization/gitops-platform/prod" };
  assert.throws(() => parseTenantStack(root, "prod-b", own, { today: TEST_TODAY }), (error: unknown) => {
    assert.ok(ConfigError.isConfigError(error));
    assert.ok(error.problems.some((p) => p.startsWith("tenants/Pulumi.prod-b.yaml: gitops-platform-tenants:tenants[0].namespace:")), error.problems.join("\n"));
    return true;
  });
  const ok = parseTenantStack(root, "prod-b", { tenants: [tenant("cart")], platformStack: "organization/gitops-platform/prod" }, { today: TEST_TODAY });
  assert.deepEqual(ok.tenants.map((t) => [t.name, t.namespace]), [["cart", "cart"]]);
});

const contract = (tenants: Record<string, { namespace: string; stack: string; imageAutomation: boolean }>) =>
  readContract(
    {
      version: CONTRACT_VERSION,
      environment: "prod",
      platformName: "platform",
      clusterName: "gitops-platform-prod",
      kubeconfig: "apiVersion: v1",
      oidcIssuerUrl: "https://issuer",
      resourceGroupName: "rg-gitops-prod",
      flux: { namespace: "flux-system", multitenancy: true, sops: true },
      tenants,
    },
    "organization/gitops-platform/prod",
  );

test("attack: a tenant stack cannot build a tenant the platform did not register to it", () => {
  const registered = contract({ shop: { namespace: "shop", stack: "prod-a", imageAutomation: false } });
  assert.deepEqual(registrationProblems(registered, "prod-a", [{ name: "shop", namespace: "shop" }]), []);
  const [other] = registrationProblems(registered, "prod-b", [{ name: "shop", namespace: "shop" }]);
  assert.match(other, /tenants\[0\]\.name: tenant shop belongs to tenant stack prod-a, not prod-b/);
  const [unknown] = registrationProblems(registered, "prod-a", [{ name: "cart", namespace: "cart" }]);
  assert.match(unknown, /not registered on the platform stack: deploy the platform stack first/);
  const [namespace] = registrationProblems(registered, "prod-a", [{ name: "shop", namespace: "kube-system" }]);
  assert.match(namespace, /tenants\[0\]\.namespace: the platform stack created namespace shop/);
  // Image automation the platform has not set up yet (its Role): the platform stack deploys first.
  const [automation] = registrationProblems(registered, "prod-a", [{ name: "shop", namespace: "shop", imageAutomation: { path: "./apps" } }]);
  assert.match(automation, /tenants\[0\]\.imageAutomation: the platform stack has not set up image automation for tenant shop/);
});

test("a contract version the tenant program does not know, or none, is refused with what to do", () => {
  assert.throws(() => readContract({ version: CONTRACT_VERSION + 1 }, "o/p/prod"), (e: unknown) => e instanceof ContractError && new RegExp(`version ${CONTRACT_VERSION + 1}; this tenant program knows version ${CONTRACT_VERSION}`).test(e.message));
  assert.throws(() => readContract(undefined, "o/p/prod"), (e: unknown) => e instanceof ContractError && /exports no tenantContract: deploy it first/.test(e.message));
  assert.throws(() => readContract({ version: CONTRACT_VERSION, environment: "prod" }, "o/p/prod"), (e: unknown) => e instanceof ContractError && /tenantContract\.platformName/.test(e.message));
});
