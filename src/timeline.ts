import { formatCountdown } from './countdown';

import { shortId } from './labels';

import { FINAL_JOB_STATUSES } from './models';

import type { JobModel, SessionModel, SessionState } from './models';

import { clockTime, ISessionTimes, jobTimes, sessionTimes } from './times';

/**
 * What a bar of the timeline stands for:
 * - session lane: `pending` (open: no job has run yet), `active` (QPU
 *   reserved), `inactive` (interactive TTL passed);
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
  /** Whether `end` is when it closed (else it is now). */
  ended: boolean;
  /** The session lane, then one lane per job, newest first. */
  lanes: ILane[];
  /** Jobs left out to keep the timeline compact. */
  hiddenJobs: number;
}

/**
 * The legend: what each colour of bar means, in the order the lanes use them.
 * A Record, so a new kind of bar fails to compile until it has its words.
 */
export const SPAN_WORDS: Record<SpanKind, string> = {
  pending: 'pending: no job ran yet',
  active: 'active: QPU reserved',
  inactive: 'inactive: idle past its interactive TTL',
  queued: 'job queued',
  running: 'job running'
};

/** How many job lanes a timeline shows at most. */
export const TIMELINE_MAX_JOBS = 20;

/** The bar of each state the service reports; a closed session has none. */
const STATE_SPAN: Record<SessionState, SpanKind | null> = {
  open: 'pending',
  active: 'active',
  inactive: 'inactive',
  closed: null
};

function isPending(job: JobModel): boolean {
  return !FINAL_JOB_STATUSES.includes(job.status);
}

/**
 * When the session last turned inactive at or before `end`, as the service
 * says (its transitions); null when it did not, or the server sent no
 * transitions. Nothing is inferred from TTLs: the service knows.
 */
export function inactiveSince(
  session: SessionModel,
  end: number,
  times: ISessionTimes = sessionTimes(session)
): number | null {
  let since: number | null = null;
  for (const transition of times.transitions) {
    if (transition.at <= end && transition.state === 'inactive') {
      since = transition.at;
    }
  }
  return since;
}

/**
 * The session lane: one bar per state the service says the session was in,
 * up to `end`. A session stored before the service's transitions were kept
 * has none: then it is pending from its registration to its start, then
 * active.
 */
function sessionSpans(times: ISessionTimes, end: number): ISpan[] {
  const transitions = times.transitions;
  if (transitions.length === 0) {
    const registered = times.registeredAt ?? end;
    const started = times.startedAt ?? times.activatedAt;
    if (started === null) {
      return [{ kind: 'pending', from: registered, to: end }];
    }
    const spans: ISpan[] = [];
    if (started > registered) {
      spans.push({ kind: 'pending', from: registered, to: started });
    }
    spans.push({ kind: 'active', from: started, to: end });
    return spans;
  }
  const spans: ISpan[] = [];
  transitions.forEach((transition, i) => {
    const kind = STATE_SPAN[transition.state];
    const to = Math.min(transitions[i + 1]?.at ?? end, end);
    if (kind !== null && to > transition.at) {
      spans.push({ kind, from: transition.at, to });
    }
  });
  return spans;
}

function jobSpans(job: JobModel, times: ISessionTimes, end: number): ISpan[] {
  const { created, started, finished } =
    times.jobs.get(job.id) ?? jobTimes(job);
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
 * The timeline of a session at `now`: pure data, for `renderTimeline` and
 * tests. Pass the `times` the store parsed, so that a tick parses nothing.
 */
export function sessionTimeline(
  session: SessionModel,
  now: number,
  maxJobs = TIMELINE_MAX_JOBS,
  times: ISessionTimes = sessionTimes(session)
): ITimeline {
  const end = times.closedAt ?? now;
  const jobs = session.jobs.slice(0, maxJobs);
  const lanes: ILane[] = [
    { key: 'session', label: 'session', spans: sessionSpans(times, end) }
  ];
  for (const job of jobs) {
    lanes.push({
      key: job.id,
      label: shortId(job.id),
      spans: jobSpans(job, times, end)
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
    ended: times.closedAt !== null,
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
  return `${SPAN_WORDS[span.kind]}, from ${clockTime(span.from)} to ${clockTime(span.to)} (${length})`;
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
  node.appendChild(legend(timeline));

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

/** The scale under the lanes: "from 14:03:27" and "to 14:05:00" (or "now 14:05:00"). */
function setScale(scale: HTMLElement, timeline: ITimeline): void {
  const [from, to] = Array.from(scale.children);
  from.textContent = `from ${clockTime(timeline.start)}`;
  to.textContent = `${timeline.ended ? 'to' : 'now'} ${clockTime(timeline.end)}`;
}

/** A swatch and its words for each kind of bar the timeline shows. */
function legend(timeline: ITimeline): HTMLElement {
  const shown = new Set<SpanKind>();
  for (const lane of timeline.lanes) {
    lane.spans.forEach(span => shown.add(span.kind));
  }
  const list = document.createElement('ul');
  list.className = 'jp-QSession-timelineLegend';
  list.setAttribute('aria-label', 'Legend');
  for (const kind of Object.keys(SPAN_WORDS) as SpanKind[]) {
    if (!shown.has(kind)) {
      continue;
    }
    const item = document.createElement('li');
    item.dataset.kind = kind;
    const swatch = document.createElement('span');
    swatch.className = `jp-QSession-timelineSwatch jp-mod-${kind}`;
    const words = document.createElement('span');
    words.textContent = SPAN_WORDS[kind];
    item.append(swatch, words);
    list.appendChild(item);
  }
  return list;
}
