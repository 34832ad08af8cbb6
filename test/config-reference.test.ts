/** docs/configuration.md is generated from the config schema (issue 29, item 4): stale means a failing test. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { CONFIG_REFERENCE_PATH, GENERATED_MARKER, renderConfigReference, renderGeneratedPart } from "../stacks/config-reference";

const file = path.join(__dirname, "..", CONFIG_REFERENCE_PATH);

test("docs/configuration.md is what `npm run docs:config` writes from stacks/schema.ts", () => {
  const current = readFileSync(file, "utf8");
  assert.ok(current.includes(GENERATED_MARKER), "the file keeps the marker that separates its hand-written part");
  assert.ok(current === renderConfigReference(current), "docs/configuration.md is stale: run `npm run docs:config` and commit it");
});

test("a hand edit below the marker, or a key missing from the reference, counts as stale", () => {
  const current = readFileSync(file, "utf8");
  const at = current.indexOf(GENERATED_MARKER);
  const edited = current.slice(0, at) + current.slice(at).replace("| `cluster.skuTier` |", "| `cluster.sku` |");
  assert.ok(edited !== current, "the edit lands below the marker");
  assert.ok(renderConfigReference(edited) !== edited, "a hand edit of the generated part is stale");
  const withoutARow = current.slice(0, at) + current.slice(at).replace(/^\| `vault\.ui` \|.*\n/m, "");
  assert.ok(withoutARow !== current && renderConfigReference(withoutARow) !== withoutARow, "a missing key is stale");
  // The hand-written part above the marker survives regeneration as written.
  assert.ok(renderConfigReference(current).startsWith(current.slice(0, current.indexOf(GENERATED_MARKER))));
});

test("the reference names every top-level key and each environment's defaults", () => {
  const generated = renderGeneratedPart();
  for (const key of ["environment", "cluster.kubernetesVersion", "keyVault.purgeProtection", "flux.install", "tenants[].name", "tenants[].vault.roles[].paths", "vault.replicas", "sealedSecrets.keyGenerations"]) {
    assert.ok(generated.includes(`| \`${key}\` |`), `${key} has a row`);
  }
  // Dev and prod defaults differ where the environments differ.
  assert.match(generated, /\| `vault\.replicas` \| integer 1-7 \| `1` \| `3` \|/);
  assert.match(generated, /\| `protect` \| boolean \| `false` \| `true` \|/);
});
