import assert from "node:assert/strict";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { argValue, convertKubeconfig, decodeKubeconfig, kubeloginArgs, userKubeconfig } from "../components/azure/kubeconfig";

const SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
const AKS_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";
const TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

interface User {
  name: string;
  user: { exec?: { command: string; args: string[]; apiVersion: string; env?: unknown }; "auth-provider"?: unknown; token?: string };
}

/** What `az aks get-credentials --format exec` (listClusterUserCredential) returns for an Entra ID cluster. */
function aksKubeconfig(extraUsers: User[] = []): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "aks", cluster: { server: "https://aks-1234.hcp.westeurope.azmk8s.io:443", "certificate-authority-data": "Y2E=" } }],
    contexts: [{ name: "aks", context: { cluster: "aks", user: "clusterUser_rg_aks" } }],
    "current-context": "aks",
    users: [
      {
        name: "clusterUser_rg_aks",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "kubelogin",
            args: ["get-token", "--environment", "AzurePublicCloud", "--server-id", SERVER_ID, "--client-id", AKS_CLIENT_ID,
              "--tenant-id", TENANT_ID, "--login", "devicecode"],
            env: null,
          },
        },
      },
      ...extraUsers,
    ],
  });
}

function users(kubeconfig: string): User[] {
  return (parse(kubeconfig) as { users: User[] }).users;
}

test("azurecli: get-token --login azurecli --server-id only, no device code, client or tenant", () => {
  const [user] = users(convertKubeconfig(aksKubeconfig(), "azurecli"));
  assert.deepEqual(user.user.exec?.args, ["get-token", "--login", "azurecli", "--server-id", SERVER_ID]);
  assert.equal(user.user.exec?.command, "kubelogin");
  assert.equal(user.user.exec?.apiVersion, "client.authentication.k8s.io/v1beta1");
});

test("workloadidentity and msi take client and tenant from the environment, not from flags", () => {
  for (const mode of ["workloadidentity", "msi"] as const) {
    const [user] = users(convertKubeconfig(aksKubeconfig(), mode));
    assert.deepEqual(user.user.exec?.args, ["get-token", "--login", mode, "--server-id", SERVER_ID], mode);
  }
});

test("spn keeps tenant and environment but not the AKS public client id", () => {
  const [user] = users(convertKubeconfig(aksKubeconfig(), "spn"));
  const args = user.user.exec!.args;
  assert.deepEqual(args, ["get-token", "--login", "spn", "--server-id", SERVER_ID, "--tenant-id", TENANT_ID, "--environment", "AzurePublicCloud"]);
  assert.ok(!args.includes(AKS_CLIENT_ID));
});

test("the rest of the kubeconfig and non-Entra users are left alone", () => {
  const token: User = { name: "token-user", user: { token: "abc" } };
  const other: User = { name: "other-exec", user: { exec: { command: "aws", args: ["eks", "get-token"], apiVersion: "client.authentication.k8s.io/v1beta1" } } };
  const before = parse(aksKubeconfig([token, other])) as Record<string, unknown>;
  const after = parse(convertKubeconfig(aksKubeconfig([token, other]), "azurecli")) as Record<string, unknown>;
  assert.deepEqual(after.clusters, before.clusters);
  assert.deepEqual(after.contexts, before.contexts);
  assert.equal(after["current-context"], "aks");
  assert.deepEqual((after.users as User[]).slice(1), [token, other]);
});

test("the legacy azure auth provider is converted to exec", () => {
  const legacy: User = {
    name: "legacy",
    user: {
      "auth-provider": {
        name: "azure",
        config: { "apiserver-id": SERVER_ID, "client-id": AKS_CLIENT_ID, "tenant-id": TENANT_ID, environment: "AzurePublicCloud", "config-mode": "1" },
      },
    },
  };
  const converted = users(convertKubeconfig(aksKubeconfig([legacy]), "spn"))[1];
  assert.equal(converted.user["auth-provider"], undefined);
  assert.deepEqual(converted.user.exec?.args, ["get-token", "--login", "spn", "--server-id", SERVER_ID, "--tenant-id", TENANT_ID, "--environment", "AzurePublicCloud"]);
});

test("a kubelogin user without --server-id is an error, as in kubelogin", () => {
  const config = parse(aksKubeconfig()) as { users: User[] };
  const exec = config.users[0].user.exec!;
  exec.args = exec.args.filter((arg, i) => arg !== "--server-id" && exec.args[i - 1] !== "--server-id");
  const broken = stringify(config);
  assert.ok(!broken.includes(SERVER_ID), "fixture lost its server id");
  assert.throws(() => convertKubeconfig(broken, "azurecli"), /--server-id/);
  assert.throws(() => kubeloginArgs("msi", {}), /--server-id/);
});

test("userKubeconfig decodes the first base64 kubeconfig and converts it", () => {
  const value = Buffer.from(aksKubeconfig()).toString("base64");
  assert.equal(decodeKubeconfig(value), aksKubeconfig());
  const [user] = users(userKubeconfig([{ name: "clusterUser", value }], "workloadidentity"));
  assert.equal(argValue(user.user.exec!.args, "--login"), "workloadidentity");
  assert.throws(() => userKubeconfig([], "azurecli"), /no user kubeconfig/);
  assert.throws(() => userKubeconfig(undefined, "azurecli"), /no user kubeconfig/);
});

test("argValue reads the value after a flag", () => {
  assert.equal(argValue(["--a", "1", "--b"], "--a"), "1");
  assert.equal(argValue(["--a", "1", "--b"], "--b"), undefined);
  assert.equal(argValue([], "--a"), undefined);
});
