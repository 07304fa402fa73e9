/** What every estimator returns. */
export interface OffPolicyEstimate {
  /** Estimated mean reward per decision of the target policy. */
  estimate: number;
  /** Standard error of `estimate` (analytic, whichever interval method is used). */
  stderr: number;
  /** 95% confidence interval, by the normal approximation or the percentile bootstrap. */
  ci95: [number, number];
  /** Logged decisions used. */
  n: number;
  /** Kish's effective sample size of the (clipped) importance weights, (Σw)² / Σw²; n for the logged policy's own value. */
  effective_sample_size: number;
}
