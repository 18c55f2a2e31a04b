import { element, setText } from './dom';

import type { AccountUsage } from './models';

import { clockTime, epochMs, formatDuration, sinceTime } from './times';

/**
 * What the sidebar's header says about the account's QPU usage for the
 * period, as the service reports it (`QiskitRuntimeService.usage()`).
 */
export interface IUsageWords {
  /** Where there is room: "QPU time: 12m 30s used of 10h (9h 47m left)". */
  long: string;
  /** In a narrow sidebar (220-320 px): "QPU 12m 30s / 10h (9h 47m left)". */
  short: string;
  /** The tooltip: the long words, the period and when the service was read. */
  title: string;
  /** Used / limit, 0-1; null without a limit or a report. */
  fraction: number | null;
  /** At or over the warning fraction, or the limit reached. */
  warning: boolean;
  /** The limit is reached: jobs wait for the next period. */
  reached: boolean;
}

/** Used / limit (0 for a limit of 0 with nothing used); null without a limit. */
export function usageFraction(usage: AccountUsage): number | null {
  const limit = usage.limit_seconds;
  if (limit === null) {
    return null;
  }
  if (limit <= 0) {
    return usage.used_seconds > 0 ? 1 : 0;
  }
  return usage.used_seconds / limit;
}

/** Whether `usage` is worth a warning at `warnAt` (a fraction of the limit). */
export function usageWarns(usage: AccountUsage, warnAt: number): boolean {
  const fraction = usageFraction(usage);
  return usage.limit_reached || (fraction !== null && fraction >= warnAt);
}

/**
 * The words for `usage`; null usage reads "usage unknown" (the service did
 * not answer, or has not yet).
 */
export function usageWords(
  usage: AccountUsage | null,
  warnAt: number,
  now: number = Date.now()
): IUsageWords {
  if (usage === null) {
    return {
      long: 'QPU time: usage unknown',
      short: 'QPU: usage unknown',
      title:
        "The service did not report the account's QPU usage (it may be " +
        'unreachable); it shows here once the service answers.',
      fraction: null,
      warning: false,
      reached: false
    };
  }
  const used = formatDuration(usage.used_seconds);
  const fraction = usageFraction(usage);
  const reached = usage.limit_reached;
  let long: string;
  let short: string;
  if (usage.limit_seconds === null) {
    long = `QPU time: ${used} used (no limit)`;
    short = `QPU ${used} used (no limit)`;
  } else {
    const limit = formatDuration(usage.limit_seconds);
    const remaining =
      usage.remaining_seconds ??
      Math.max(0, usage.limit_seconds - usage.used_seconds);
    const left = reached
      ? 'limit reached'
      : `${formatDuration(remaining)} left`;
    long = `QPU time: ${used} used of ${limit} (${left})`;
    short = `QPU ${used} / ${limit} (${left})`;
  }
  const lines = [`${long}, as the service counts it for the period`];
  const start = epochMs(usage.period_start);
  const end = epochMs(usage.period_end);
  if (start !== null || end !== null) {
    lines.push(
      `Period: ${start !== null ? sinceTime(start, now) : '?'} to ${
        end !== null ? sinceTime(end, now) : '?'
      }`
    );
  }
  if (usage.plan) {
    lines.push(`Plan: ${usage.plan}`);
  }
  if (usage.instance) {
    lines.push(`Instance: ${usage.instance}`);
  }
  const read = epochMs(usage.read_at);
  if (read !== null) {
    lines.push(`Read at ${clockTime(read)}`);
  }
  if (reached) {
    lines.push('The limit is reached: new jobs wait for the next period.');
  }
  return {
    long,
    short,
    title: lines.join('\n'),
    fraction,
    warning: usageWarns(usage, warnAt),
    reached
  };
}

/** The notification when account `name`'s usage crosses the warning fraction. */
export function usageWarning(usage: AccountUsage, name: string): string {
  const used = formatDuration(usage.used_seconds);
  if (usage.limit_reached || usage.limit_seconds === null) {
    return (
      `The account “${name}” reached its QPU time limit for the period (${used} used): ` +
      'new jobs wait for the next period.'
    );
  }
  const percent = Math.floor((usageFraction(usage) ?? 0) * 100);
  const remaining =
    usage.remaining_seconds ??
    Math.max(0, usage.limit_seconds - usage.used_seconds);
  return (
    `The account “${name}” has used ${percent}% of its QPU time for the period: ` +
    `${used} of ${formatDuration(usage.limit_seconds)}, ${formatDuration(remaining)} left.`
  );
}

/**
 * The header's usage line: the words (long or short, a container query in
 * base.css picks one; the tooltip has them in full) over a bar of the limit
 * used. Hidden until the first snapshot, when there is something to say.
 */
export class UsageLine {
  constructor() {
    this.node = element('div', 'jp-QSessionPanel-usage');
    this.node.setAttribute('role', 'status');
    this._long = element('span', 'jp-QSessionPanel-usageLong');
    this._short = element('span', 'jp-QSessionPanel-usageShort');
    this._short.setAttribute('aria-hidden', 'true');
    this._bar = element('div', 'jp-QSessionPanel-usageBar');
    this._bar.setAttribute('aria-hidden', 'true');
    this._used = element('div', 'jp-QSessionPanel-usageUsed');
    this._bar.appendChild(this._used);
    this.node.append(this._long, this._short, this._bar);
    this.node.hidden = true;
  }

  readonly node: HTMLElement;

  /**
   * Show `usage` (null: unknown) once `shown` (a snapshot arrived), warning
   * at `warnAt`.
   */
  render(
    usage: AccountUsage | null,
    shown: boolean,
    warnAt: number,
    now: number
  ): void {
    this.node.hidden = !shown;
    if (!shown) {
      return;
    }
    const words = usageWords(usage, warnAt, now);
    setText(this._long, words.long);
    setText(this._short, words.short);
    this.node.title = words.title;
    this.node.classList.toggle('jp-mod-warning', words.warning);
    this.node.classList.toggle('jp-mod-reached', words.reached);
    this.node.classList.toggle('jp-mod-unknown', usage === null);
    this._bar.hidden = words.fraction === null;
    const percent = Math.min(100, Math.max(0, (words.fraction ?? 0) * 100));
    this._used.style.width = `${percent.toFixed(1)}%`;
  }

  private _long: HTMLElement;
  private _short: HTMLElement;
  private _bar: HTMLElement;
  private _used: HTMLElement;
}
