// arize-users-conformance as a library: `runConformance(options)` checks a deployment of the users
// API against its spec and resolves to the report (what findings.json holds). The command, the
// contract suite and the mutation proof are thin callers of this.
export { runConformance, ConformanceError } from "./conformance.ts";
export {
  ConformanceOptionsError,
  PHASES,
  REPORT_FORMATS,
  type ConformanceOptions,
  type Phase,
  type ReportFormat,
} from "./options.ts";
export type { ConformanceEvent, ConformanceEventType, ScenarioInfo, ScenarioOutcome } from "./events.ts";
export {
  httpTransport,
  handlerTransport,
  NoAnswer,
  type Answer,
  type HttpTransportOptions,
  type NoAnswerKind,
  type RequestHandler,
  type SendOptions,
  type Transport,
  type WireRequest,
} from "./transport.ts";
export {
  renderJunit,
  renderMarkdown,
  verdictOf,
  type CheckRow,
  type Finding,
  type FindingGroup,
  type FindingsRun as ConformanceReport,
  type ScenarioRecord,
} from "./findings.ts";
export { CHECKS, type Check, type CheckKind, type Severity } from "./checks.ts";
export type { CrossCheckStats } from "./session.ts";
export { startPrismProxy, type PrismProxy } from "./cross-check.ts";
