/**
 * StackReference reads in synth's engine (synth/engine.ts, readStackReference): an environment's
 * tenant stacks all read one platform stack's outputs, which grow with its tenants. Serialized
 * afresh for each read, and formatted whole into the SDK's debug line for each answer, they made
 * a tenant stack's cost grow with the number of tenants (issue 26, item 9).
 */
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../synth/engine";
import { secretOutputNames } from "../synth/mocks";

// The SDK's own module objects, which its runtime calls through (a namespace import is a copy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as typeof import("@pulumi/pulumi/runtime/rpc");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const log = require("@pulumi/pulumi/log") as typeof import("@pulumi/pulumi/log");
// The protobuf Struct the SDK converts an answer's properties with (runtime/rpc.js, deserializeProperties).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { prototype: { toJavaScript(): Record<string, unknown> } } };

const PLATFORM = "organization/gitops-platform/prod";

/** Platform outputs the size of hundreds of tenants', a secret among them. */
const outputs: Record<string, unknown> = {
  environment: "prod",
  tenants: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`t${i}`, { namespace: `t${i}`, sopsKeyId: `https://kv.vault.azure.net/keys/sops-t${i}/${"0".repeat(32)}` }])),
  kubeconfig: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "apiVersion: v1" },
};

/** A tenant stack's program: reads the platform's environment and one tenant through a StackReference. */
async function readOnce(stack: string, platformOutputs: Record<string, unknown> = outputs): Promise<{ environment: unknown; tenant: unknown }> {
  let seen: { environment: unknown; tenant: unknown } | undefined;
  await runProgram(
    async () => {
      const platform = new pulumi.StackReference("platform", { name: PLATFORM });
      seen = { environment: await platform.getOutputValue("environment"), tenant: ((await platform.getOutputValue("tenants")) as Record<string, unknown>).t7 };
      return {};
    },
    { stack, project: "gitops-platform-tenants", otherStacks: { [PLATFORM]: platformOutputs } },
  );
  return seen!;
}

test("the platform's outputs are serialized once for all the tenant stacks that read them, and every read gets them whole", async () => {
  const serialize = mock.method(rpc, "serializeProperties");
  try {
    const reads = [await readOnce("prod-a"), await readOnce("prod-b"), await readOnce("prod-c")];
    const ofOutputs = serialize.mock.calls.filter((call) => (call.arguments[1] as { outputs?: unknown } | undefined)?.outputs === outputs);
    assert.equal(ofOutputs.length, 1);
    for (const read of reads) assert.deepEqual(read, { environment: "prod", tenant: { namespace: "t7", sopsKeyId: `https://kv.vault.azure.net/keys/sops-t7/${"0".repeat(32)}` } });
  } finally {
    serialize.mock.restore();
  }
});

test("the platform's outputs are converted from protobuf once for all the tenant stacks that read them", async () => {
  const toJavaScript = mock.method(Struct.prototype, "toJavaScript");
  try {
    const fresh = { ...outputs };
    const reads = [await readOnce("prod-e", fresh), await readOnce("prod-f", fresh), await readOnce("prod-g", fresh)];
    const ofOutputs = toJavaScript.mock.calls.filter((call) => {
      const converted = call.result as { outputs?: { tenants?: unknown } } | undefined;
      return converted?.outputs?.tenants !== undefined;
    });
    assert.equal(ofOutputs.length, 1, `the answer's properties were converted ${ofOutputs.length} times for 3 reads`);
    for (const read of reads) assert.deepEqual(read, { environment: "prod", tenant: { namespace: "t7", sopsKeyId: `https://kv.vault.azure.net/keys/sops-t7/${"0".repeat(32)}` } });
  } finally {
    toJavaScript.mock.restore();
  }
});

test("the SDK's debug line for a read does not format the other stack's outputs", async () => {
  const debug = mock.method(log, "debug");
  try {
    await readOnce("prod-d");
    const lines = debug.mock.calls.map((call) => String(call.arguments[0]));
    const read = lines.filter((line) => line.startsWith("ReadResource RPC finished"));
    assert.ok(read.length > 0, "the SDK logs the read");
    assert.ok(read.every((line) => line.length < 500), `a read's debug line is ${Math.max(...read.map((l) => l.length))} characters`);
  } finally {
    debug.mock.restore();
  }
});

test("a StackReference reports the outputs that hold a secret, sorted, as the engine's builtin provider does", () => {
  const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "x" };
  const names = secretOutputNames({ zeta: { deep: [1, { secret }] }, plain: { a: "b" }, alpha: secret, none: "text" });
  assert.deepEqual(names, ["alpha", "zeta"]);
  assert.deepEqual(secretOutputNames(outputs), ["kubeconfig"]);
});
