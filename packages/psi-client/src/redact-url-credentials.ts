/**
 * `scheme://user:password@` → `scheme://***@`. A serialized URL percent-encodes `/ ? # @` and
 * whitespace inside its user info, so the user info is everything up to the last `@` before one of them.
 */
const URL_USER_INFO = /\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#]*@/gi;

/** Hides the user info of every URL in `text`, e.g. a proxy's URL quoted by a custom fetch's error. */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_USER_INFO, "$1***@");
}
