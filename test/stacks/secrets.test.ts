/**
 * Secrets never show in plain text: a planted webhook address, the generated private keys and the
 * kubeconfig appear nowhere in synth's stdout/stderr, its JSON file or the stack outputs. The
 * raw values are taken from the engine (what the mock providers returned and the program sent),
 * and each is first shown to be really there, so a search that finds nothing means something.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, TestContext } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { main } from "../../synth/cli";
import { RecordedResource } from "../../synth/engine";
import { PlatformMocks } from "../../synth/mocks";
import { readStackFile } from "../../synth/stack-file";
import { projectProgram, synthesize, SynthGraph, SynthResult } from "../../synth/synthesize";
import { renderTree } from "../../synth/tree";
import { inlineStackDocument } from "../environments";
import { pinTestDay } from "../helpers";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "secrets-test-"));
const WEBHOOK_KEY = "gitops-platform:slackWebhookUrl";
const PLANTED = "https://hooks.slack.com/services/T0PLANTED/B0PLANTED/pl4nted-w3bh00k-s3cr3t-9f2c";
const TENANT_WEBHOOK_KEY = "gitops-platform:webSlackWebhookUrl";
const TENANT_PLANTED = "https://hooks.slack.com/services/T0TENANT/B0TENANT/t3n4nt-w3bh00k-s3cr3t-4b7e";
const PLANTED_VALUES = { [WEBHOOK_KEY]: PLANTED, [TENANT_WEBHOOK_KEY]: TENANT_PLANTED };
const PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
const PRIVATE_FIELDS = ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"];

/**
 * The prod stack file with a Slack notification whose address is the `secure:` config value
 * WEBHOOK_KEY (added when prod has none by that key).
 */
const stackFile = (() => {
  const document = inlineStackDocument("prod");
  const flux = (document.config["gitops-platform:platform"].flux ??= {});
  const notifications: { addressSecret: string }[] = (flux.notifications ??= []);
  if (!notifications.some((n) => `gitops-platform:${n.addressSecret}` === WEBHOOK_KEY)) {
    notifications.push({ name: "planted-slack", type: "slack", channel: "#platform-alerts", addressSecret: WEBHOOK_KEY.split(":")[1] } as never);
  }
  document.config[WEBHOOK_KEY] ??= { secure: "v1:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==" };
  // A tenant's own notification (tenants[].notifications), whose address must stay secret too.
  const web = document.config["gitops-platform:platform"].tenants.find((t: { name: string }) => t.name === "web");
  web.notifications = [{ name: "web-alerts", type: "slack", channel: "#web", addressSecret: TENANT_WEBHOOK_KEY.split(":")[1] }];
  document.config[TENANT_WEBHOOK_KEY] = { secure: "v1:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==" };
  assert.ok(document.config[WEBHOOK_KEY].secure, `${WEBHOOK_KEY} is a secure value`);
  const file = path.join(workdir, "Pulumi.prod.yaml");
  writeFileSync(file, stringify(document));
  return file;
})();

/** The Secrets FluxNotifications creates, holding webhook addresses. */
const isWebhookSecret = (r: { urn: string; type: string }) => r.type === "kubernetes:core/v1:Secret" && r.urn.includes("FluxNotifications$");

interface Secret {
  what: string;
  value: string;
  /** Public text derived from the secret (a key's public key), which may show. */
  public?: string;
}

/** Spies on the mock providers: what each PrivateKey really returned (its private key material). */
function recordPrivateKeys(t: TestContext): Secret[] {
  const keys: Secret[] = [];
  const newResource = PlatformMocks.prototype.newResource;
  t.mock.method(PlatformMocks.prototype, "newResource", function (this: PlatformMocks, args: pulumi.runtime.MockResourceArgs) {
    const result = newResource.call(this, args);
    if (args.type === PRIVATE_KEY) {
      // An OpenSSH private key embeds its public key, which is published on purpose.
      const publicText = ["publicKeyOpenssh", "publicKeyPem"].map((f) => String(result.state[f] ?? "").replace(/\s/g, "")).join(" ");
      for (const field of PRIVATE_FIELDS) {
        const value = result.state[field];
        if (typeof value === "string" && value !== "") keys.push({ what: `${args.name}.${field}`, value, public: publicText });
      }
    }
    return result;
  });
  return keys;
}

/**
 * The strings to look for: the value itself, its JSON-escaped form (multi-line values in a JSON
 * file), and each long line of it (a PEM body line, a kubeconfig's server or CA line), so that a
 * value copied in pieces or re-indented is found too.
 */
function needles(secret: Secret): string[] {
  const lines = secret.value
    .split("\n")
    .map((line) => line.trim().replace(/^- /, ""))
    .filter((line) => line.length >= 40 && !secret.public?.includes(line));
  return [...new Set([secret.value, JSON.stringify(secret.value).slice(1, -1), ...lines])];
}

function assertNowhere(secrets: readonly Secret[], where: Record<string, string>): void {
  for (const secret of secrets) {
    for (const needle of needles(secret)) {
      for (const [place, text] of Object.entries(where)) {
        assert.ok(!text.includes(needle), `${secret.what} appears in plain text in ${place}: ${needle.slice(0, 60)}...`);
      }
    }
  }
}

function values(run: SynthResult["run"], type: string, name?: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
}

let planted: { result: SynthResult; secrets: Secret[] } | undefined;

/** Synthesizes the stack with the planted webhook address; collects every secret's raw value. */
async function plantedSynth(t: TestContext): Promise<{ result: SynthResult; secrets: Secret[] }> {
  if (planted) return planted;
  const keys = recordPrivateKeys(t);
  const result = await synthesize({ stack: "prod", configFile: stackFile, secretValues: PLANTED_VALUES });
  t.mock.restoreAll();

  // Five keys: a deploy key per tenant, Vault's CA and server key.
  assert.equal(keys.length, 5 * PRIVATE_FIELDS.length, keys.map((k) => k.what).join(", "));
  const [provider] = values(result.run, "pulumi:providers:kubernetes");
  const kubeconfig = provider.values.kubeconfig;
  assert.equal(typeof kubeconfig, "string");
  assert.match(String(kubeconfig), /^kind: Config$/m);
  const rawKubeconfig = result.run.rawOutputs.kubeconfig as { value?: unknown };
  assert.equal(rawKubeconfig.value, kubeconfig, "the stack's kubeconfig output is the provider's kubeconfig");
  planted = {
    result,
    secrets: [
      { what: "the webhook address", value: PLANTED },
      { what: "the kubeconfig", value: String(kubeconfig) },
      { what: "the tenant's webhook address", value: TENANT_PLANTED },
      ...keys,
    ],
  };
  return planted;
}

test("the planted values really reach the program: the webhook Secrets, the deploy keys and Vault's TLS Secret hold them", async (t) => {
  const { result, secrets } = await plantedSynth(t);
  const webhooks = result.run.resources.filter(isWebhookSecret);
  const holding = webhooks.filter((secret) => (secret.values.stringData as Record<string, string>).address === PLANTED);
  // The platform's address only in flux-system (tenant namespaces get their own, test/stacks/tenant-notifications.test.ts).
  assert.deepEqual(
    holding.map((secret) => (secret.values.metadata as { namespace: string }).namespace),
    ["flux-system"],
    `the platform webhook Secrets: ${holding.map((r) => r.name).join(", ")}`,
  );
  const tenantHolding = webhooks.filter((secret) => (secret.values.stringData as Record<string, string>).address === TENANT_PLANTED);
  assert.deepEqual(tenantHolding.map((secret) => (secret.values.metadata as { namespace: string }).namespace), ["web"]);
  for (const secret of webhooks) {
    assert.ok("stringData" in secret.secrets || "stringData.address" in secret.secrets, `${secret.name} marks its address secret`);
  }
  const everything = JSON.stringify(result.run.resources.map((r) => r.values));
  const keys = secrets.filter((s) => s.what.includes(".privateKey"));
  const used = keys.filter((k) => needles(k).some((n) => everything.includes(n)));
  assert.ok(used.length >= 5, `the program hands private keys on (to Secrets): ${used.map((k) => k.what).join(", ")}`);
  assert.ok(everything.includes(JSON.stringify(secrets[1].value).slice(1, -1)), "the provider holds the kubeconfig");
  // Multi-line secrets are also searched line by line (the lines that are not public).
  for (const secret of secrets.filter((s) => s.value.includes("\n"))) assert.ok(needles(secret).length >= 3, `${secret.what}: ${needles(secret).length} needles`);
});

test("synthesize: no secret in the JSON graph, the stack outputs or the tree", async (t) => {
  const { result, secrets } = await plantedSynth(t);
  const { graph } = result;
  assertNowhere(secrets, {
    "the synth JSON": `${JSON.stringify(graph, null, 2)}\n`,
    "graph.outputs": JSON.stringify(graph.outputs),
    "the printed tree": renderTree(graph.resources),
  });
  assert.equal(graph.outputs.kubeconfig, "[secret]");
  // Fingerprints are salted: the plain digest of a secret does not confirm a guess.
  const digest = createHash("sha256").update(PLANTED).digest("hex");
  assert.ok(!JSON.stringify(graph).includes(digest.slice(0, 12)));
});

test("the CLI: no secret on stdout, stderr or in the --json file", async (t) => {
  const { secrets } = await plantedSynth(t);
  // What synthesize({ secretValues }) does, for the CLI's run: the planted value as the decrypted secret.
  const config = readStackFile(stackFile, PLANTED_VALUES);
  const program = () => {
    pulumi.runtime.setAllConfig(config.config, config.secretKeys);
    return projectProgram();
  };
  const json = path.join(workdir, "prod.json");
  const out: string[] = [];
  const err: string[] = [];
  const keys = recordPrivateKeys(t);
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  let code: number;
  try {
    code = await main(["prod", "--config", stackFile, "--json", json], program);
  } finally {
    t.mock.restoreAll();
  }
  assert.equal(code, 0, err.join("\n"));
  assert.deepEqual(keys, secrets.filter((s) => s.what.includes(".privateKey")), "the same keys as the first synth");
  const written = readFileSync(json, "utf8");
  const webhooks = (JSON.parse(written) as SynthGraph).resources.filter(isWebhookSecret);
  assert.ok(webhooks.length >= 2, "the webhook Secrets (flux-system's and the tenant's) are in the file");
  for (const secret of webhooks) assert.equal(secret.inputs.stringData, "[secret]", secret.name);
  assertNowhere(secrets, { stdout: out.join("\n"), stderr: err.join("\n"), "the --json file": written });
});
