/** Shared test helpers: run components or stacks through the mock engine and find resources. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { pinConfigToday } from "../stacks/clock";
import { EngineOptions, EngineRun, RecordedResource, runProgram } from "../synth/engine";
import { PROJECT_ROOT, type GraphResource } from "../synth/synthesize";
import { tenantStackTenants } from "./environments";

export interface TestRun extends EngineRun {
  /** All resources of a type token, in registration order. */
  ofType(type: string): RecordedResource[];
  /** The one resource of a type (and logical name, when given); fails the test otherwise. */
  one(type: string, name?: string): RecordedResource;
  byUrn(urn: string): RecordedResource;
}

export function withFinders(run: EngineRun): TestRun {
  const ofType = (type: string) => run.resources.filter((r) => r.type === type);
  return {
    ...run,
    ofType,
    one(type, name) {
      const found = ofType(type).filter((r) => name === undefined || r.name === name);
      assert.equal(found.length, 1, `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.map((r) => r.name).join(", ") || "none"}`);
      return found[0];
    },
    byUrn(urn) {
      const found = run.resources.find((r) => r.urn === urn);
      assert.ok(found, `no resource ${urn}`);
      return found;
    },
  };
}

/** Runs a program (usually a component or two) under the mock engine. */
export async function run(program: () => unknown, options: Partial<EngineOptions> = {}): Promise<TestRun> {
  return withFinders(await runProgram(program, { stack: "test", ...options }));
}

/** Follows dependencies transitively: does `from` wait for `to`? */
export function dependsOn(runResult: EngineRun, from: RecordedResource, to: RecordedResource): boolean {
  const byUrn = new Map(runResult.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [...from.dependencies];
  while (stack.length > 0) {
    const urn = stack.pop()!;
    if (urn === to.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    stack.push(...(byUrn.get(urn)?.dependencies ?? []));
    // A dependency on a component waits for its children.
    for (const r of runResult.resources) if (r.parent === urn) stack.push(r.urn);
  }
  return false;
}

/** A synth-graph resource for hand-built graphs: a custom resource with no links unless given. */
export function graphResource(fields: Partial<GraphResource> & Pick<GraphResource, "urn">): GraphResource {
  return {
    type: "test:index:Thing",
    name: fields.urn,
    custom: true,
    parent: null,
    provider: null,
    dependencies: [],
    protect: false,
    inputs: {},
    outputs: {},
    ...fields,
  };
}

/**
 * The day tests judge calendar-bound config rules by (Kubernetes support, stacks/clock.ts), so
 * that no test depends on the day it runs.
 */
export const TEST_DAY = "2026-11-30";
export const TEST_TODAY = new Date(`${TEST_DAY}T12:00:00Z`);

/** Pins TEST_TODAY for every config this test file parses, directly or through synth. */
export function pinTestDay(): void {
  pinConfigToday(TEST_TODAY);
}

/**
 * A stack file (Pulumi.<stack>.yaml, comments kept) with its platform config changed by `edit`,
 * written to a temporary file. The stack's tenant stacks' tenants (prod's) are inline after its
 * own: the temporary directory has no tenants/, so this is the environment in the single-stack form.
 */
export function stackFileWith(stack: "dev" | "prod", edit: (platform: Record<string, unknown>) => void): string {
  const document = parseDocument(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  const platform = document.getIn(["config", "gitops-platform:platform"]) as { toJSON(): Record<string, unknown> };
  const changed = platform.toJSON();
  const tenants = [...((changed.tenants as unknown[] | undefined) ?? []), ...tenantStackTenants(stack)];
  if (tenants.length > 0) changed.tenants = tenants;
  edit(changed);
  document.setIn(["config", "gitops-platform:platform"], document.createNode(changed));
  const file = path.join(mkdtempSync(path.join(tmpdir(), "stack-file-")), `Pulumi.${stack}.yaml`);
  writeFileSync(file, document.toString());
  return file;
}
