import assert from "node:assert/strict";
import { test } from "node:test";
import { knownHosts, parseKnownHostsLine } from "../components/kubernetes/known-hosts";
import { GITHUB_SSH_HOST_KEYS } from "../synth/fake-values";

const [ED25519, ECDSA, RSA] = GITHUB_SSH_HOST_KEYS;

test("bare `type key` entries get the github.com host", () => {
  const text = knownHosts([ED25519, ECDSA, RSA]);
  assert.ok(text.endsWith("\n"));
  const lines = text.trimEnd().split("\n");
  assert.deepEqual(lines, [`github.com ${ED25519}`, `github.com ${ECDSA}`, `github.com ${RSA}`]);
  for (const line of lines) {
    const entry = parseKnownHostsLine(line);
    assert.ok(entry, line);
    assert.deepEqual(entry.hosts, ["github.com"]);
  }
});

test("entries that already name github.com are not prefixed twice", () => {
  const text = knownHosts([`github.com ${ED25519}`, ` github.com  ${RSA} `]);
  assert.equal(text, `github.com ${ED25519}\ngithub.com ${RSA}\n`);
});

test("a key pinned to another host, a garbled key or no keys at all are errors", () => {
  assert.throws(() => knownHosts([`gitlab.com ${ED25519}`]), /key is for gitlab\.com/);
  assert.throws(() => knownHosts(["ssh-ed25519 not-base64!"]), /cannot parse/);
  assert.throws(() => knownHosts([]), /no host keys/);
});

test("the parser checks the key blob's embedded type", () => {
  const edKey = ED25519.split(" ")[1];
  assert.equal(parseKnownHostsLine(`github.com ssh-rsa ${edKey}`), undefined, "ed25519 blob under ssh-rsa");
  assert.equal(parseKnownHostsLine(`github.com ssh-dss ${edKey}`), undefined, "unknown type");
  assert.equal(parseKnownHostsLine("github.com ssh-ed25519"), undefined, "no key");
  assert.deepEqual(parseKnownHostsLine(`github.com,140.82.121.4 ${ED25519} comment`)?.hosts, ["github.com", "140.82.121.4"]);
});
