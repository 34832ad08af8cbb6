/**
 * Issue 13 item 6 through the whole program: tenants[].vault reaches Vault's bootstrap script, so
 * the dev stack's web tenant gets a role for its frontend's service account only, and api (no
 * roles, not namespace-wide) gets no role at all. The script's behaviour against a fake Vault is
 * in test/vault-bootstrap.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { synthesize } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

test("dev: the bootstrap script binds web's frontend service account and nothing namespace-wide", async () => {
  const { run } = await synthesize({ stack: "dev" });
  const [configMap] = run.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name.endsWith("-vault-bootstrap"));
  const script = (configMap.values.data as Record<string, string>)["bootstrap.sh"];
  const roles = [...script.matchAll(/^write_json 'auth\/kubernetes\/role\/([^']+)' <<'ROLE'\n(.*)$/gm)].map((m) => [m[1], JSON.parse(m[2])]);
  assert.deepEqual(roles, [
    [
      "web.frontend",
      {
        bound_service_account_names: ["frontend"],
        bound_service_account_namespaces: ["web"],
        token_policies: ["tenant-web.frontend"],
        audience: "vault",
        token_ttl: "1h",
        token_max_ttl: "4h",
      },
    ],
  ]);
  assert.match(script, /^path "secret\/data\/web\/frontend\/\*" \{$/m);
  assert.doesNotMatch(script, /bound_service_account_names":\["\*"\]/);
});
