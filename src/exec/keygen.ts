/** argv creating a passphrase-less ed25519 key pair at `file` (and `file`.pub). */
export function sshKeygenArgv(file: string, comment: string): string[] {
  return ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file];
}
