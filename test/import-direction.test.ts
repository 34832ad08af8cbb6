/**
 * The layers import one way (docs/DESIGN.md, "Layers"): config -> stacks/ -> components/; synth/
 * and policy/ judge from outside; nothing imports back. eslint.config.mjs enforces it (npm run
 * lint, in CI, over the tree); here each back-import is tried on lint and refused, and each
 * forward import passes, so the rules cannot quietly stop matching.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { ESLint } from "eslint";
import { PROJECT_ROOT } from "../synth/synthesize";

const RULE = "@typescript-eslint/no-restricted-imports";
// The import rule alone, without type information: most probe files do not exist on disk.
const eslint = new ESLint({
  cwd: PROJECT_ROOT,
  ruleFilter: ({ ruleId }) => ruleId === RULE,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});

/** The restricted-import messages lint gives `file` (a path in the project) for one import of `target`. */
async function refusals(file: string, target: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from "${target}";\nexport const y = x;\n`, { filePath: path.join(PROJECT_ROOT, file) });
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

const BACK_IMPORTS: [from: string, target: string][] = [
  ["components/platform.ts", "../stacks/schema"],
  ["components/azure/probe.ts", "../../stacks"],
  ["components/tenant/probe.ts", "../../synth/synthesize"],
  ["components/kubernetes/probe.ts", "../../policy/deploy/namespaces"],
  ["components/probe.ts", "../tenants/index"],
  ["stacks/component-args.ts", "../synth/engine"],
  ["stacks/probe.ts", "../policy/deploy/kubernetes-objects"],
  ["stacks/rules.ts", "../policy/deploy/namespaces"],
  ["stacks/config-shape.ts", "../synth/synthesize"],
  ["stacks/probe.ts", "../tenants/index"],
  ["policy/rules/probe.ts", "../../synth/engine"],
  ["policy/probe.ts", "../synth"],
];

const FORWARD_IMPORTS: [from: string, target: string][] = [
  ["stacks/component-args.ts", "../components/platform"],
  ["stacks/rules-kubernetes.ts", "../components/kubernetes/api-limits"],
  ["policy/deploy/probe.ts", "../../components/kubernetes/api-limits"],
  ["policy/context.ts", "../stacks/environments"],
  ["synth/probe.ts", "../policy/evaluate"],
  ["synth/probe.ts", "../stacks/load"],
  ["index.ts", "./stacks/component-args"],
  ["tenants/index.ts", "../components"],
  ["components/azure/probe.ts", "../kubernetes/labels"],
];

test("attack: a component, a config module or a policy importing a layer that judges or uses it is refused by lint", async () => {
  for (const [from, target] of BACK_IMPORTS) {
    const found = await refusals(from, target);
    assert.equal(found.length, 1, `${from} importing ${target}: lint says ${JSON.stringify(found)}`);
    assert.match(found[0], /never imports/);
  }
});

test("imports in the layers' direction pass lint: stacks/ on components/, policy/ and synth/ on both, the programs on stacks/ and components/", async () => {
  for (const [from, target] of FORWARD_IMPORTS) assert.deepEqual(await refusals(from, target), [], `${from} importing ${target}`);
});
