import type { ISessionActions } from '../actions';

import { SessionStore } from '../store';

import { ENDED_WORDS } from '../models';

import type { EndedReason, JobModel, SessionModel } from '../models';

import { PANEL_ID, SessionsPanel } from '../panel';

import { JOB_ROW_HEIGHT } from '../jobList';

import { SessionRow } from '../sessionRow';

import { DEFAULT_SETTINGS } from '../settings';

import { at, makeInfo, makeJob, makeSession, T0 } from './fixtures';

function setup(options: { showEndedSessions?: boolean } = {}) {
  let now = T0;
  const store = new SessionStore();
  store.info = makeInfo();
  const actions = {
    closeSession: jest.fn(async (_session: SessionModel) => true),
    cancelSession: jest.fn(async (_session: SessionModel) => true),
    cancelJob: jest.fn(async (_session: SessionModel, _job: JobModel) => true)
  } satisfies ISessionActions;
  let retryAt: number | null = null;
  const panel = new SessionsPanel({
    store,
    actions,
    now: () => now,
    retryAt: () => retryAt,
    settings: { showEndedSessions: options.showEndedSessions ?? true }
  });
  const $ = (selector: string) =>
    panel.node.querySelector<HTMLElement>(selector);
  const $$ = (selector: string) =>
    Array.from(panel.node.querySelectorAll<HTMLElement>(selector));
  return {
    panel,
    store,
    actions,
    $,
    $$,
    advance: (seconds: number) => {
      now += seconds * 1000;
      panel.tick();
    },
    setRetryAt: (seconds: number | null) => {
      retryAt = seconds === null ? null : now + seconds * 1000;
    }
  };
}

function button(root: HTMLElement, name: string): HTMLButtonElement {
  const found = root.querySelector<HTMLButtonElement>(
    `button[aria-label="${name}"]`
  );
  if (!found) {
    throw new Error(`no button named ${name}`);
  }
  return found;
}

describe('SessionsPanel', () => {
  it('has the id the command and the UI tests look for', () => {
    const panel = new SessionsPanel();

    expect(panel.id).toBe(PANEL_ID);
    expect(panel.node.id).toBe('qsession-panel');
    expect(panel.title.caption).toBe('Qiskit Runtime sessions');
    panel.dispose();
  });

  it('says that there are no sessions yet', () => {
    const panel = new SessionsPanel();

    expect(panel.node.textContent).toContain('No sessions yet');
    panel.dispose();
  });

  it('shows one row per session, grouped under its notebook', () => {
    const { store, $, $$ } = setup();
    store.setKernelNames(
      new Map([['k1', { name: 'bell.ipynb', path: 'bell.ipynb' }]])
    );
    store.applySnapshot([
      makeSession({ id: 'a', kernel_id: 'k1' }),
      makeSession({
        id: 'b',
        kernel_id: null,
        mode: 'batch',
        backend: 'fake_kyiv'
      })
    ]);

    expect($$('.jp-QSession-groupName').map(n => n.textContent)).toEqual([
      'bell.ipynb',
      'No kernel'
    ]);
    expect($$('[data-session-id]').map(n => n.dataset.sessionId)).toEqual([
      'a',
      'b'
    ]);
    const b = $('[data-session-id="b"]')!;
    expect(b.querySelector('.jp-QSession-backend')!.textContent).toBe(
      'fake_kyiv'
    );
    expect(b.querySelector('.jp-QSession-mode')!.textContent).toBe('batch');
    expect($('.jp-QSessionPanel-empty')!.hidden).toBe(true);
  });

  it.each([
    ['open', 'pending'],
    ['active', 'active'],
    ['inactive', 'inactive'],
    ['closed', 'closed']
  ] as const)('badges state %s as %s', (state, text) => {
    const { store, $ } = setup();
    store.applySnapshot([makeSession({ state })]);

    const badge = $('.jp-QSession-badge')!;
    expect(badge.textContent).toBe(text);
    expect(badge.classList).toContain(`jp-mod-${state}`);
  });

  it('ticks the max-TTL and interactive-TTL countdowns with the clock', () => {
    const { store, $, advance } = setup();
    store.applySnapshot([
      makeSession({
        expires_at: at(2 * 3600 + 5),
        interactive_expires_at: at(75)
      })
    ]);

    expect($('.jp-QSession-maxTtl')!.textContent).toBe('2:00:05');
    expect($('.jp-QSession-interactiveTtl')!.textContent).toBe('1:15');
    advance(16);
    expect($('.jp-QSession-maxTtl')!.textContent).toBe('1:59:49');
    expect($('.jp-QSession-interactiveTtl')!.textContent).toBe('0:59');
  });

  it('resyncs the countdowns on every event', () => {
    const { store, $, advance } = setup();
    store.applySnapshot([makeSession({ interactive_expires_at: at(60) })]);
    advance(50);
    expect($('.jp-QSession-interactiveTtl')!.textContent).toBe('0:10');

    store.applySession(makeSession({ interactive_expires_at: at(110) }));
    expect($('.jp-QSession-interactiveTtl')!.textContent).toBe('1:00');
  });

  it('shows the interactive TTL only while active', () => {
    const { store, $ } = setup();
    store.applySnapshot([
      makeSession({ state: 'inactive', interactive_expires_at: null })
    ]);

    expect($('.jp-QSession-interactiveTtl')!.parentElement!.hidden).toBe(true);
    expect($('.jp-QSession-maxTtl')!.parentElement!.hidden).toBe(false);
  });

  it('marks the max TTL as a warning under the threshold and expired at zero', () => {
    const { store, $, advance } = setup();
    store.applySnapshot([makeSession({ expires_at: at(61) })]);
    const maxTtl = $('.jp-QSession-maxTtl')!;
    expect(maxTtl.classList).not.toContain('jp-mod-warning');
    advance(1);
    expect(maxTtl.classList).toContain('jp-mod-warning');
    advance(60);
    expect(maxTtl.textContent).toBe('0:00');
    expect(maxTtl.classList).toContain('jp-mod-expired');
  });

  it('shows QPU usage and, for an ended session, why it ended and no buttons', () => {
    const { store, $ } = setup();
    store.applySnapshot([
      makeSession({
        state: 'closed',
        ended_reason: 'kernel_died',
        closed_at: at(90),
        usage_seconds: 185
      })
    ]);

    expect($('.jp-QSession-usage')!.textContent).toBe('QPU 3m 5s');
    expect($('.jp-QSession-endedReason')!.textContent).toContain(
      'Ended: its kernel died'
    );
    expect($('.jp-QSession-actions')!.hidden).toBe(true);
    expect($('.jp-QSession-maxTtl')!.parentElement!.hidden).toBe(true);
  });

  it('runs Close session and Cancel session through the actions', () => {
    const { store, actions, $ } = setup();
    store.applySnapshot([makeSession({ id: 'mine' })]);
    const row = $('[data-session-id="mine"]')!;

    button(row, 'Close session').click();
    button(row, 'Cancel session').click();

    expect(actions.closeSession).toHaveBeenCalledWith(store.get('mine'));
    expect(actions.cancelSession).toHaveBeenCalledWith(store.get('mine'));
  });

  it("disables the buttons with a tooltip on another user's session", () => {
    const { store, $ } = setup();
    store.applySnapshot([makeSession({ owner: 'bob', jobs: [makeJob()] })]);

    for (const name of ['Close session', 'Cancel session', 'Cancel job']) {
      const b = button($('[data-session-id]')!, name);
      expect(b.disabled).toBe(true);
      expect(b.title).toBe('This session belongs to bob');
    }
  });

  it('enables them when the server info arrives', () => {
    const { store, $ } = setup();
    store.info = null;
    store.applySnapshot([makeSession()]);
    expect(button($('[data-session-id]')!, 'Close session').disabled).toBe(
      true
    );

    store.info = makeInfo();
    expect(button($('[data-session-id]')!, 'Close session').disabled).toBe(
      false
    );
  });

  it('disables Close session on a session already closing', () => {
    const { store, $ } = setup();
    store.applySnapshot([makeSession({ accepting_jobs: false })]);

    const close = button($('[data-session-id]')!, 'Close session');
    expect(close.disabled).toBe(true);
    expect(close.title).toMatch(/^Closing/);
    expect(button($('[data-session-id]')!, 'Cancel session').disabled).toBe(
      false
    );
  });

  it('lists jobs newest first with a Cancel job button on queued jobs only', () => {
    const { store, actions, $$ } = setup();
    store.applySnapshot([
      makeSession({
        jobs: [
          makeJob({
            id: 'new',
            status: 'QUEUED',
            created: at(9),
            queue_position: 3
          }),
          makeJob({
            id: 'mid',
            status: 'RUNNING',
            created: at(5),
            started: at(6),
            queue_position: null
          }),
          makeJob({
            id: 'old',
            status: 'DONE',
            created: at(1),
            started: at(2),
            finished: at(3),
            queue_position: null
          })
        ]
      })
    ]);

    const rows = $$('[data-job-id]');
    expect(rows.map(r => r.dataset.jobId)).toEqual(['new', 'mid', 'old']);
    expect(rows[0].querySelector('.jp-QSession-jobStatus')!.textContent).toBe(
      'QUEUED'
    );
    expect(
      rows[0].querySelector('.jp-QSession-queuePosition')!.textContent
    ).toBe('#3');
    expect(
      rows[0].querySelector('.jp-QSession-jobPrimitive')!.textContent
    ).toBe('sampler');
    expect($$('button[aria-label="Cancel job"]')).toHaveLength(1);

    button(rows[0], 'Cancel job').click();
    expect(actions.cancelJob).toHaveBeenCalledWith(
      store.get('session-1'),
      store.get('session-1')!.jobs[0]
    );
  });

  it('renders only a window of the jobs past 100 rows', () => {
    const { store, panel, $, $$ } = setup();
    // Newest first, as the server sends them.
    const jobs = Array.from({ length: 500 }, (_, k) => 499 - k).map(i =>
      makeJob({
        id: `job-${String(i).padStart(3, '0')}`,
        created: at(i),
        status: 'DONE',
        queue_position: null
      })
    );
    store.applySnapshot([makeSession({ jobs })]);

    const list = $('.jp-QSession-jobs')!;
    expect(list.classList).toContain('jp-mod-virtual');
    const first = $$('[data-job-id]');
    expect(first.length).toBeLessThan(40);
    expect(first[0].dataset.jobId).toBe('job-499');

    list.scrollTop = 250 * JOB_ROW_HEIGHT;
    list.dispatchEvent(new Event('scroll'));
    const ids = $$('[data-job-id]').map(r => r.dataset.jobId);
    expect(ids).toContain('job-249');
    expect(ids).not.toContain('job-499');
    expect(panel.row('session-1')).toBeDefined();
  });

  it("leaves other sessions' rows alone when one session changes", () => {
    const { store, $ } = setup();
    store.applySnapshot([
      makeSession({ id: 'a', jobs: [makeJob({ id: 'ja' })] }),
      makeSession({ id: 'b', jobs: [makeJob({ id: 'jb' })] })
    ]);
    const jobOfB = $('[data-job-id="jb"]');

    store.applySession(makeSession({ id: 'a', state: 'inactive' }));

    expect($('[data-job-id="jb"]')).toBe(jobOfB);
    expect($('[data-session-id="a"] .jp-QSession-badge')!.textContent).toBe(
      'inactive'
    );
  });

  it('renders every job up to 100 rows', () => {
    const { store, $, $$ } = setup();
    const jobs = Array.from({ length: 100 }, (_, i) =>
      makeJob({ id: `j${i}`, created: at(i) })
    );
    store.applySnapshot([makeSession({ jobs })]);

    expect($$('[data-job-id]')).toHaveLength(100);
    expect($('.jp-QSession-jobs')!.classList).not.toContain('jp-mod-virtual');
  });

  it('expands a session to its timeline from the header, keeping it expanded across events', () => {
    const { store, $ } = setup();
    store.applySnapshot([makeSession({ jobs: [makeJob()] })]);
    const toggle = $('.jp-QSession-expand')!;
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect($('.jp-QSession-timeline')).toBeNull();

    toggle.click();
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect($('.jp-QSession-timeline')).not.toBeNull();

    store.applySession(makeSession({ state: 'inactive', jobs: [makeJob()] }));
    expect($('.jp-QSession-expand')!.getAttribute('aria-expanded')).toBe(
      'true'
    );
    expect($('.jp-QSession-timeline [data-lane="job-1"]')).not.toBeNull();

    $('.jp-QSession-sessionHeader')!.click();
    expect($('.jp-QSession-timeline')).toBeNull();
  });

  it('hides ended sessions when showEndedSessions is off', () => {
    const { store, panel, $, $$ } = setup({ showEndedSessions: false });
    store.applySnapshot([
      makeSession({ id: 'live' }),
      makeSession({ id: 'ended', state: 'closed', ended_reason: 'closed' })
    ]);
    expect($$('[data-session-id]').map(n => n.dataset.sessionId)).toEqual([
      'live'
    ]);

    panel.settings = {
      showEndedSessions: true,
      warningThreshold: 60,
      usageWarningFraction: 0.8
    };
    expect($$('[data-session-id]').map(n => n.dataset.sessionId)).toEqual([
      'live',
      'ended'
    ]);

    store.applySnapshot([makeSession({ id: 'ended', state: 'closed' })]);
    panel.settings = {
      showEndedSessions: false,
      warningThreshold: 60,
      usageWarningFraction: 0.8
    };
    expect($('.jp-QSessionPanel-empty')!.textContent).toMatch(
      /ended sessions are hidden/
    );
  });

  it('shows a visible reconnecting state with the time to the next attempt', () => {
    const { store, $, advance, setRetryAt } = setup();
    store.connection = 'connected';
    expect($('.jp-QSessionPanel-connection')!.hidden).toBe(true);

    setRetryAt(4);
    store.connection = 'reconnecting';
    const status = $('.jp-QSessionPanel-connection')!;
    expect(status.hidden).toBe(false);
    expect(status.textContent).toBe('Reconnecting in 0:04…');
    advance(4);
    expect(status.textContent).toBe('Reconnecting…');

    store.connection = 'connected';
    expect(status.hidden).toBe(true);
  });

  it('shows why data may be missing', () => {
    const { store, $ } = setup();
    store.problem =
      'The jupyter_qsession server extension did not answer (404).';

    expect($('.jp-QSessionPanel-problem')!.hidden).toBe(false);
    expect($('.jp-QSessionPanel-problem')!.textContent).toContain(
      'did not answer'
    );
  });

  it("shows the registry's problem instead of 'No sessions yet'", () => {
    const { store, $ } = setup();
    store.applySnapshot([]);
    store.problem =
      'The session registry at /data/sessions.sqlite is unreadable (file is not a database).';

    expect($('.jp-QSessionPanel-problem')!.textContent).toContain(
      'registry at /data/sessions.sqlite is unreadable'
    );
    expect($('.jp-QSessionPanel-empty')!.hidden).toBe(true);
  });

  it("lists the server's warnings in the header, and only while there are some", () => {
    const { store, $, $$ } = setup();
    const warnings = $('.jp-QSessionPanel-warnings')!;
    expect(warnings.hidden).toBe(true);

    store.info = makeInfo({
      warnings: [
        'Session s-1 could not be read from the registry (state: …); its row was set aside …',
        'Session s-2 could not be read from the registry (model: …); its row was set aside …'
      ]
    });
    expect(warnings.hidden).toBe(false);
    expect(warnings.getAttribute('aria-label')).toBe(
      'Warnings from the server'
    );
    const items = $$('.jp-QSessionPanel-warnings li');
    expect(items.map(li => li.textContent)).toEqual(store.warnings);
    expect(store.warnings).toHaveLength(2);

    store.info = makeInfo();
    expect(warnings.hidden).toBe(true);
    expect($$('.jp-QSessionPanel-warnings li')).toEqual([]);
  });

  it('keeps the empty text when there are no sessions', () => {
    const { store, $ } = setup();
    store.applySnapshot([]);
    expect($('.jp-QSessionPanel-empty')!.textContent).toBe('No sessions yet');
  });

  it.each(Object.keys(ENDED_WORDS) as EndedReason[])(
    'says why a session ended (%s) in the generated words',
    reason => {
      const { store, $ } = setup();
      store.applySnapshot([
        makeSession({ state: 'closed', ended_reason: reason })
      ]);

      expect($('.jp-QSession-endedReason')!.textContent).toBe(
        `Ended: ${ENDED_WORDS[reason]}`
      );
    }
  );

  it("updates a job's row in place when its status changes", () => {
    const { store, $, $$ } = setup();
    const queued = makeJob({ id: 'j2', status: 'QUEUED', queue_position: 1 });
    const done = makeJob({ id: 'j1', status: 'DONE', queue_position: null });
    store.applySnapshot([makeSession({ jobs: [queued, done] })]);
    const [row2, row1] = $$('[data-job-id]');
    const status2 = row2.querySelector('.jp-QSession-jobStatus');
    expect($$('button[aria-label="Cancel job"]')).toHaveLength(1);

    store.applySession(
      makeSession({
        jobs: [
          {
            ...queued,
            status: 'RUNNING',
            queue_position: null,
            started: at(5)
          },
          { ...done }
        ]
      })
    );

    expect($$('[data-job-id]')).toEqual([row2, row1]);
    expect(row2.querySelector('.jp-QSession-jobStatus')).toBe(status2);
    expect(status2!.textContent).toBe('RUNNING');
    expect(row2.classList).toContain('jp-mod-running');
    expect(
      $('[data-job-id="j2"] .jp-QSession-queuePosition')!.textContent
    ).toBe('');
    expect($$('button[aria-label="Cancel job"]')).toHaveLength(0);
  });

  it('puts a new job on top without remaking the rows of the others', () => {
    const { store, $$ } = setup();
    store.applySnapshot([makeSession({ jobs: [makeJob({ id: 'j1' })] })]);
    const [first] = $$('[data-job-id]');

    store.applySession(
      makeSession({
        jobs: [makeJob({ id: 'j2', created: at(9) }), makeJob({ id: 'j1' })]
      })
    );

    const rows = $$('[data-job-id]');
    expect(rows.map(r => r.dataset.jobId)).toEqual(['j2', 'j1']);
    expect(rows[1]).toBe(first);
  });

  it('updates only the row of the session an event is about', () => {
    const { store, $ } = setup();
    store.applySnapshot([
      makeSession({ id: 'a' }),
      makeSession({ id: 'b' }),
      makeSession({ id: 'c' })
    ]);
    const update = jest.spyOn(SessionRow.prototype, 'update');

    store.applySession(makeSession({ id: 'b', usage_seconds: 99 }));

    expect(update).toHaveBeenCalledTimes(1);
    expect(update.mock.calls[0][0].id).toBe('b');
    expect($('[data-session-id="b"] .jp-QSession-usage')!.textContent).toBe(
      'QPU 1m 39s'
    );
    update.mockRestore();
  });

  it('keeps a session that ended in its place (no jump after a click)', () => {
    const { store, $$ } = setup();
    store.applySnapshot([makeSession({ id: 'a' }), makeSession({ id: 'b' })]);

    store.applySession(
      makeSession({ id: 'a', state: 'closed', ended_reason: 'closed' })
    );

    expect($$('[data-session-id]').map(n => n.dataset.sessionId)).toEqual([
      'a',
      'b'
    ]);
  });

  it('parses no time on a tick: the store parsed them when the session arrived', () => {
    const { store, $, advance } = setup();
    store.applySnapshot([
      makeSession({
        jobs: [makeJob({ status: 'RUNNING', started: at(1) })],
        transitions: [
          { state: 'open', at: at(-5) },
          { state: 'active', at: at(0) }
        ]
      })
    ]);
    $('.jp-QSession-expand')!.click();
    const parse = jest.spyOn(Date, 'parse');

    advance(1);
    advance(1);

    expect(parse).not.toHaveBeenCalled();
    expect($('.jp-QSession-interactiveTtl')!.textContent).toBe('0:58');
    parse.mockRestore();
  });

  it('uses the schema defaults until the settings say otherwise', () => {
    const panel = new SessionsPanel();
    expect(panel.settings).toEqual({
      showEndedSessions: DEFAULT_SETTINGS.showEndedSessions,
      warningThreshold: DEFAULT_SETTINGS.warningThreshold,
      usageWarningFraction: DEFAULT_SETTINGS.usageWarningFraction
    });
    panel.dispose();
  });
});
