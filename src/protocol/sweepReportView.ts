// Messages of the sweep report panel (webview → host). The page is drawn by the host (tables and SVG
// curves, no data fetched by the script); the script only asks for a refresh or for one run's files.
// Every message is checked on arrival; anything else is dropped. Pure, shared by both sides.
import { all, type Check, messageValidator, object, str, where } from './check';

export type SweepReportMessage =
  | { type: 'refresh' }
  /** Open a run of the sweep (by its name in sweep.json): its summary, else its log. */
  | { type: 'openRun'; run: string };

/** A run's name (`<cell>__seed-<N>`): one path segment, never `.` or `..`. */
const RUN_NAME = /^(?!\.{1,2}$)[\w.-]+$/;
const checks: Record<SweepReportMessage['type'], Check> = {
  refresh: object({}),
  openRun: object({
    run: all(
      str,
      where((x) => RUN_NAME.test(x as string), 'expected a run name'),
    ),
  }),
};

/** null when `m` is a valid message, else one line naming the problem. */
export const validateSweepReportMessage = messageValidator(checks);
export const isSweepReportMessage = (m: unknown): m is SweepReportMessage => validateSweepReportMessage(m) === null;
