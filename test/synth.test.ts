/** The synth contract (docs/DESIGN.md, "Synth"): config errors, schema checks, secret placeholders (the real stacks: test/stacks/synth.test.ts). */
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { RecordedResource } from "../synth/engine";
import { parseStackFile, secretPlaceholder } from "../synth/stack-file";
import { synthesize } from "../synth/synthesize";
import { ConfigError } from "../stacks/load";
import { cli, file, workdir } from "./synth-cli-helpers";
import { pinTestDay } from "./helpers";

pinTestDay();


test("invalid config: exit 1, every problem with its key path, no stack trace, nothing registered", async (t) => {
  const bad = file(
    "bad.yaml",
    ["config:", "  gitops-platform:platform:", "    cluster:", "      systemPool: { minCount: 3, maxCount: 2, minCout: 1 }", "    tenants: [{ name: default }]"].join("\n"),
  );
  const { code, err, out } = await cli(t, ["dev", "--config", bad]);
  assert.equal(code, 1);
  assert.equal(out, "");
  assert.match(err, /^Invalid stack config for dev \(3 problem\(s\)\):$/m);
  assert.match(err, /^ {2}gitops-platform:platform\.cluster\.systemPool\.maxCount: must be >= minCount \(3\)$/m);
  assert.match(err, /^ {2}gitops-platform:platform\.cluster\.systemPool\.minCout: unknown key \(did you mean "minCount"\?\)$/m);
  assert.match(err, /^ {2}gitops-platform:platform\.tenants\[0\]\.name: "default" is a system namespace \(Kubernetes' default namespace\); tenants need their own$/m);
  assert.doesNotMatch(err, /\n\s+at /, "no stack trace");

  const registered: RecordedResource[] = [];
  await assert.rejects(synthesize({ stack: "dev", configFile: bad, registered }), (e) => ConfigError.isConfigError(e));
  assert.deepEqual(registered.map((r) => r.type), ["pulumi:pulumi:Stack"], "only the root stack, no resource");
});

test("YAML syntax errors, empty files and missing files exit 1 with a clear message", async (t) => {
  const broken = await cli(t, ["dev", "--config", file("broken.yaml", "config:\n  gitops-platform:platform: {environment: dev\n")]);
  assert.equal(broken.code, 1);
  assert.match(broken.err, /broken\.yaml: YAML syntax error at line \d+, column \d+/);
  const empty = await cli(t, ["dev", "--config", file("empty.yaml", "")]);
  assert.equal(empty.code, 1);
  assert.match(empty.err, /gitops-platform:platform: is not set: add it to Pulumi\.dev\.yaml/);
  const missing = await cli(t, ["dev", "--config", path.join(workdir, "nope.yaml")]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.yaml: cannot read the stack config file/);
  const usage = await cli(t, []);
  assert.equal(usage.code, 1);
  assert.match(usage.err, /usage: npm run synth -- <stack>/);
});

test("a Kubernetes object that breaks its schema fails synth with its kind, name and field", async (t) => {
  const program = () => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new k8s.networking.v1.NetworkPolicy(
      "deny",
      { metadata: { name: "deny-all", namespace: "web" }, spec: { podSelector: {}, policyTypes: ["Ingres"] } },
      { provider },
    );
  };
  const { code, err } = await cli(t, ["dev"], program);
  assert.equal(code, 1);
  assert.match(err, /1 Kubernetes object\(s\) break their schema:/);
  assert.match(err, /NetworkPolicy web\/deny-all: spec\.policyTypes\.0 must be equal to one of the allowed values/);
});

test("secure config values stay secret: a placeholder marked secret, changing with the ciphertext", () => {
  const text = ["config:", "  gitops-platform:platform: { environment: prod }", "  gitops-platform:slackWebhookUrl:", "    secure: v1:abc"].join("\n");
  const parsed = parseStackFile(text, "Pulumi.prod.yaml");
  assert.deepEqual(parsed.secretKeys, ["gitops-platform:slackWebhookUrl"]);
  assert.equal(parsed.config["gitops-platform:slackWebhookUrl"], secretPlaceholder("gitops-platform:slackWebhookUrl", "v1:abc"));
  assert.notEqual(secretPlaceholder("k", "v1:abc"), secretPlaceholder("k", "v1:abd"));
  assert.equal(JSON.parse(parsed.config["gitops-platform:platform"]).environment, "prod");
  const planted = parseStackFile(text, "Pulumi.prod.yaml", { "gitops-platform:slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/planted" });
  assert.equal(planted.config["gitops-platform:slackWebhookUrl"], "https://hooks.slack.com/services/T0/B0/planted");
});

