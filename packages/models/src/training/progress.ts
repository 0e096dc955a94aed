import type { EpochRecord, StepRecord } from './history.js';

/** What the loop reports while it runs: after every step, and after every epoch. */
export type ProgressEvent =
  | {
      readonly type: 'step';
      readonly epoch: number;
      readonly epochs: number;
      /** Step within the epoch, from 1. */
      readonly stepInEpoch: number;
      readonly stepsPerEpoch: number;
      readonly record: StepRecord;
    }
  | { readonly type: 'epoch'; readonly epochs: number; readonly record: EpochRecord };

/** A stream that may be a terminal: `process.stderr` fits. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface TerminalProgressOptions {
  /** Name shown before the bar. */
  readonly label?: string;
  /** Minimum milliseconds between redraws of the bar. Default 100. */
  readonly interval?: number;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A progress bar on `stream` when it is a terminal (one line, redrawn in place, plus one line per
 * epoch); a no-op otherwise, so logs and pipes stay clean.
 */
export function createTerminalProgress(
  stream: ProgressStream,
  options: TerminalProgressOptions = {},
): (event: ProgressEvent) => void {
  if (stream.isTTY !== true) return () => {};
  const label = options.label === undefined ? '' : `${options.label} `;
  const interval = options.interval ?? 100;
  const now = options.now ?? Date.now;
  let lastDraw = Number.NEGATIVE_INFINITY;
  return (event) => {
    if (event.type === 'epoch') {
      const { record } = event;
      const validation = record.validationLoss === null ? '' : ` · val loss ${format(record.validationLoss)}`;
      const accuracy =
        record.validationAccuracy === null
          ? ''
          : ` · val acc ${(100 * record.validationAccuracy).toFixed(2)}%`;
      stream.write(
        `\r\x1b[2K${label}epoch ${record.epoch}/${event.epochs} · loss ${format(record.loss)}${validation}${accuracy} · clipped ${record.clippedSteps}\n`,
      );
      lastDraw = Number.NEGATIVE_INFINITY;
      return;
    }
    const time = now();
    if (time - lastDraw < interval && event.stepInEpoch !== event.stepsPerEpoch) return;
    lastDraw = time;
    const width = 30;
    const filled = Math.round((width * event.stepInEpoch) / event.stepsPerEpoch);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    stream.write(
      `\r\x1b[2K${label}epoch ${event.epoch}/${event.epochs} ${bar} ${event.stepInEpoch}/${event.stepsPerEpoch} · loss ${format(event.record.loss)} · ‖g‖ ${format(event.record.normBefore)}`,
    );
  };
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(3)
    : value.toFixed(4);
}
