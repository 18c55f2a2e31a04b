import { AccountHeader } from './accountHeader';

import type { ISessionActions } from './actions';

import type { Clock } from './countdown';

import { element, placeChildren } from './dom';

import { JOB_ROW_HEIGHT, VIEWPORT_ROWS, VIRTUALIZE_AFTER } from './jobList';

import type { SessionModel } from './models';

import { IRowContext, SessionRow } from './sessionRow';

import type { IAccountSectionOfGroups, ISessionGroup } from './store';

import type { ISessionTimes } from './times';

/** Px rendered beyond each edge of the view, so scrolling shows no gap. */
export const OVERSCAN_PX = 300;

/** The view's height when it has none to measure (hidden, or a test's DOM). */
export const FALLBACK_VIEWPORT_PX = 800;

/** What an unmeasured group heading is assumed to take (px). */
const HEADING_ESTIMATE = 24;

/** What an unmeasured account header is assumed to take (px). */
const ACCOUNT_ESTIMATE = 48;

/** What an unmeasured session row takes besides its job rows (px), until one is measured. */
const ROW_CHROME_ESTIMATE = 90;

/** A group and its key in the list. */
type GroupEntry = [string, ISessionGroup];

/**
 * One entry of the flat list: an account's header, a notebook's heading or
 * one session. `groupKey` tells a group apart from another account's group
 * of the same kernel key (`ELSEWHERE_KEY`, '').
 */
type Item =
  | { kind: 'account'; key: string; section: IAccountSectionOfGroups }
  | { kind: 'group'; key: string; groupKey: string; group: ISessionGroup }
  | {
      kind: 'session';
      key: string;
      groupKey: string;
      group: ISessionGroup;
      session: SessionModel;
    };

/**
 * The sessions, grouped by notebook (under a header per account when the
 * lab serves several), as a virtualized list: only the headers, headings
 * and session rows in view (plus `OVERSCAN_PX` each side) are in
 * the DOM, between two spacers that stand for the rest, so the scroll bar and
 * the scroll position are those of the whole list. Rows are made when they
 * scroll into view and dropped when they leave (a row's expanded state is
 * remembered); `tick` advances the rows in view only.
 *
 * Heights are measured as rows render (a ResizeObserver on the list notices
 * a row that grows, e.g. expanded to its timeline) and estimated from the
 * job count for rows not yet seen. The list scrolls inside `scroller` (the
 * panel's node).
 */
export class SessionList {
  constructor(options: SessionList.IOptions) {
    this._scroller = options.scroller;
    this._actions = options.actions;
    this._now = options.now;
    this._times = options.times;
    this._context = options.context;
    this._warnAt = options.warnAt;
    this.node = element('ul', 'jp-QSession-groups');
    this._top = spacer();
    this._bottom = spacer();
    this._scroller.addEventListener('scroll', this._onScroll, {
      passive: true
    });
    if (typeof ResizeObserver !== 'undefined') {
      // Measured in the next frame: measuring moves the spacers, which resizes
      // the observed list again (in the callback that would be a loop error).
      this._observer = new ResizeObserver(() => {
        if (this._frame === null) {
          this._frame = requestAnimationFrame(() => {
            this._frame = null;
            this._measure();
          });
        }
      });
      this._observer.observe(this.node);
    }
  }

  readonly node: HTMLUListElement;

  /** The row of a session, if it is in view. */
  row(sessionId: string): SessionRow | undefined {
    return this._rows.get(sessionId);
  }

  /** The rows in view (what a tick advances). */
  rows(): IterableIterator<SessionRow> {
    return this._rows.values();
  }

  /** Show `groups` (in order); the rows in view are updated, the others made on demand. */
  setGroups(groups: ISessionGroup[]): void {
    this.node.setAttribute('aria-label', 'Sessions by notebook');
    this._setItems(groups.map(group => [group.key, group] as GroupEntry));
  }

  /**
   * Show each account's header, then its groups (in order); the rows in view
   * are updated, the others made on demand.
   */
  setSections(sections: IAccountSectionOfGroups[]): void {
    this.node.setAttribute('aria-label', 'Sessions by account and notebook');
    const entries: (GroupEntry | IAccountSectionOfGroups)[] = [];
    for (const section of sections) {
      entries.push(section);
      for (const group of section.groups) {
        entries.push([`${section.name}\u0000${group.key}`, group]);
      }
    }
    this._setItems(entries);
  }

  /**
   * Replace the sections of accounts already listed (a change of an
   * account's state or usage, which moves nothing) and render their headers
   * in view again.
   */
  updateAccounts(sections: IAccountSectionOfGroups[]): void {
    for (const section of sections) {
      const at = this._accountIndex.get(section.name);
      const item = at === undefined ? undefined : this._items[at];
      if (item?.kind !== 'account') {
        continue;
      }
      this._items[at!] = { ...item, section };
      this._accountHeaders
        .get(section.name)
        ?.render(section, this._warnAt(), this._now());
    }
  }

  private _setItems(entries: (GroupEntry | IAccountSectionOfGroups)[]): void {
    const items: Item[] = [];
    const index = new Map<string, number>();
    const accounts = new Map<string, number>();
    for (const entry of entries) {
      if (!Array.isArray(entry)) {
        accounts.set(entry.name, items.length);
        items.push({ kind: 'account', key: `a:${entry.name}`, section: entry });
        continue;
      }
      const [groupKey, group] = entry;
      items.push({ kind: 'group', key: `g:${groupKey}`, groupKey, group });
      for (const session of group.sessions) {
        index.set(session.id, items.length);
        const key = `s:${session.id}`;
        items.push({ kind: 'session', key, groupKey, group, session });
      }
    }
    this._accountIndex = accounts;
    this._items = items;
    this._index = index;
    this._offsets = null;
    this._render(true);
  }

  /**
   * Replace one session where it is listed (an event that does not move it).
   *
   * @returns false when the session is not listed
   */
  updateSession(session: SessionModel): boolean {
    const at = this._index.get(session.id);
    const item = at === undefined ? undefined : this._items[at];
    if (!item || item.kind !== 'session') {
      return false;
    }
    const jobsBefore = item.session.jobs.length;
    this._items[at!] = { ...item, session };
    const row = this._rows.get(session.id);
    if (row) {
      row.update(session, this._times(session.id)!, this._context(session));
    } else if (jobsBefore !== session.jobs.length) {
      this._heights.delete(item.key); // out of view: its estimate is the better guess now
      this._offsets = null;
    }
    return true;
  }

  /** Advance the rows in view. */
  tick(): void {
    for (const row of this._rows.values()) {
      row.tick();
    }
  }

  /** Render what is in view now (after a scroll, a resize, or being shown). */
  refresh(): void {
    this._render(false);
  }

  dispose(): void {
    this._scroller.removeEventListener('scroll', this._onScroll);
    this._observer?.disconnect();
    if (this._frame !== null) {
      cancelAnimationFrame(this._frame);
    }
    for (const row of this._rows.values()) {
      row.dispose();
    }
    this._rows.clear();
  }

  private _onScroll = (): void => {
    this._render(false);
  };

  /**
   * Render the items in view. `all` re-reads every row in view (the data
   * changed); otherwise only rows entering the view are updated.
   */
  private _render(all: boolean): void {
    const offsets = this._layout();
    const items = this._items;
    const viewport = this._scroller.clientHeight || FALLBACK_VIEWPORT_PX;
    const total = offsets[items.length];
    const scrolled = this._scroller.scrollTop - this.node.offsetTop;
    const top = Math.max(0, Math.min(scrolled, total - viewport));
    const start = Math.max(0, upperBound(offsets, top - OVERSCAN_PX) - 1);
    let end = start;
    while (end < items.length && offsets[end] < top + viewport + OVERSCAN_PX) {
      end++;
    }

    const rows = new Map<string, SessionRow>();
    const groupNodes: HTMLElement[] = [];
    const groups = new Map<string, HTMLElement>();
    const headers = new Map<string, AccountHeader>();
    let current: { key: string; rows: HTMLElement[] } | null = null;
    const flush = () => {
      if (current) {
        const list = this._groups.get(current.key)!
          .lastElementChild as HTMLElement;
        placeChildren(list, current.rows);
      }
    };
    for (let i = start; i < end; i++) {
      const item = items[i];
      if (item.kind === 'account') {
        flush();
        current = null;
        const header = this._accountHeader(item.section, all);
        headers.set(item.section.name, header);
        groupNodes.push(header.node);
        continue;
      }
      if (!current || current.key !== item.groupKey) {
        flush();
        const node = this._groupNode(
          item.groupKey,
          item.group,
          item.kind === 'group'
        );
        groups.set(item.groupKey, node);
        groupNodes.push(node);
        current = { key: item.groupKey, rows: [] };
      }
      if (item.kind === 'session') {
        const row = this._row(item.session, all);
        rows.set(item.session.id, row);
        current.rows.push(row.node);
      }
    }
    flush();
    for (const [id, row] of this._rows) {
      if (!rows.has(id)) {
        if (row.expanded) {
          this._expanded.add(id);
        } else {
          this._expanded.delete(id);
        }
        row.dispose();
      }
    }
    this._rows = rows;
    this._groups = groups;
    this._accountHeaders = headers;
    this._start = start;
    this._end = end;
    this._top.style.height = `${offsets[start]}px`;
    this._bottom.style.height = `${offsets[items.length] - offsets[end]}px`;
    placeChildren(this.node, [this._top, ...groupNodes, this._bottom]);
  }

  private _row(session: SessionModel, all: boolean): SessionRow {
    let row = this._rows.get(session.id);
    const context = this._context(session);
    if (!row) {
      row = new SessionRow(session, this._times(session.id)!, {
        actions: this._actions,
        now: this._now
      });
      row.update(session, this._times(session.id)!, context);
      row.expanded = this._expanded.has(session.id);
    } else if (all) {
      row.update(session, this._times(session.id)!, context);
    }
    return row;
  }

  private _accountHeader(
    section: IAccountSectionOfGroups,
    all: boolean
  ): AccountHeader {
    let header = this._accountHeaders.get(section.name);
    if (!header || all) {
      header ??= new AccountHeader();
      header.render(section, this._warnAt(), this._now());
    }
    return header;
  }

  private _groupNode(
    key: string,
    group: ISessionGroup,
    withHeading: boolean
  ): HTMLElement {
    let node = this._groups.get(key);
    if (!node) {
      node = element('li', 'jp-QSession-group');
      node.append(
        element('h3', 'jp-QSession-groupName'),
        element('ul', 'jp-QSession-sessions')
      );
      this._groups.set(key, node);
    }
    node.dataset.kernelId = group.kernelId ?? '';
    node.dataset.origin = group.origin;
    const heading = node.firstElementChild as HTMLElement;
    heading.hidden = !withHeading;
    if (heading.textContent !== group.label) {
      heading.textContent = group.label;
    }
    heading.title = group.title;
    return node;
  }

  /** Offsets of every item from the list's top (one more entry: the total height). */
  private _layout(): number[] {
    if (this._offsets) {
      return this._offsets;
    }
    const offsets = new Array<number>(this._items.length + 1);
    offsets[0] = 0;
    this._items.forEach((item, i) => {
      offsets[i + 1] = offsets[i] + this._height(item);
    });
    this._offsets = offsets;
    return offsets;
  }

  private _height(item: Item): number {
    const measured = this._heights.get(item.key);
    if (measured !== undefined) {
      return measured;
    }
    if (item.kind === 'account') {
      return ACCOUNT_ESTIMATE;
    }
    if (item.kind === 'group') {
      return HEADING_ESTIMATE;
    }
    const jobs = item.session.jobs.length;
    const shown = jobs > VIRTUALIZE_AFTER ? VIEWPORT_ROWS : jobs;
    return this._rowChrome + shown * JOB_ROW_HEIGHT;
  }

  /**
   * Read the heights of the items in view (each from its top to the next
   * one's, margins included); if any changed, move the bottom spacer, and
   * render again should the view no longer be covered.
   */
  private _measure(): void {
    const items = this._items.slice(this._start, this._end);
    const nodes = items.map(item =>
      item.kind === 'account'
        ? this._accountHeaders.get(item.section.name)?.node
        : item.kind === 'group'
          ? (this._groups.get(item.groupKey)?.firstElementChild as HTMLElement)
          : this._rows.get(item.session.id)?.node
    );
    const tops = nodes.map(node => node?.getBoundingClientRect().top ?? 0);
    tops.push(this._bottom.getBoundingClientRect().top);
    let changed = false;
    items.forEach((item, i) => {
      const height = tops[i + 1] - tops[i];
      if (
        height <= 0 ||
        Math.abs((this._heights.get(item.key) ?? -1) - height) < 0.5
      ) {
        return; // not laid out (hidden), or as known
      }
      this._heights.set(item.key, height);
      if (
        item.kind === 'session' &&
        !this._rows.get(item.session.id)?.expanded
      ) {
        const jobs = item.session.jobs.length;
        const shown = jobs > VIRTUALIZE_AFTER ? VIEWPORT_ROWS : jobs;
        this._rowChrome = Math.max(0, height - shown * JOB_ROW_HEIGHT);
      }
      changed = true;
    });
    if (changed) {
      this._offsets = null;
      this._render(false);
    }
  }

  private _scroller: HTMLElement;
  private _actions: ISessionActions;
  private _now: Clock;
  private _times: (sessionId: string) => ISessionTimes | undefined;
  private _context: (session: SessionModel) => IRowContext;
  private _warnAt: () => number;
  private _observer: ResizeObserver | null = null;
  private _frame: number | null = null;
  private _top: HTMLElement;
  private _bottom: HTMLElement;
  private _items: Item[] = [];
  private _index = new Map<string, number>();
  private _offsets: number[] | null = null;
  private _heights = new Map<string, number>();
  private _rowChrome = ROW_CHROME_ESTIMATE;
  private _start = 0;
  private _end = 0;
  private _rows = new Map<string, SessionRow>();
  private _groups = new Map<string, HTMLElement>();
  private _accountHeaders = new Map<string, AccountHeader>();
  private _accountIndex = new Map<string, number>();
  private _expanded = new Set<string>();
}

export namespace SessionList {
  export interface IOptions {
    /** The element that scrolls the list (its `scroll` events move the view). */
    scroller: HTMLElement;
    actions: ISessionActions;
    now: Clock;
    /** A session's parsed times (the store's). */
    times: (sessionId: string) => ISessionTimes | undefined;
    /** What a row needs besides its session. */
    context: (session: SessionModel) => IRowContext;
    /** The fraction of an account's QPU time at which its usage line warns. */
    warnAt: () => number;
  }
}

/** An element standing for the items out of view above or below. */
function spacer(): HTMLElement {
  const node = element('li', 'jp-QSession-spacer');
  node.setAttribute('aria-hidden', 'true');
  node.setAttribute('role', 'presentation');
  return node;
}

/** The index of the first offset greater than `value` (offsets ascend). */
function upperBound(offsets: number[], value: number): number {
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (offsets[mid] <= value) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}
