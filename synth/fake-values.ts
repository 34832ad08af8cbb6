/**
 * Deterministic stand-ins for the values cloud providers generate: GUIDs, suffixes, keys.
 * Derived from a seed (usually a URN) so two synths of one stack are byte-identical.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey } from "node:crypto";

export function hashHex(seed: string, length = 64): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${i}:${seed}`).digest("hex");
  return out.slice(0, length);
}

/** A GUID shaped like the ones Azure and Entra hand out (version 4 layout). */
export function fakeGuid(seed: string): string {
  const h = hashHex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Pulumi's auto-naming: the logical name plus a short random-looking suffix. */
export function autoName(name: string, seed: string, separator = "-"): string {
  return `${name}${separator}${hashHex(seed, 7)}`;
}

const ALPHABETS = { lower: "abcdefghijklmnopqrstuvwxyz", upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", numeric: "0123456789", special: "!#$%&*()-_=+[]{}<>:?" };

/** What random.RandomString would produce, honouring its character-class flags. */
export function fakeRandomString(seed: string, inputs: Record<string, unknown>): string {
  const length = typeof inputs.length === "number" ? inputs.length : 16;
  const classes = (["lower", "upper", "numeric", "special"] as const).filter((c) => inputs[c] !== false);
  const alphabet = classes.map((c) => ALPHABETS[c]).join("") || ALPHABETS.lower;
  const bytes = Buffer.from(hashHex(seed, length * 2), "hex");
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export interface FakeKeyPair {
  publicKeyOpenssh: string;
  publicKeyPem: string;
  privateKeyPem: string;
  privateKeyOpenssh: string;
  privateKeyPemPkcs8: string;
  publicKeyFingerprintSha256: string;
}

/**
 * A real key pair derived from the seed: ED25519 and ECDSA P-256 keys are valid and their
 * OpenSSH public keys parse. RSA keys are slow and impossible to derive from a seed with
 * node:crypto, so an RSA request gets a P-256 key in the same fields (mock only).
 */
export function fakeKeyPair(seed: string, algorithm: string): FakeKeyPair {
  const secret = Buffer.from(hashHex(seed, 64), "hex");
  let privateKey;
  let publicKey;
  let sshBlob: Buffer;
  if (algorithm === "ED25519") {
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), secret]);
    privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    publicKey = createPublicKey(privateKey);
    const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
    sshBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(raw)]);
  } else {
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(secret);
    const point = ecdh.getPublicKey();
    const b64url = (b: Buffer) => b.toString("base64url");
    privateKey = createPrivateKey({
      key: { kty: "EC", crv: "P-256", d: b64url(secret), x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33)) },
      format: "jwk",
    });
    sshBlob = Buffer.concat([sshString("ecdsa-sha2-nistp256"), sshString("nistp256"), sshString(point)]);
  }
  const keyType = algorithm === "ED25519" ? "ssh-ed25519" : "ecdsa-sha2-nistp256";
  const pkcs8Pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return {
    publicKeyOpenssh: `${keyType} ${sshBlob.toString("base64")}\n`,
    publicKeyPem: (publicKey ?? createPublicKey(privateKey)).export({ format: "pem", type: "spki" }).toString(),
    privateKeyPem: pkcs8Pem,
    privateKeyPemPkcs8: pkcs8Pem,
    privateKeyOpenssh: pem("OPENSSH PRIVATE KEY", Buffer.concat([Buffer.from("openssh-key-v1\0"), sshBlob, secret])),
    publicKeyFingerprintSha256: `SHA256:${createHash("sha256").update(sshBlob).digest("base64").replace(/=+$/, "")}`,
  };
}

/**
 * A PEM block that stands for a certificate: the mock cannot sign X.509 without a CA library,
 * so the body encodes what the certificate would say. Good enough for wiring; not parseable.
 */
export function fakeCertificatePem(seed: string, subject: unknown): string {
  return pem("CERTIFICATE", Buffer.from(`mock-certificate ${hashHex(seed, 16)} ${JSON.stringify(subject ?? {})}`));
}

/** GitHub's published SSH host keys, as `github.getSshKeys` returns them (no host prefix). */
export const GITHUB_SSH_HOST_KEYS = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=",
];
