/**
 * GitOpsPlatform.build, what index.ts runs: the resources `new GitOpsPlatform` makes, with the
 * same names, parents and inputs, its tenants built one by one with a turn of the event loop
 * between them, so that the engine has registered a tenant's resources before the next tenant is
 * built. Built in one synchronous pass, every resource of every tenant was pending at once: at
 * 100 tenants twice the CPU and memory (bench/RESULTS.md, issue 28 fourth round).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { GitOpsPlatform } from "../../components/platform";
import { platformArgs } from "../../stacks/component-args";
import { parsePlatformConfig } from "../../stacks/parse";
import type { RecordingMonitor } from "../../synth/engine";
import { PROJECT_ROOT } from "../../synth/synthesize";
import { run, TEST_TODAY } from "../helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): unknown };

const TENANT = "gitops-platform:index:GitOpsTenant";

function devConfig() {
  const raw = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8")).config["gitops-platform:platform"];
  const parsed = parsePlatformConfig(raw, "dev", { today: TEST_TODAY });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  assert.ok(parsed.config.tenants.length >= 2, "dev has two tenants");
  return parsed.config;
}

test("build makes exactly the resources new GitOpsPlatform makes, inputs and links included", async () => {
  const config = devConfig();
  const built = await run(async () => { await GitOpsPlatform.build("platform", platformArgs({ config })); }, { stack: "dev" });
  const constructed = await run(() => {
    new GitOpsPlatform("platform", platformArgs({ config }));
  }, { stack: "dev" });
  const shape = (r: (typeof built.resources)[number]) => ({ ...r, id: r.id });
  const byUrn = (rs: typeof built.resources) => new Map(rs.map((r) => [r.urn, shape(r)]));
  assert.deepEqual([...byUrn(built.resources).keys()].sort(), [...byUrn(constructed.resources).keys()].sort());
  const other = byUrn(constructed.resources);
  for (const [urn, r] of byUrn(built.resources)) assert.deepEqual(r, other.get(urn), urn);
});

test("build has registered a tenant's resources before it builds the next tenant", async () => {
  const config = devConfig();
  const [first, second] = config.tenants.map((t) => t.name);
  let registeredOfFirst: number | undefined;
  await run(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      if (args.type === TENANT && args.name === `platform-${second}`) {
        const recorded = (settings.getMonitor() as RecordingMonitor).recorded;
        registeredOfFirst = [...recorded.keys()].filter((urn) => urn.includes(`::platform-${first}`)).length;
      }
      return undefined;
    });
    await GitOpsPlatform.build("platform", platformArgs({ config }));
  }, { stack: "dev" });
  assert.ok(registeredOfFirst !== undefined, `the second tenant (${second}) was built`);
  assert.ok(registeredOfFirst > 10, `when ${second} was built, ${registeredOfFirst} resources of ${first} were registered`);
});
