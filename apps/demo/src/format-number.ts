/**
 * Number formatting for the summary and the report, the same on every machine: no
 * `toLocaleString`, whose output depends on the ICU data and locale Node runs with.
 */

/** `value` with `digits` decimals and a comma between thousands: 18950.3 → "18,950". */
export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  const fixed = Math.abs(value).toFixed(digits);
  const [whole = "", fraction] = fixed.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const sign = value < 0 && Number(fixed) !== 0 ? "-" : "";
  return `${sign}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** A share in [0, 1] as a percentage: 0.1234 → "12.3%". */
export function formatPercent(share: number, digits = 1): string {
  return `${formatNumber(100 * share, digits)}%`;
}

/** `null` (nothing to average) as an en dash. */
export function formatOptional(value: number | null, format: (value: number) => string): string {
  return value === null ? "–" : format(value);
}
