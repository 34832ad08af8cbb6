/** The dev stack file with every sample value replaced, as a person would before a first `up`. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { SAMPLE_OBJECT_IDS, SAMPLE_TEAM_IDS } from "../stacks/rules-samples";
import { PROJECT_ROOT } from "../synth/synthesize";

export function withoutSamples(text: string): string {
  let replaced = text.replace(/acme-?platform/gi, (m) => (m.includes("-") ? "northwind-ops" : "northwindops"));
  SAMPLE_OBJECT_IDS.forEach((id, i) => (replaced = replaced.split(id).join(`3f6b2c1a-9d4e-4f7a-8b2c-${String(i).padStart(12, "0")}`)));
  for (const team of SAMPLE_TEAM_IDS) replaced = replaced.split(String(team)).join("4242424");
  return replaced.replace(/203\.0\.113\.(\d+)/g, "20.50.113.$1").replace(/198\.51\.100\.(\d+)/g, "20.51.100.$1").replace(/192\.0\.2\.(\d+)/g, "20.52.2.$1");
}

export function devWithoutSamples(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "dev-own-values-")), "Pulumi.dev.yaml");
  writeFileSync(file, withoutSamples(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8")));
  return file;
}
