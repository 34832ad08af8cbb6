/**
 * The mock engine refuses what the real one refuses: a second registration of one URN ("Duplicate
 * resource URN"), where the SDK's MockMonitor would keep the last one silently.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import { run } from "./helpers";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:test:Box", name, {}, opts);
    this.registerOutputs({});
  }
}

const DUPLICATE = /Duplicate resource URN 'urn:pulumi:test::gitops-platform::[^']+'; try giving it a unique name/;

test("two custom resources of one name and type under one parent: the run fails with Duplicate resource URN", async () => {
  await assert.rejects(
    run(() => {
      const box = new Box("box");
      new resources.ResourceGroup("rg", { location: "westeurope" }, { parent: box });
      new resources.ResourceGroup("rg", { location: "northeurope" }, { parent: box });
    }),
    (error: Error) => DUPLICATE.test(error.message) && error.message.includes("gitops-platform:test:Box$azure-native:resources:ResourceGroup::rg"),
  );
});

test("two component resources of one name and type fail too", async () => {
  await assert.rejects(
    run(() => {
      new Box("box");
      new Box("box");
    }),
    DUPLICATE,
  );
});

test("two explicit providers of one name fail too", async () => {
  await assert.rejects(
    run(() => {
      new k8s.Provider("cluster", { kubeconfig: "{}" });
      new k8s.Provider("cluster", { kubeconfig: "{}" });
    }),
    DUPLICATE,
  );
});

test("a URN names the parents' types, not their names: one name under two parents of one type is a duplicate too", async () => {
  await assert.rejects(
    run(() => {
      new resources.ResourceGroup("rg", { location: "westeurope" }, { parent: new Box("a") });
      new resources.ResourceGroup("rg", { location: "westeurope" }, { parent: new Box("b") });
    }),
    DUPLICATE,
  );
});

test("one name of two types, or under parents of two types, is two URNs and is accepted", async () => {
  const result = await run(() => {
    new resources.ResourceGroup("rg", { location: "westeurope" }, { parent: new Box("a") });
    new resources.ResourceGroup("rg", { location: "westeurope" });
    new k8s.core.v1.Namespace("rg", {});
  });
  assert.equal(result.resources.filter((r) => r.name === "rg").length, 3);
});

test("the duplicate is not recorded over the first registration", async () => {
  const registered: { name: string; inputs: Record<string, unknown> }[] = [];
  await assert.rejects(
    run(
      () => {
        new resources.ResourceGroup("rg", { location: "westeurope" });
        new resources.ResourceGroup("rg", { location: "northeurope" });
      },
      { registered: registered as never },
    ),
    DUPLICATE,
  );
  assert.deepEqual(registered.filter((r) => r.name === "rg").map((r) => r.inputs.location), ["westeurope"]);
});
