/** Argument-free invokes are made once per stack and provider, not once per resource or tenant. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { generateStackConfig } from "../../bench/generate";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

async function invokesAt(tenants: number): Promise<Map<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), "shared-invoke-"));
  const configFile = path.join(dir, "Pulumi.prod.yaml");
  writeFileSync(configFile, generateStackConfig(readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8"), tenants));
  const counts = new Map<string, number>();
  const proto = MockMonitor.prototype as unknown as { invoke(req: { getTok(): string }, callback: unknown): unknown };
  const original = proto.invoke;
  proto.invoke = function (this: unknown, req: { getTok(): string }, callback: unknown) {
    counts.set(req.getTok(), (counts.get(req.getTok()) ?? 0) + 1);
    return original.call(this, req, callback);
  };
  try {
    await synthesize({ stack: "prod", configFile });
  } finally {
    proto.invoke = original;
  }
  return counts;
}

test("getClientConfig and getSshKeys: as many invokes at 6 tenants as at 2 (one per provider)", async () => {
  const few = await invokesAt(2);
  const many = await invokesAt(6);
  for (const token of ["azure-native:authorization:getClientConfig", "github:index/getSshKeys:getSshKeys"]) {
    assert.ok((few.get(token) ?? 0) >= 1, `${token} is invoked`);
    assert.equal(many.get(token), few.get(token), `${token}: ${few.get(token)} invokes at 2 tenants, ${many.get(token)} at 6`);
  }
  assert.equal(many.get("github:index/getSshKeys:getSshKeys"), 1, "one GitHub provider in the stack");
});
