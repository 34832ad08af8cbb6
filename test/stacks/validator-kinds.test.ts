/**
 * The kind list of synth's validator bundle (synth/validator-kinds.json) covers every Kubernetes
 * object the stacks register: a component that starts to register a new kind fails here until
 * the kind is listed (unlisted, it is still validated, only from its modules one by one).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { synthesizeEnvironment } from "../../synth/synthesize";
import { apiVersionAndKind, isKubernetesObject } from "../../synth/validate";
import { BUNDLED_KINDS } from "../../synth/validator-bundle";
import { pinTestDay } from "../helpers";

pinTestDay();

for (const stack of ["dev", "stage", "prod"]) {
  test(`every kind ${stack} and its tenant stacks register is in the validator bundle`, async () => {
    const environment = await synthesizeEnvironment({ stack });
    const runs = [environment.platform, ...environment.tenantStacks.map((t) => t.result)];
    const kinds = new Set(runs.flatMap((r) => r.run.resources.filter(isKubernetesObject).map((resource) => {
      const { apiVersion, kind } = apiVersionAndKind(resource);
      return `${apiVersion}/${kind}`;
    })));
    assert.ok(kinds.size > 10, `${stack} registers Kubernetes objects of ${kinds.size} kinds`);
    assert.deepEqual([...kinds].filter((kind) => !BUNDLED_KINDS.includes(kind)).sort(), [], "kinds missing from synth/validator-kinds.json");
  });
}
