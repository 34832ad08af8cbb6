/** The AKS release calendar and the config rule built on it, judged on days the tests choose. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AKS_KUBERNETES_VERSIONS,
  DEFAULT_KUBERNETES_VERSION,
  kubernetesVersionProblem,
  minorOf,
  supportedMinors,
} from "../stacks/kubernetes-versions";
import { parsePlatformConfig } from "../stacks/parse";
import { TEST_TODAY } from "./helpers";

const day = (text: string) => new Date(`${text}T12:00:00Z`);

test("the calendar is in order: one row per minor, each GA before its end of support", () => {
  AKS_KUBERNETES_VERSIONS.forEach((v, i) => {
    assert.match(v.minor, /^1\.\d+$/);
    assert.match(v.generallyAvailable, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(v.endOfSupport, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(v.generallyAvailable < v.endOfSupport, v.minor);
    if (i > 0) {
      const previous = AKS_KUBERNETES_VERSIONS[i - 1];
      assert.equal(Number(v.minor.split(".")[1]), Number(previous.minor.split(".")[1]) + 1, "no minor skipped");
      assert.ok(previous.endOfSupport <= v.endOfSupport && previous.generallyAvailable < v.generallyAvailable, v.minor);
    }
  });
});

test("the default is supported on the tests' day, and 1.33 is not", () => {
  assert.equal(DEFAULT_KUBERNETES_VERSION, "1.36");
  assert.equal(kubernetesVersionProblem(DEFAULT_KUBERNETES_VERSION, TEST_TODAY), undefined);
  assert.deepEqual(supportedMinors(TEST_TODAY), ["1.34", "1.35", "1.36", "1.37"]);
  assert.match(String(kubernetesVersionProblem("1.33", TEST_TODAY)), /^1\.33 reached the end of AKS support on 2026-07-31/);
});

test("support starts at GA and ends after the last day, patch versions count by their minor", () => {
  assert.equal(minorOf("1.34.2"), "1.34");
  assert.equal(kubernetesVersionProblem("1.34", day("2026-11-30")), undefined, "the last day is still supported");
  assert.equal(kubernetesVersionProblem("1.34.2", day("2026-11-30")), undefined);
  assert.equal(
    kubernetesVersionProblem("1.34.2", day("2026-12-01")),
    "1.34 reached the end of AKS support on 2026-11-30; supported on 2026-12-01: 1.35, 1.36, 1.37",
  );
  assert.equal(
    kubernetesVersionProblem("1.37", day("2026-09-15")),
    "1.37 is not generally available in AKS before 2026-10-31; supported on 2026-09-15: 1.34, 1.35, 1.36",
  );
  assert.equal(kubernetesVersionProblem("1.37", day("2026-10-31")), undefined);
});

test("a minor the calendar does not know is refused, older or newer", () => {
  assert.equal(kubernetesVersionProblem("1.29", TEST_TODAY), "1.29 is past AKS support; supported on 2026-11-30: 1.34, 1.35, 1.36, 1.37");
  assert.equal(
    kubernetesVersionProblem("1.38", TEST_TODAY),
    "1.38 is not in this platform's AKS release calendar (stacks/kubernetes-versions.ts); supported on 2026-11-30: 1.34, 1.35, 1.36, 1.37",
  );
  assert.match(String(kubernetesVersionProblem("1.36", day("2030-01-01"))), /supported on 2030-01-01: none in this platform's calendar, update stacks\/kubernetes-versions\.ts$/);
});

test("config: the version is judged on the day given, at its key path; the loader's default is the real clock", () => {
  const parse = (cluster: object, today: Date) => parsePlatformConfig({ cluster }, "dev", { today });
  const ok = parse({}, TEST_TODAY);
  assert.ok(ok.ok && ok.config.cluster.kubernetesVersion === "1.36");
  assert.deepEqual(parse({ kubernetesVersion: "1.33" }, TEST_TODAY), {
    ok: false,
    problems: ["gitops-platform:platform.cluster.kubernetesVersion: 1.33 reached the end of AKS support on 2026-07-31; supported on 2026-11-30: 1.34, 1.35, 1.36, 1.37"],
  });
  // The same config passes on a day 1.33 was supported, and the default fails once 1.36 is past.
  assert.ok(parse({ kubernetesVersion: "1.33.2" }, day("2026-01-15")).ok);
  const late = parse({}, day("2027-07-01"));
  assert.ok(!late.ok && late.problems[0].startsWith("gitops-platform:platform.cluster.kubernetesVersion: 1.36 reached the end of AKS support on 2027-06-30"));
});

test("the clock: real unless pinned, and a pin made for one run is undone after it", async () => {
  const { configToday, pinConfigToday, withConfigToday } = await import("../stacks/clock.js");
  const before = pinConfigToday(undefined);
  try {
    assert.ok(Math.abs(configToday().getTime() - Date.now()) < 60_000, "the real clock by default");
    const seen = await withConfigToday(day("2027-01-01"), async () => configToday());
    assert.equal(seen.toISOString().slice(0, 10), "2027-01-01");
    assert.ok(Math.abs(configToday().getTime() - Date.now()) < 60_000, "unpinned again");
  } finally {
    pinConfigToday(before);
  }
});

test("synth --today judges the stack on that day: prod's 1.36 fails once its support ended", async (t) => {
  const { main } = await import("../synth/cli.js");
  const err: string[] = [];
  t.mock.method(console, "log", () => undefined);
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  assert.equal(await main(["prod", "--today", "2027-07-01"]), 1);
  assert.match(err.join("\n"), /^ {2}gitops-platform:platform\.cluster\.kubernetesVersion: 1\.36 reached the end of AKS support on 2027-06-30; supported on 2027-07-01: 1\.37$/m);
  assert.equal(await main(["prod", "--today", "2027-02-30"]), 1);
  assert.match(err.join("\n"), /--today needs a day as YYYY-MM-DD/);
});
