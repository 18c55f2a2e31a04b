import { formatCountdown } from './countdown';

import { clockTime, shortId } from './labels';

import type { JobModel, SessionModel } from './models';

/**
 * What a bar of the timeline stands for:
 * - session lane: `pending` (registered, no job started yet), `active`
 *   (QPU reserved), `inactive` (interactive TTL passed);
 * - job lanes: `queued` (created -> started), `running` (started -> finished).
 */
export type SpanKind = 'pending' | 'active' | 'inactive' | 'queued' | 'running';

export interface ISpan {
  kind: SpanKind;
  /** ms since the epoch */
  from: number;
  to: number;
}

export interface ILane {
  /** 'session' or the job id. */
  key: string;
  label: string;
  spans: ISpan[];
}

export interface ITimeline {
  /** The left edge: when the session was registered or its first job created. */
  start: number;
  /** The right edge: when it closed, or now. */
  end: number;
  /** The session lane, then one lane per job, newest first. */
  lanes: ILane[];
  /** Jobs left out to keep the timeline compact. */
  hiddenJobs: number;
}

/** How many job lanes a timeline shows at most. */
export const TIMELINE_MAX_JOBS = 20;

function ms(iso: string | null | undefined): number | null {
  if (!iso) {
    return null;
  }
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

function isPending(job: JobModel): boolean {
  return job.status === 'QUEUED' || job.status === 'RUNNING';
}

/**
 * When the session turned inactive, inferred from the service's rule: an
 * active session with no pending job turns inactive `interactive_timeout`
 * seconds after its last job finished. The model has no field for it, so
 * this is an estimate; null when the rule does not apply before `end`.
 */
export function inactiveSince(
  session: SessionModel,
  end: number
): number | null {
  if (session.jobs.some(isPending)) {
    return null;
  }
  const finished = session.jobs
    .map(job => ms(job.finished))
    .filter((t): t is number => t !== null);
  if (finished.length === 0) {
    return null;
  }
  const lastFinished = Math.max(...finished);
  if (session.interactive_timeout === null) {
    return session.state === 'inactive' ? lastFinished : null;
  }
  const since = lastFinished + session.interactive_timeout * 1000;
  return since < end ? since : null;
}

function sessionSpans(session: SessionModel, end: number): ISpan[] {
  const registered = ms(session.registered_at) ?? end;
  const started = ms(session.started_at) ?? ms(session.activated_at);
  if (started === null) {
    return [{ kind: 'pending', from: registered, to: end }];
  }
  const spans: ISpan[] = [];
  if (started > registered) {
    spans.push({ kind: 'pending', from: registered, to: started });
  }
  const idle = inactiveSince(session, end);
  const goneIdle =
    idle !== null && idle > started && session.state !== 'active';
  spans.push({ kind: 'active', from: started, to: goneIdle ? idle : end });
  if (goneIdle) {
    spans.push({ kind: 'inactive', from: idle, to: end });
  }
  return spans;
}

function jobSpans(job: JobModel, end: number): ISpan[] {
  const created = ms(job.created);
  const started = ms(job.started);
  const finished = ms(job.finished);
  const spans: ISpan[] = [];
  if (created !== null) {
    // A job cancelled in the queue never starts: its queue span ends when it finished.
    const left = started ?? (isPending(job) ? end : (finished ?? end));
    spans.push({ kind: 'queued', from: created, to: left });
  }
  if (started !== null) {
    spans.push({ kind: 'running', from: started, to: finished ?? end });
  }
  return spans;
}

/**
 * The timeline of a session at `now`: pure data, for `renderTimeline` and tests.
 */
export function sessionTimeline(
  session: SessionModel,
  now: number,
  maxJobs = TIMELINE_MAX_JOBS
): ITimeline {
  const end = ms(session.closed_at) ?? now;
  const jobs = session.jobs.slice(0, maxJobs);
  const lanes: ILane[] = [
    { key: 'session', label: 'session', spans: sessionSpans(session, end) }
  ];
  for (const job of jobs) {
    lanes.push({
      key: job.id,
      label: shortId(job.id),
      spans: jobSpans(job, end)
    });
  }
  let start = end;
  for (const lane of lanes) {
    for (const span of lane.spans) {
      start = Math.min(start, span.from);
    }
  }
  return {
    start,
    end: Math.max(end, start + 1000),
    lanes,
    hiddenJobs: session.jobs.length - jobs.length
  };
}

/**
 * Where a span sits in the timeline, in percent of its width.
 */
export function spanPosition(
  span: ISpan,
  timeline: ITimeline
): { left: number; width: number } {
  const total = timeline.end - timeline.start;
  const from = Math.min(Math.max(span.from, timeline.start), timeline.end);
  const to = Math.min(Math.max(span.to, from), timeline.end);
  return {
    left: ((from - timeline.start) / total) * 100,
    width: ((to - from) / total) * 100
  };
}

function describe(span: ISpan): string {
  const length = formatCountdown((span.to - span.from) / 1000);
  return `${span.kind} ${clockTime(span.from)}–${clockTime(span.to)} (${length})`;
}

/**
 * The timeline as positioned divs: one lane per row, one bar per span, each
 * bar titled with what it is and when. Colours come from the stylesheet
 * (`.jp-QSession-timelineSpan.jp-mod-<kind>`); only positions are inline.
 */
export function renderTimeline(timeline: ITimeline): HTMLElement {
  const node = document.createElement('div');
  node.className = 'jp-QSession-timeline';
  node.dataset.shape = shape(timeline);
  node.setAttribute('role', 'group');
  node.setAttribute('aria-label', 'Timeline');

  for (const lane of timeline.lanes) {
    const row = document.createElement('div');
    row.className = 'jp-QSession-timelineLane';
    row.dataset.lane = lane.key;
    const label = document.createElement('span');
    label.className = 'jp-QSession-timelineLabel';
    label.textContent = lane.label;
    const track = document.createElement('div');
    track.className = 'jp-QSession-timelineTrack';
    for (const span of lane.spans) {
      const bar = document.createElement('div');
      bar.className = `jp-QSession-timelineSpan jp-mod-${span.kind}`;
      placeBar(bar, span, timeline);
      track.appendChild(bar);
    }
    row.append(label, track);
    node.appendChild(row);
  }

  const scale = document.createElement('div');
  scale.className = 'jp-QSession-timelineScale';
  scale.append(document.createElement('span'), document.createElement('span'));
  setScale(scale, timeline);
  node.appendChild(scale);

  if (timeline.hiddenJobs > 0) {
    const more = document.createElement('div');
    more.className = 'jp-QSession-timelineMore';
    more.textContent = `${timeline.hiddenJobs} older jobs not shown`;
    node.appendChild(more);
  }
  return node;
}

/**
 * Move the bars of a timeline `renderTimeline` made to `timeline`, in place,
 * so that a tick does not replace the nodes (and close a bar's tooltip).
 *
 * @returns false when the lanes or spans differ, and the caller must render anew
 */
export function patchTimeline(node: HTMLElement, timeline: ITimeline): boolean {
  if (node.dataset.shape !== shape(timeline)) {
    return false;
  }
  const bars = node.querySelectorAll<HTMLElement>('.jp-QSession-timelineSpan');
  let i = 0;
  for (const lane of timeline.lanes) {
    for (const span of lane.spans) {
      placeBar(bars[i++], span, timeline);
    }
  }
  setScale(
    node.querySelector('.jp-QSession-timelineScale') as HTMLElement,
    timeline
  );
  return true;
}

/** Lanes and span kinds, which a tick does not change (times it does). */
function shape(timeline: ITimeline): string {
  const lanes = timeline.lanes.map(
    lane => `${lane.key}:${lane.spans.map(span => span.kind).join(',')}`
  );
  return `${lanes.join('|')}|+${timeline.hiddenJobs}`;
}

function placeBar(bar: HTMLElement, span: ISpan, timeline: ITimeline): void {
  const { left, width } = spanPosition(span, timeline);
  bar.style.left = `${left}%`;
  bar.style.width = `${width}%`;
  bar.title = describe(span);
}

function setScale(scale: HTMLElement, timeline: ITimeline): void {
  const [from, to] = Array.from(scale.children);
  from.textContent = clockTime(timeline.start);
  to.textContent = clockTime(timeline.end);
}
