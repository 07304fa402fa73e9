/** Characters a POSIX shell takes literally in a word, so a word made of them needs no quotes. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One argument as a POSIX shell reads it back: unchanged when it is plain, otherwise in single
 * quotes, each `'` written as `'\''` (close, escaped quote, reopen). `''` for the empty string.
 */
export function shellQuote(argument: string): string {
  return PLAIN.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}
