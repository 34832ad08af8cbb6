/**
 * The environment's policies (policy/evaluate.ts, evaluateEnvironment): two passes over the
 * environment however many tenant stacks it has, each finding with the stack of the resource it
 * names, and what only the stacks together break reported, not dropped.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateEnvironment } from "../policy/evaluate";
import type { CheckedResource, Finding, PlatformPolicy } from "../policy/types";

const context = { environment: "prod", production: true };

function resource(stack: string, name: string, props: Record<string, unknown> = {}): CheckedResource {
  return { urn: `urn:pulumi:${stack}::p::kubernetes:core/v1:ConfigMap::${name}`, type: "kubernetes:core/v1:ConfigMap", name, props, protect: false };
}

/** Counts its runs; flags every resource marked bad, each claim two resources share (no URN), and the platform's "lonely" resource when a tenant stack's "neighbour" exists. */
function countingPolicy(): PlatformPolicy & { runs: number[] } {
  const runs: number[] = [];
  return {
    name: "test-policy",
    description: "test",
    enforcement: () => "mandatory",
    runs,
    check(resources) {
      runs.push(resources.length);
      const findings: Finding[] = resources.filter((r) => r.props.bad === true).map((r) => ({ urn: r.urn, message: `${r.name} is bad` }));
      const claims = new Map<string, number>();
      for (const r of resources) if (typeof r.props.claim === "string") claims.set(r.props.claim, (claims.get(r.props.claim) ?? 0) + 1);
      for (const [claim, count] of claims) if (count > 1) findings.push({ message: `${claim} is claimed ${count} times` });
      const lonely = resources.find((r) => r.name === "lonely");
      if (lonely && resources.some((r) => r.name === "neighbour")) findings.push({ urn: lonely.urn, message: "lonely has a neighbour" });
      return findings;
    },
  } as PlatformPolicy & { runs: number[] };
}

test("an environment of N tenant stacks is judged in two passes, not two per tenant stack", () => {
  const policy = countingPolicy();
  const platform = { stack: "prod", resources: [resource("prod", "a"), resource("prod", "b")] };
  const tenantStacks = Array.from({ length: 50 }, (_, i) => ({ stack: `prod-t${i}`, resources: [resource(`prod-t${i}`, "x")] }));
  evaluateEnvironment(platform, tenantStacks, context, [policy]);
  assert.deepEqual(policy.runs, [2, 52]);
});

test("each finding goes to the stack of the resource it names; the platform's own stay the platform's", () => {
  const platform = { stack: "prod", resources: [resource("prod", "a", { bad: true })] };
  const tenantStacks = [
    { stack: "prod-web", resources: [resource("prod-web", "w", { bad: true })] },
    { stack: "prod-api", resources: [resource("prod-api", "ok")] },
  ];
  const { byStack, acrossStacks } = evaluateEnvironment(platform, tenantStacks, context, [countingPolicy()]);
  assert.deepEqual(byStack.get("prod")!.map((f) => f.message), ["a is bad"]);
  assert.deepEqual(byStack.get("prod-web")!.map((f) => f.message), ["w is bad"]);
  assert.deepEqual(byStack.get("prod-api"), []);
  assert.deepEqual(acrossStacks, []);
  assert.equal(byStack.get("prod-web")![0].policy, "test-policy");
  assert.equal(byStack.get("prod-web")![0].enforcement, "mandatory");
});

test("what only the stacks together break is reported across stacks: a claim two tenant stacks share, a platform resource a tenant stack breaks", () => {
  const platform = { stack: "prod", resources: [resource("prod", "lonely")] };
  const tenantStacks = [
    { stack: "prod-web", resources: [resource("prod-web", "w", { claim: "shop.example.com" })] },
    { stack: "prod-api", resources: [resource("prod-api", "a", { claim: "shop.example.com" }), resource("prod-api", "neighbour")] },
  ];
  const { byStack, acrossStacks } = evaluateEnvironment(platform, tenantStacks, context, [countingPolicy()]);
  assert.deepEqual(acrossStacks.map((f) => f.message).sort(), ["lonely has a neighbour", "shop.example.com is claimed 2 times"]);
  assert.deepEqual(byStack.get("prod"), [], "the platform alone breaks nothing");
});

test("a URN-less finding the platform alone makes is the platform's, not repeated across stacks", () => {
  const platform = { stack: "prod", resources: [resource("prod", "a", { claim: "x" }), resource("prod", "b", { claim: "x" })] };
  const tenantStacks = [{ stack: "prod-web", resources: [resource("prod-web", "w")] }];
  const { byStack, acrossStacks } = evaluateEnvironment(platform, tenantStacks, context, [countingPolicy()]);
  assert.deepEqual(byStack.get("prod")!.map((f) => f.message), ["x is claimed 2 times"]);
  assert.deepEqual(acrossStacks, []);
});
