/**
 * known_hosts for source-controller's SSH secret, from the keys GitHub publishes
 * (`github.getSshKeys`). Whether those entries carry a `github.com ` host prefix is not
 * documented by the integrations/github provider, so both forms are accepted.
 */

/** Public key types OpenSSH accepts in known_hosts, for the hosts we talk to. */
const KEY_TYPES = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);

export interface KnownHostsEntry {
  hosts: string[];
  keyType: string;
  key: string;
}

/**
 * Parses one known_hosts line (`host[,host] type base64-key [comment]`). Returns undefined for a
 * malformed line: unknown key type, key that is not base64, or a key whose embedded type differs.
 */
export function parseKnownHostsLine(line: string): KnownHostsEntry | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 3) return undefined;
  const [hosts, keyType, key] = fields;
  if (!KEY_TYPES.has(keyType) || !keyMatchesType(key, keyType)) return undefined;
  return { hosts: hosts.split(","), keyType, key };
}

/** The SSH wire format starts with the key type as a length-prefixed string. */
function keyMatchesType(key: string, keyType: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return false;
  const blob = Buffer.from(key, "base64");
  if (blob.length < 4) return false;
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("latin1") === keyType;
}

/**
 * known_hosts text for `host` from public keys given as `type key` or `host type key`: one
 * `host type key` line each, newline-terminated. A prefix naming another host is an error (the
 * key would be pinned to the wrong host), as is an entry that does not parse.
 */
export function knownHosts(keys: readonly string[], host = "github.com"): string {
  if (keys.length === 0) throw new Error(`known_hosts for ${host}: no host keys`);
  const lines = keys.map((entry) => {
    const fields = entry.trim().split(/\s+/);
    const withHost = KEY_TYPES.has(fields[0]) ? [host, ...fields] : fields;
    const parsed = parseKnownHostsLine(withHost.join(" "));
    if (!parsed) throw new Error(`known_hosts for ${host}: cannot parse host key "${entry}"`);
    if (!parsed.hosts.includes(host)) throw new Error(`known_hosts for ${host}: key is for ${parsed.hosts.join(",")}`);
    return `${host} ${parsed.keyType} ${parsed.key}`;
  });
  return `${lines.join("\n")}\n`;
}
