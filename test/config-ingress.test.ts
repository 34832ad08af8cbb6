/**
 * Ingress config (issue 30, item 1): a tenant's hosts and certificates are its own across the
 * environment, inline and across tenant stacks (the attack at config time), a tenant asks for
 * ingress only where the platform runs it, and the DNS zones are what the add-on takes.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { parseWithTenantStacks } from "../stacks/load";
import { platformArgs } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import { PROJECT_ROOT } from "../synth/synthesize";
import { problemsOf, refusedAt, sample } from "./config-probe";
import { TEST_TODAY } from "./helpers";

const ZONE = (group: string, zone: string, kind = "dnszones") => `/subscriptions/3f1c6a2e-8d4b-4e7a-9c5f-1b2d3e4f5a6b/resourceGroups/${group}/providers/Microsoft.Network/${kind}/${zone}`;

test("attack: tenant api claims web's hostname or web's certificate in prod's config; refused at api's key, naming the owner", () => {
  refusedAt((p) => p.tenants[1].ingress.hosts.push("www.acme-platform.com"), "tenants[1].ingress.hosts[1]", /host "www\.acme-platform\.com" is already tenant web's/, "prod");
  refusedAt((p) => p.tenants[1].ingress.certificates.push("web-tls"), "tenants[1].ingress.certificates[1]", /certificate "web-tls" is already tenant web's/, "prod");
  refusedAt((p) => p.tenants[0].ingress.hosts.push("www.acme-platform.com"), "tenants[0].ingress.hosts[2]", /listed twice/, "prod");
  assert.deepEqual(problemsOf(() => {}, "prod"), [], "prod as committed parses");
});

test("attack: a tenant stack claims a host of another tenant stack's tenant; refused in the tenant stack's file, at its key", () => {
  const root = mkdtempSync(path.join(tmpdir(), "ingress-stacks-"));
  writeFileSync(path.join(root, "Pulumi.prod.yaml"), readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml")));
  mkdirSync(path.join(root, "tenants"));
  // prod's own tenants (web among them) live in its tenant stacks: the thief races them.
  for (const file of readdirSync(path.join(PROJECT_ROOT, "tenants")).filter((f) => /^Pulumi\.prod-.*\.yaml$/.test(f))) {
    writeFileSync(path.join(root, "tenants", file), readFileSync(path.join(PROJECT_ROOT, "tenants", file)));
  }
  const thief = { name: "thief", groups: { admins: ["8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e09"] }, ingress: { hosts: ["thief.acme-platform.com", "shop.acme-platform.com"] } };
  const config = { "gitops-platform-tenants:platformStack": "organization/gitops-platform/prod", "gitops-platform-tenants:tenants": [thief] };
  writeFileSync(path.join(root, "tenants", "Pulumi.prod-thief.yaml"), stringify({ config }));
  const platform = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8")).config["gitops-platform:platform"];
  const parsed = parseWithTenantStacks(platform, "prod", { projectRoot: root, today: TEST_TODAY });
  assert.equal(parsed.ok, false);
  const problems = parsed.ok ? [] : parsed.problems;
  assert.ok(
    problems.some((p) => p.startsWith("tenants/Pulumi.prod-thief.yaml: gitops-platform-tenants:tenants[0].ingress.hosts[1]:") && /already tenant web's/.test(p)),
    problems.join("\n"),
  );
  assert.equal(problems.length, 1, problems.join("\n"));
});

test("tenants[].ingress needs ingress.enabled; hosts are lowercase DNS names without wildcards; at least one host", () => {
  refusedAt((p) => (p.tenants = [{ name: "shop", ingress: { hosts: ["shop.example.com"] } }]), "tenants[0].ingress", /needs ingress\.enabled/);
  for (const host of ["*.acme-platform.com", "Shop.acme-platform.com", "shop", "shop.acme-platform.com.", "-x.acme-platform.com"]) {
    refusedAt((p) => (p.tenants[1].ingress.hosts = [host]), "tenants[1].ingress.hosts[0]", /lowercase DNS name/, "prod");
  }
  refusedAt((p) => (p.tenants[1].ingress.hosts = []), "tenants[1].ingress.hosts", /at least 1|>=1|too small/i, "prod");
  refusedAt((p) => (p.tenants[1].ingress.certificates = ["api_tls"]), "tenants[1].ingress.certificates[0]", /Key Vault certificate name/, "prod");
});

test("DNS zones: Azure DNS zone ids, public ones in one resource group, private ones in one, none twice", () => {
  refusedAt((p) => (p.ingress.dnsZoneIds = ["acme-platform.com"]), "ingress.dnsZoneIds[0]", /must be an Azure DNS zone id/, "prod");
  refusedAt((p) => p.ingress.dnsZoneIds.push(ZONE("dns-other", "acme.io")), "ingress.dnsZoneIds[1]", /all public DNS zones must be in one resource group \(the first is in dns-prod\)/, "prod");
  refusedAt((p) => p.ingress.dnsZoneIds.push(p.ingress.dnsZoneIds[0]), "ingress.dnsZoneIds[1]", /listed twice/, "prod");
  assert.deepEqual(
    problemsOf((p) => p.ingress.dnsZoneIds.push(ZONE("dns-private", "internal.acme", "privateDnsZones")), "prod"),
    [],
    "a private zone in another group than the public ones is fine",
  );
});

test("ingress is opt-in: dev has none (no ingressProfile, no tenant ingress policy); prod's args carry the zones and each tenant's claims", () => {
  const dev = parsePlatformConfig(sample("dev"), "dev", { today: TEST_TODAY });
  assert.ok(dev.ok);
  if (dev.ok) assert.equal(platformArgs({ config: dev.config }).ingress, undefined);
  const prod = parsePlatformConfig(sample("prod"), "prod", { today: TEST_TODAY });
  assert.ok(prod.ok);
  if (!prod.ok) return;
  const args = platformArgs({ config: prod.config });
  assert.deepEqual(args.ingress, { dnsZoneIds: [ZONE("dns-prod", "acme-platform.com")] });
  assert.deepEqual(args.tenants.find((t) => t.name === "web")?.ingress, { hosts: ["www.acme-platform.com", "shop.acme-platform.com"], certificates: ["web-tls"] });
  assert.equal(args.tenants.find((t) => t.name === "payments")?.ingress, undefined);
});
