/**
 * Synth keeps the SDK's promise-leak report (runtime/debuggable.js): a program that leaves a
 * promise pending fails as under `pulumi up`, though synth does not track the placeholders the
 * SDK settles itself (synth/engine.ts, SETTLED_BY_THE_SDK).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { runProgram, SETTLED_BY_THE_SDK } from "../synth/engine";
import { PROJECT_ROOT } from "../synth/synthesize";

/** The contexts of the promises the SDK tracks as leak candidates right now. */
function trackedContexts(): string[] {
  const store = (runtimeState as unknown as { getStore(): { leakCandidates: Set<{ _debugCtx?: string }> } }).getStore();
  return [...store.leakCandidates].map((p) => String(p._debugCtx));
}

test("while a resource registers, its registration is tracked and the SDK's placeholders are not", async () => {
  let seen: string[] = [];
  await runProgram(
    () => {
      new k8s.core.v1.ConfigMap("settings", { metadata: { name: "settings", namespace: "team-a" }, data: { a: "1" } });
      seen = trackedContexts();
      return {};
    },
    { stack: "leaks" },
  );
  assert.ok(seen.some((context) => context.startsWith("resource:settings[kubernetes:core/v1:ConfigMap]")), `the registration is tracked: ${seen.join(", ")}`);
  assert.deepEqual(seen.filter((context) => SETTLED_BY_THE_SDK.test(context)), []);
});

test("a program whose input never resolves fails with the SDK's leak report", () => {
  const program = `
    const k8s = require("@pulumi/kubernetes");
    const { runProgram } = require("./synth/engine");
    runProgram(() => {
      new k8s.core.v1.ConfigMap("stuck", { metadata: { name: "stuck" }, data: { a: new Promise(() => {}) } });
      return {};
    }, { stack: "leaks" }).then(() => console.log("finished"));
  `;
  const run = spawnSync(process.execPath, ["--import", "tsx", "-e", program], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.equal(run.status, 1, run.stderr);
  assert.doesNotMatch(run.stdout, /finished/);
  assert.match(run.stderr, /the program exited before the following resource\s+registrations could complete/);
  assert.match(run.stderr, /"stuck" \[kubernetes:core\/v1:ConfigMap\] was waiting for the value of its input property "data"/);
});
