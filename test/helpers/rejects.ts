/** The error a promise rejects with; fails the test if it resolves (or has another code). */
export async function rejects(p: Promise<unknown>, code?: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    const got = (e as { code?: unknown }).code;
    if (code !== undefined && got !== code)
      throw new Error(`expected a rejection with ${code}, got ${String(got)}: ${(e as Error).message}`, {
        cause: e,
      });
    return e as Error;
  }
  throw new Error('expected a rejection');
}
