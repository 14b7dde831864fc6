// The one definition of each name rule. Patterns are strings so JSON schemas use them as they
// are (`pattern`); the check functions test the same strings. Every layer (config, docker,
// systemd, zfs, trust, the peer endpoint, the wire formats) refers to these.

/**
 * Application names; an application's volume has its name. They become `flocker--NAME.service`,
 * container `flocker--NAME`, dataset `<parent>/NAME` and files `<state>/NAME.env|json`; all of
 * these take dots (issue 13: Flocker's own example is `site-clusterhq.com`). Starting with a
 * letter or digit: never "." or ".." (a path component) nor "-" (an option); no "..", not
 * ending with "." (docker and systemd take them, but they read as typos); at most 63 characters.
 */
export const APP_NAME_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9_-])?$';
export const APP_NAME_RULE =
  'an application name: 1 to 63 letters, digits, "_", "-" or ".", starting with a letter or digit, not ending with "." and without ".." (it becomes a systemd unit, container and ZFS dataset name)';

/** Node names: ssh Host alias, hostname, IPv4 or bare IPv6 address. Never starts with "-". */
export const NODE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$';
export const NODE_NAME_RULE =
  'a node name (ssh Host alias, hostname or IP address): up to 253 letters, digits, ".", "_", ":" or "-", starting with a letter or digit';

/** Snapshots flocker makes: flocker-<YYYYMMDDTHHMMSSmmmZ>-<counter>. Only these are listed or pruned. */
export const SNAPSHOT_NAME_PATTERN = '^flocker-(\\d{8}T\\d{9}Z)-(\\d{1,9})$';
export const SNAPSHOT_NAME_RULE = 'a flocker snapshot name: flocker-<YYYYMMDDTHHMMSSmmmZ>-<counter>';

const APP_NAME_RE = new RegExp(APP_NAME_PATTERN);
const NODE_NAME_RE = new RegExp(NODE_NAME_PATTERN);
/** exec() groups: [1] the time stamp, [2] the counter */
export const SNAPSHOT_NAME_RE = new RegExp(SNAPSHOT_NAME_PATTERN);

export function isAppName(name: string): boolean {
  return APP_NAME_RE.test(name);
}

/** A volume is named after its application. */
export const isVolumeName = isAppName;

export function isNodeName(name: string): boolean {
  return NODE_NAME_RE.test(name);
}

export function isSnapshotName(name: string): boolean {
  return SNAPSHOT_NAME_RE.test(name);
}
