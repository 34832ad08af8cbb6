/**
 * Issue 13 item 3, the attack: the platform's webhook must not land in tenant namespaces, where
 * tenant admins (who read Secrets in their namespace) and tenant Git content (reconciled as the
 * tenant's account, which may read them too) could take it and post to the platform's channel.
 *
 * Known values are planted as the decrypted `secure:` config keys (synth's secretValues), then
 * looked for in every Secret the program registers, by namespace.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { RecordedResource } from "../../synth/engine";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { inlineStackDocument } from "../environments";
import { pinTestDay } from "../helpers";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "tenant-notifications-"));
const PLATFORM_WEBHOOK = "https://hooks.slack.com/services/T0PLATFORM/B0PLATFORM/pl4tf0rm-only-9f2c";
const WEB_WEBHOOK = "https://hooks.slack.com/services/T0WEB/B0WEB/web-team-own-webhook-7a1d";

/** The stack config as a fixture reaches into it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Platform = Record<string, any>;

/** The prod stack file, edited by `edit`; every secret key it names gets a placeholder ciphertext. */
function prodStack(edit: (platform: Platform) => void, secretKeys: string[]): string {
  const document = inlineStackDocument("prod");
  edit(document.config["gitops-platform:platform"]);
  for (const key of secretKeys) document.config[`gitops-platform:${key}`] = { secure: "v1:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==" };
  const file = path.join(workdir, `Pulumi.prod-${secretKeys.join("-")}.yaml`);
  writeFileSync(file, stringify(document));
  return file;
}

/** Every Secret value (stringData as is, data base64-decoded) with the Secret's namespace. */
function secretValues(resources: readonly RecordedResource[]): { namespace: string; name: string; value: string }[] {
  return resources
    .filter((r) => r.type === "kubernetes:core/v1:Secret")
    .flatMap((r) => {
      const metadata = (r.values.metadata ?? {}) as { namespace?: string };
      const stringData = Object.values((r.values.stringData ?? {}) as Record<string, string>);
      const data = Object.values((r.values.data ?? {}) as Record<string, string>).map((v) => Buffer.from(v, "base64").toString("utf8"));
      return [...stringData, ...data].map((value) => ({ namespace: String(metadata.namespace), name: r.name, value }));
    });
}

test("the platform's webhook stays in flux-system: no tenant namespace holds a Secret with its address", async () => {
  // Prod as shipped: one platform notification, whose address is slackWebhookUrl.
  const file = prodStack(() => {}, ["slackWebhookUrl"]);
  const result = await synthesize({ stack: "prod", configFile: file, secretValues: { "gitops-platform:slackWebhookUrl": PLATFORM_WEBHOOK } });
  const holding = secretValues(result.run.resources).filter((s) => s.value === PLATFORM_WEBHOOK);
  assert.ok(holding.length > 0, "the planted webhook reaches the program");
  assert.deepEqual(
    [...new Set(holding.map((s) => s.namespace))],
    ["flux-system"],
    `the platform webhook is copied into: ${holding.map((s) => `${s.namespace}/${s.name}`).join(", ")}`,
  );
});

test("a tenant with a notification of its own gets exactly its own webhook; the others get none", async () => {
  const file = prodStack(
    (platform) => {
      const web = platform.tenants.find((t: { name: string }) => t.name === "web");
      web.notifications = [{ name: "web-alerts", type: "slack", channel: "#web-team", addressSecret: "webSlackWebhookUrl" }];
    },
    ["slackWebhookUrl", "webSlackWebhookUrl"],
  );
  const result = await synthesize({
    stack: "prod",
    configFile: file,
    secretValues: { "gitops-platform:slackWebhookUrl": PLATFORM_WEBHOOK, "gitops-platform:webSlackWebhookUrl": WEB_WEBHOOK },
  });
  const secrets = secretValues(result.run.resources);
  const webhookSecrets = (namespace: string) =>
    result.run.resources.filter(
      (r) => r.type === "kubernetes:core/v1:Secret" && r.urn.includes("FluxNotifications$") && (r.values.metadata as { namespace?: string }).namespace === namespace,
    );

  assert.deepEqual([...new Set(secrets.filter((s) => s.value === PLATFORM_WEBHOOK).map((s) => s.namespace))], ["flux-system"]);
  assert.deepEqual([...new Set(secrets.filter((s) => s.value === WEB_WEBHOOK).map((s) => s.namespace))], ["web"]);
  const web = webhookSecrets("web");
  assert.equal(web.length, 1, web.map((r) => r.name).join(", "));
  assert.deepEqual(web[0].values.stringData, { address: WEB_WEBHOOK });
  assert.ok("stringData" in web[0].secrets || "stringData.address" in web[0].secrets, "the tenant's address is secret in state");
  for (const namespace of ["api", "payments-prod"]) assert.deepEqual(webhookSecrets(namespace), [], `${namespace} has no webhook Secret`);

  // The tenant's Provider reads its own Secret, and its Alert reports its namespace only.
  const providers = result.run.resources.filter(
    (r) => r.type === "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Provider" && (r.values.metadata as { namespace?: string }).namespace === "web",
  );
  assert.deepEqual(
    providers.map((p) => [(p.values.metadata as { name: string }).name, (p.values.spec as { secretRef: { name: string }; channel: string })]),
    [["web-alerts", { type: "slack", channel: "#web-team", secretRef: { name: "web-alerts-webhook" } }]],
  );
  // What each channel hears: the platform's the changes Flux makes in flux-system too (its
  // default), the tenant's only errors (its default), each about its own namespace only.
  const alerts = (namespace: string) =>
    result.run.resources
      .filter((r) => r.type === "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert" && (r.values.metadata as { namespace?: string }).namespace === namespace)
      .map((r) => {
        const spec = r.values.spec as { eventSeverity: string; inclusionList?: string[]; eventSources: { namespace?: string }[] };
        assert.ok(spec.eventSources.every((source) => source.namespace === undefined), r.name);
        return [(r.values.metadata as { name: string }).name, spec.eventSeverity, spec.inclusionList !== undefined];
      })
      .sort();
  const platformNotification = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8")).config["gitops-platform:platform"].flux.notifications[0].name;
  assert.deepEqual(alerts("flux-system"), [
    [platformNotification, "error", false],
    [`${platformNotification}-changes`, "info", true],
  ]);
  assert.deepEqual(alerts("web"), [["web-alerts", "error", false]]);
  assert.deepEqual(result.violations, []);
});
