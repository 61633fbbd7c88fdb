// What went wrong with a file, in words a user can act on (not "no such file" for every error).

/** A short description of a file system error (`EACCES` → "permission denied", …), with its code. */
export function describeFileError(error: unknown): string {
  const e = error as NodeJS.ErrnoException | undefined;
  const words: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a folder',
    ENOTDIR: 'a part of the path is not a folder',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
    EEXIST: 'already exists',
  };
  const code = e?.code;
  if (code && words[code]) return `${words[code]} (${code})`;
  return e?.message ?? String(error);
}
