/**
 * bench/registrations-floor.ts, the lower bound of prod synth in bench/RESULTS.md: it must
 * register every resource of the graph it replays, with the graph's inputs, parents, providers
 * and dependencies, or the bound it gives is lower than what it claims.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isReplayed, replay, replayedName } from "../bench/registrations-floor";
import { synthesize } from "../synth/synthesize";
import { TEST_TODAY } from "./helpers";

test("the replay registers each resource of dev's graph as synth recorded it", async () => {
  const { graph } = await synthesize({ stack: "dev", today: TEST_TODAY });
  const recorded = graph.resources.map((r) => ({ ...r, stack: graph.stack }));
  const replayed = await replay(recorded);
  const key = (type: string, name: string) => `${type}::${name}`;
  const byKey = new Map(replayed.map((r) => [key(r.type, r.name), r]));
  const replayedUrn = new Map(recorded.map((r) => [r.urn, byKey.get(key(r.type, replayedName(r)))?.urn]));
  const skipped = recorded.filter((r) => !isReplayed(r));
  assert.ok(recorded.length - skipped.length > 100, `dev has ${recorded.length} resources`);
  for (const original of recorded) {
    if (skipped.includes(original)) continue;
    const again = byKey.get(key(original.type, replayedName(original)));
    assert.ok(again, `${original.urn} was not replayed`);
    assert.equal(again.type, original.type);
    assert.deepEqual(again.inputs, original.inputs, `${original.urn}: inputs`);
    if (original.parent !== null && !skipped.some((s) => s.urn === original.parent)) assert.equal(again.parent, replayedUrn.get(original.parent), `${original.urn}: parent`);
    if (original.provider !== null) assert.equal(again.provider?.split("::").slice(0, 4).join("::"), replayedUrn.get(original.provider), `${original.urn}: provider`);
    const dependencies = original.dependencies.filter((d) => !skipped.some((s) => s.urn === d)).map((d) => replayedUrn.get(d));
    assert.deepEqual(new Set(again.dependencies.filter((d) => dependencies.includes(d))), new Set(dependencies), `${original.urn}: dependencies`);
  }
  assert.equal(replayed.filter((r) => r.type !== "pulumi:pulumi:Stack").length, recorded.length - skipped.length);
});
