import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import * as tls from "@pulumi/tls";
import { REDACTED } from "../synth/redact";
import { run } from "./helpers";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:test:Box", name, {}, opts);
    this.registerOutputs({});
  }
}

test("records parent, provider, dependencies and protect from the register request", async () => {
  const result = await run(() => {
    const box = new Box("box");
    const group = new resources.ResourceGroup("rg", { location: "westeurope" }, { parent: box, protect: true });
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" }, { parent: box });
    new k8s.core.v1.Namespace("ns", {}, { parent: box, provider, dependsOn: [group] });
  });
  const box = result.one("gitops-platform:test:Box");
  const group = result.one("azure-native:resources:ResourceGroup");
  const provider = result.one("pulumi:providers:kubernetes");
  const namespace = result.one("kubernetes:core/v1:Namespace");
  assert.equal(group.parent, box.urn);
  assert.equal(group.protect, true);
  assert.equal(namespace.protect, false);
  assert.equal(namespace.provider, provider.urn);
  assert.equal(group.provider, null, "no explicit provider means the default one");
  assert.deepEqual(namespace.dependencies, [group.urn]);
  assert.equal(box.parent, result.one("pulumi:pulumi:Stack").urn);
});

test("secrets are redacted in inputs, outputs and stack outputs, and marked secret as the engine would", async () => {
  const result = await run(() => {
    const key = new tls.PrivateKey("deploy", { algorithm: "ED25519" });
    const provider = new k8s.Provider("cluster", { kubeconfig: pulumi.secret("kubeconfig-text") });
    new k8s.core.v1.Secret("s", { stringData: { identity: key.privateKeyOpenssh } }, { provider });
    return { privateKey: key.privateKeyOpenssh, publicKey: key.publicKeyOpenssh };
  });
  const key = result.one("tls:index/privateKey:PrivateKey");
  assert.equal(key.outputs.privateKeyOpenssh, REDACTED, "additionalSecretOutputs are secret");
  assert.match(String(key.outputs.publicKeyOpenssh), /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/=]+\n$/);
  assert.equal(result.one("pulumi:providers:kubernetes").inputs.kubeconfig, REDACTED);
  assert.equal(result.one("kubernetes:core/v1:Secret").inputs.stringData, REDACTED);
  assert.equal(result.outputs.privateKey, REDACTED);
  assert.equal(result.outputs.publicKey, key.outputs.publicKeyOpenssh);
  const values = result.one("kubernetes:core/v1:Secret").values as { stringData: { identity: string } };
  assert.match(values.stringData.identity, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
  assert.ok(!JSON.stringify(result.resources.map((r) => [r.inputs, r.outputs])).includes("kubeconfig-text"));
});

test("fake provider values are deterministic across runs", async () => {
  const program = () => {
    const key = new tls.PrivateKey("deploy", { algorithm: "ED25519" });
    const group = new resources.ResourceGroup("rg", {});
    return { key: key.publicKeyOpenssh, group: group.name };
  };
  const first = await run(program);
  const second = await run(program);
  assert.deepEqual(first.outputs, second.outputs);
  assert.match(String(first.outputs.group), /^rg[0-9a-f]{7}$/, "auto-named like azure-native does");
});

test("a program error rejects the run", async () => {
  await assert.rejects(
    run(() => {
      throw new Error("boom");
    }),
    /boom/,
  );
});

test("records the import, ignoreChanges and deletedWith options, and an imported resource keeps the ID it was imported by", async () => {
  const id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/existing";
  const result = await run(() => {
    const adopted = new resources.ResourceGroup("adopted", { resourceGroupName: "existing" }, { import: id, ignoreChanges: ["tags"] });
    new resources.ResourceGroup("created", { resourceGroupName: "fresh" }, { deletedWith: adopted });
  });
  const adopted = result.one("azure-native:resources:ResourceGroup", "adopted");
  const created = result.one("azure-native:resources:ResourceGroup", "created");
  assert.equal(adopted.importId, id);
  assert.equal(adopted.id, id);
  assert.deepEqual(adopted.ignoreChanges, ["tags"]);
  assert.equal(created.importId, null);
  assert.deepEqual(created.ignoreChanges, []);
  assert.equal(created.deletedWith, adopted.urn);
  assert.equal(adopted.deletedWith, null);
});

test("a preview is the first preview of a new stack: what is created has no ID yet, what is imported has its own", async () => {
  const id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/existing";
  const seen: Record<string, string> = {};
  await run(
    () => {
      const created = new resources.ResourceGroup("created", { resourceGroupName: "fresh" });
      const adopted = new resources.ResourceGroup("adopted", { resourceGroupName: "existing" }, { import: id });
      created.id.apply((value) => (seen.created = value));
      adopted.id.apply((value) => (seen.adopted = value));
    },
    { preview: true },
  );
  assert.equal(seen.created, undefined, "an unknown ID: apply does not run in a preview");
  assert.equal(seen.adopted, id);
});
