import cliProgress from "cli-progress";

export interface ProgressBar {
  update(done: number, total: number): void;
  stop(): void;
}

const SILENT: ProgressBar = Object.freeze({ update: () => {}, stop: () => {} });

/**
 * A progress bar on `stream` (stderr by default, so stdout keeps only the summary), or one
 * that draws nothing when the stream is not a terminal, so CI logs stay clean.
 */
export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: "simulating {bar} {percentage}% | {value}/{total} decisions",
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
