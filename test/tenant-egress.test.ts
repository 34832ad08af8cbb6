/**
 * Issue 30 item 3: a tenant's egress allow list. Config refuses an entry that reaches the
 * instance metadata address, another tenant's pods (the pod range), the service range, the nodes
 * or Azure's platform address, at the entry's key path; what passes becomes the NetworkPolicy
 * `allow-listed-egress` in the tenant's namespace, which the tenant workload policy's CEL (the
 * same check a tenant's own NetworkPolicy meets) admits.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { Tenant } from "../components/tenant/namespace";
import { egressAllowListPolicy, EgressAllowance, networkPolicies } from "../components/tenant/namespace-policy";
import { parseCidr } from "../stacks/cidr";
import { platformArgs } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import { reservedEgressRanges, reservedRangeProblem } from "../stacks/rules-tenant-egress";
import { admit, PolicySpec, teamTenantArgs } from "./admission-cel";
import { Platform, problemsOf, refusedAt, sample } from "./config-probe";
import { run, TEST_TODAY } from "./helpers";

const NAMESPACE = "team-a-dev";
const NETWORK_POLICIES = { group: "networking.k8s.io", version: "v1", resource: "networkpolicies" };
const HTTPS = [{ port: 443, protocol: "TCP" }];
const INTERNET_EXCEPT = ["169.254.0.0/16", "168.63.129.16/32", "10.0.0.0/8"];

/** dev with one egress entry on its first tenant. */
const withEgress = (...entries: object[]) => (p: Platform) => {
  p.tenants[0].egress = entries;
};

test("an allow list of blocks outside the cluster passes, and reaches the tenant as written", () => {
  const entries = [
    { cidr: "203.0.113.0/24", ports: HTTPS },
    { cidr: "0.0.0.0/0", except: INTERNET_EXCEPT, ports: [{ port: 443 }] },
    { cidr: "20.50.0.10/32", ports: [{ port: 5432 }, { port: 53, protocol: "UDP" }] },
  ];
  assert.deepEqual(problemsOf(withEgress(...entries)), []);
  const config = sample("dev");
  withEgress(...entries)(config);
  const parsed = parsePlatformConfig(config, "dev", { today: TEST_TODAY });
  assert.ok(parsed.ok);
  assert.deepEqual(platformArgs({ config: parsed.config }).tenants[0].egress, [
    { cidr: "203.0.113.0/24", except: [], ports: HTTPS },
    { cidr: "0.0.0.0/0", except: INTERNET_EXCEPT, ports: HTTPS },
    { cidr: "20.50.0.10/32", except: [], ports: [{ port: 5432, protocol: "TCP" }, { port: 53, protocol: "UDP" }] },
  ]);
});

test("attack: a tenant's allow list names the instance metadata address or link-local; refused at its key path", () => {
  refusedAt(withEgress({ cidr: "169.254.169.254/32", ports: [{ port: 80 }] }), "tenants[0].egress[0].cidr", /lies in 169\.254\.0\.0\/16, link-local, with the instance metadata address/);
  refusedAt(withEgress({ cidr: "169.254.0.0/16", except: ["169.254.169.254/32"], ports: [{ port: 80 }] }), "tenants[0].egress[0].cidr", /lies in 169\.254\.0\.0\/16/);
  refusedAt(withEgress({ cidr: "168.63.129.16/32", ports: [{ port: 80 }] }), "tenants[0].egress[0].cidr", /Azure's platform address/);
  refusedAt(withEgress({ cidr: "128.0.0.0/1", ports: HTTPS }), "tenants[0].egress[0].except", /holds 169\.254\.0\.0\/16, link-local.*: add 169\.254\.0\.0\/16 to except/);
});

test("attack: a tenant's allow list reaches another tenant's pods (the pod range), the Services, the nodes; refused", () => {
  // dev: pods 10.244.0.0/16, services 10.0.0.0/16, no platform VNet (AKS's own, 10.224.0.0/12).
  refusedAt(withEgress({ cidr: "10.244.3.0/24", ports: [{ port: 8080 }] }), "tenants[0].egress[0].cidr", /lies in 10\.244\.0\.0\/16, the cluster's pod range \(cluster\.network\.podCidr: every tenant's pods\)/);
  refusedAt(withEgress({ cidr: "10.0.0.0/16", ports: [{ port: 443 }] }), "tenants[0].egress[0].cidr", /lies in 10\.0\.0\.0\/16, the cluster's service range/);
  refusedAt(withEgress({ cidr: "10.224.0.4/32", ports: [{ port: 10250 }] }), "tenants[0].egress[0].cidr", /lies in 10\.224\.0\.0\/12, the VNet AKS manages for the nodes/);
  refusedAt(withEgress({ cidr: "10.0.0.0/8", ports: HTTPS }), "tenants[0].egress[0].except", /holds 10\.244\.0\.0\/16, the cluster's pod range.*add 10\.244\.0\.0\/16 to except/);
  // prod's platform VNet is what its nodes are in.
  refusedAt(withEgress({ cidr: "10.224.5.0/24", ports: HTTPS }), "tenants[0].egress[0].cidr", /lies in 10\.224\.0\.0\/12, the platform VNet/, "prod");
});

test("attack: the whole internet without except, an except outside its block, an entry on no port; refused", () => {
  const problems = problemsOf(withEgress({ cidr: "0.0.0.0/0", ports: HTTPS }));
  for (const reserved of ["169.254.0.0/16", "168.63.129.16/32", "10.244.0.0/16", "10.0.0.0/16", "10.224.0.0/12"]) {
    assert.ok(problems.some((p) => p.startsWith("gitops-platform:platform.tenants[0].egress[0].except: ") && p.includes(`add ${reserved} to except`)), `${reserved}:\n${problems.join("\n")}`);
  }
  refusedAt(withEgress({ cidr: "203.0.113.0/24", except: ["198.51.100.0/24"], ports: HTTPS }), "tenants[0].egress[0].except[0]", /is not inside 203\.0\.113\.0\/24/);
  refusedAt(withEgress({ cidr: "203.0.113.0/24", ports: [] }), "tenants[0].egress[0].ports", /must have at least 1 item/);
  refusedAt(withEgress({ cidr: "203.0.113.7/24", ports: HTTPS }), "tenants[0].egress[0].cidr", /must be an IPv4 network in CIDR form/);
  refusedAt(withEgress({ cidr: "203.0.113.0/24", ports: [{ port: 0 }] }), "tenants[0].egress[0].ports[0].port", /./);
});

test("reservedRangeProblem: inside, held without except, held with an except covering it, apart", () => {
  const r = (cidr: string) => parseCidr(cidr)!;
  assert.equal(reservedRangeProblem(r("10.244.1.0/24"), [], r("10.244.0.0/16")), "inside");
  assert.equal(reservedRangeProblem(r("10.0.0.0/8"), [r("10.244.0.0/17")], r("10.244.0.0/16")), "open", "an except covering half is not enough");
  assert.equal(reservedRangeProblem(r("10.0.0.0/8"), [r("10.240.0.0/12")], r("10.244.0.0/16")), undefined);
  assert.equal(reservedRangeProblem(r("203.0.113.0/24"), [], r("10.244.0.0/16")), undefined);
  assert.deepEqual(
    reservedEgressRanges({ environment: "dev", cluster: { network: { podCidr: "10.244.0.0/16", serviceCidr: "10.0.0.0/16", vnet: null } } } as never).map((x) => x.cidr),
    ["169.254.0.0/16", "168.63.129.16/32", "10.244.0.0/16", "10.0.0.0/16", "10.224.0.0/12"],
  );
});

test("the allow list renders as allow-listed-egress, one rule per entry, only with restricted egress", () => {
  const allow: EgressAllowance[] = [
    { cidr: "203.0.113.0/24", ports: [{ port: 443 }] },
    { cidr: "0.0.0.0/0", except: INTERNET_EXCEPT, ports: [{ port: 443, protocol: "TCP" }] },
  ];
  assert.deepEqual(egressAllowListPolicy(allow), {
    name: "allow-listed-egress",
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
        { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: INTERNET_EXCEPT } }], ports: [{ protocol: "TCP", port: 443 }] },
      ],
    },
  });
  assert.equal(egressAllowListPolicy([]), undefined);
  assert.ok(networkPolicies({ restrictEgress: true, egressAllowList: allow }).some((p) => p.name === "allow-listed-egress"));
  assert.ok(!networkPolicies({ restrictEgress: false, egressAllowList: allow }).some((p) => p.name === "allow-listed-egress"), "open egress needs no allow list");
  // A component caller that forgets the metadata address gets it excepted anyway.
  assert.deepEqual(egressAllowListPolicy([{ cidr: "0.0.0.0/0", ports: [{ port: 443 }] }])!.spec.egress, [
    { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }], ports: [{ protocol: "TCP", port: 443 }] },
  ]);
  assert.throws(() => egressAllowListPolicy([{ cidr: "203.0.113.0/24", ports: [] }]), /names no port/);
});

test("the platform-made allow-listed-egress passes the same admission check as a tenant's own NetworkPolicy", async () => {
  const allow: EgressAllowance[] = [
    { cidr: "0.0.0.0/0", except: INTERNET_EXCEPT, ports: [{ port: 443 }] },
    { cidr: "0.0.0.0/0", ports: [{ port: 80 }] },
    { cidr: "203.0.113.0/24", ports: [{ port: 5432 }] },
  ];
  const result = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new Tenant("team-a", { ...teamTenantArgs(provider, NAMESPACE), egressAllowList: allow });
    return {};
  });
  const objects = result.resources.filter((r) => r.custom).map((r) => r.values as { kind: string; metadata: { name: string }; spec: unknown });
  const policy = objects.find((o) => o.kind === "ValidatingAdmissionPolicy" && o.metadata.name === `tenant-workloads-${NAMESPACE}`)!.spec as PolicySpec;
  const rendered = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "allow-listed-egress");
  assert.ok(rendered, "the Tenant creates allow-listed-egress");
  const verdict = await admit(policy, { operation: "CREATE", resource: NETWORK_POLICIES, object: rendered, oldObject: rendered, groups: ["system:serviceaccounts", `system:serviceaccounts:${NAMESPACE}`, "system:authenticated"] });
  assert.deepEqual(verdict, { allowed: true, matched: true });
  // And the same check refuses the entry without the metadata except, as a tenant would write it.
  const opened = { ...rendered, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 80 }] }] } };
  const refused = await admit(policy, { operation: "CREATE", resource: NETWORK_POLICIES, object: opened, oldObject: opened, groups: ["system:authenticated"] });
  assert.equal(refused.allowed, false);
});
