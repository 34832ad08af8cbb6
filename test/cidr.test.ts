import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCidr, parseIpv4, rangeContains, rangesOverlap } from "../stacks/cidr";
import { claimOn, closestMatch, reservedNamespaces } from "../stacks/names";

test("CIDR parsing takes network addresses only", () => {
  assert.deepEqual(parseCidr("10.0.0.0/16"), { first: 0x0a000000, last: 0x0a00ffff, prefix: 16 });
  assert.equal(parseCidr("10.0.0.1/16"), undefined);
  assert.equal(parseCidr("10.0.0.0"), undefined);
  assert.equal(parseCidr("10.0.0.0", true)?.prefix, 32);
  assert.equal(parseCidr("256.0.0.0/8"), undefined);
  assert.equal(parseCidr("10.0.0.0/8/1"), undefined);
  assert.equal(parseIpv4("01.2.3.4"), undefined, "no leading zeros");
});

test("overlap and containment", () => {
  assert.ok(rangesOverlap(parseCidr("10.0.0.0/8")!, parseCidr("10.244.0.0/16")!));
  assert.ok(!rangesOverlap(parseCidr("10.0.0.0/16")!, parseCidr("10.244.0.0/16")!));
  assert.ok(rangeContains(parseCidr("10.0.0.0/16")!, parseIpv4("10.0.0.10")!));
  assert.ok(!rangeContains(parseCidr("10.0.0.0/16")!, parseIpv4("10.1.0.10")!));
});

test("reserved namespaces and did-you-mean", () => {
  const reserved = reservedNamespaces({ vault: { enabled: false }, flagger: { enabled: false, namespace: "flagger-system" }, sealedSecrets: { enabled: false }, monitoring: { enabled: false, prometheus: false } } as Parameters<typeof reservedNamespaces>[0]);
  assert.ok(claimOn("kube-system", reserved));
  assert.ok(claimOn("flux-system", reserved));
  assert.ok(!claimOn("web", reserved));
  assert.equal(closestMatch("minCout", ["minCount", "maxCount", "vmSize"]), "minCount");
  assert.equal(closestMatch("zzzzzz", ["minCount"]), undefined);
});

test("firewall ranges normalize as Azure stores them", async () => {
  const { normalizeIpRange } = await import("../stacks/cidr.js");
  assert.equal(normalizeIpRange("198.51.100.17"), "198.51.100.17/32");
  assert.equal(normalizeIpRange("203.0.113.0/24"), "203.0.113.0/24");
  assert.equal(normalizeIpRange("192.0.2.1/32"), "192.0.2.1/32");
});
