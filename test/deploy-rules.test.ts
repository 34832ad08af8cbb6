/**
 * Deploy rules (policy/deploy/): each rule has a passing and a failing fixture, built by hand as
 * small graphs, and a rule added to DEPLOY_RULES without both fails the suite. Fixtures are
 * graphs rather than stacks so that each one shows exactly the shape the rule is about.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEPLOY_RULES } from "../policy/deploy";
import { evaluatePolicies } from "../policy/evaluate";
import { CheckedResource, PolicyContext } from "../policy/types";

const DEV: PolicyContext = { environment: "dev", production: false };

/** A custom resource of a fixture graph: no links unless given. */
export function node(
  name: string,
  type: string,
  props: Record<string, unknown> = {},
  links: Partial<NonNullable<CheckedResource["links"]>> = {},
): CheckedResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    props,
    protect: false,
    links: { custom: true, parent: null, provider: null, dependencies: [], ...links },
  };
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::gitops-platform::${type}::${name}`;
}

interface Fixture {
  rule: string;
  /** What the fixture shows, for the test name. */
  title: string;
  resources: CheckedResource[];
  context?: PolicyContext;
  /** The names of the resources the rule must report, in any order; empty for a passing fixture. */
  reports: string[];
}

const ASSIGNMENT = "azure-native:authorization:RoleAssignment";

const FIXTURES: Fixture[] = [
  {
    rule: "role-assignments-named-by-what-they-are",
    title: "assignments named by role and scope",
    resources: [node("ci-deploy-contributor-rg", ASSIGNMENT), node("ci-deploy-aks-rbac-cluster-admin-c0ffee12", ASSIGNMENT)],
    reports: [],
  },
  {
    rule: "role-assignments-named-by-what-they-are",
    title: "assignments named by their list index",
    resources: [node("ci-preview-reader-0", ASSIGNMENT), node("ci-preview-key-vault-reader-3", ASSIGNMENT)],
    reports: ["ci-preview-reader-0", "ci-preview-key-vault-reader-3"],
  },
];

for (const fixture of FIXTURES) {
  test(`${fixture.rule}: ${fixture.reports.length === 0 ? "passes" : "fails"} ${fixture.title}`, () => {
    const rule = DEPLOY_RULES.find((r) => r.name === fixture.rule);
    assert.ok(rule, `no deploy rule ${fixture.rule}`);
    const findings = evaluatePolicies(fixture.resources, fixture.context ?? DEV, [rule]);
    const reported = findings.map((f) => fixture.resources.find((r) => r.urn === f.urn)?.name ?? `(no resource) ${f.message}`);
    assert.deepEqual([...reported].sort(), [...fixture.reports].sort(), findings.map((f) => f.message).join("\n"));
  });
}

test("every deploy rule has a passing and a failing fixture", () => {
  for (const rule of DEPLOY_RULES) {
    const own = FIXTURES.filter((f) => f.rule === rule.name);
    assert.ok(own.some((f) => f.reports.length === 0), `${rule.name} has no passing fixture`);
    assert.ok(own.some((f) => f.reports.length > 0), `${rule.name} has no failing fixture`);
  }
});

test("a rule that needs the graph says it cannot decide when it gets no links", () => {
  const unlinked = node("a", ASSIGNMENT);
  delete unlinked.links;
  for (const rule of DEPLOY_RULES) {
    const findings = rule.check([unlinked, node("b", ASSIGNMENT)], DEV);
    if (rule.name === "role-assignments-named-by-what-they-are") continue; // reads names only
    assert.ok(findings.some((f) => /cannot decide/.test(f.message)), `${rule.name} passed silently without links`);
  }
});
