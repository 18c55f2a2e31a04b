import { jobTimeParts } from '../jobList';

import { badge, modeWord, sessionName } from '../labels';

import { SessionNotifier } from '../notifier';

import { SessionsPanel } from '../panel';

import { SessionStore } from '../store';

import { renderTimeline, sessionTimeline } from '../timeline';

import { at, makeInfo, makeJob, makeSession, T0 } from './fixtures';

describe('words a row says', () => {
  it('reads a session that accepts no more jobs but has jobs left as closing', () => {
    expect(
      badge(makeSession({ state: 'active', accepting_jobs: false }))
    ).toEqual({
      word: 'closing',
      kind: 'closing'
    });
    expect(badge(makeSession({ state: 'open' })).word).toBe('pending');
    expect(
      badge(makeSession({ state: 'closed', accepting_jobs: false })).word
    ).toBe('closed');
  });

  it('says session or batch, never the wire word dedicated', () => {
    expect(modeWord(makeSession({ mode: 'dedicated' }))).toBe('session');
    expect(modeWord(makeSession({ mode: 'batch' }))).toBe('batch');
    expect(sessionName(makeSession({ id: 'abcdef123456' }))).toBe(
      'session abcdef12 on fake_brisbane'
    );
  });

  it('labels a job’s times instead of chaining them', () => {
    expect(
      jobTimeParts({ created: T0, started: T0 + 3000, finished: T0 + 14000 })
    ).toEqual([expect.stringMatching(/^created \d/), 'waited 3 s', 'ran 11 s']);
    expect(
      jobTimeParts({ created: T0, started: T0 + 3000, finished: null })
    ).toEqual([
      expect.stringMatching(/^created /),
      'waited 3 s',
      expect.stringMatching(/^started /)
    ]);
    expect(
      jobTimeParts({ created: T0, started: null, finished: T0 + 5000 })
    ).toEqual([
      expect.stringMatching(/^created /),
      expect.stringMatching(/^ended /)
    ]);
  });
});

describe('a row in the panel', () => {
  function panelWith(session: ReturnType<typeof makeSession>) {
    const store = new SessionStore();
    store.info = makeInfo();
    const panel = new SessionsPanel({ store, now: () => T0 });
    store.applySnapshot([session]);
    const $ = (selector: string) =>
      panel.node.querySelector(selector) as HTMLElement;
    return { panel, $ };
  }

  it('reads a kernel-restart ending as such', () => {
    const { $ } = panelWith(
      makeSession({
        state: 'closed',
        ended_reason: 'kernel_restart',
        closed_at: at(5)
      })
    );
    expect($('.jp-QSession-endedReason').textContent).toMatch(
      /^Ended: its kernel restarted at /
    );
  });

  it('shows the mode word and the closing badge', () => {
    const { $ } = panelWith(makeSession({ accepting_jobs: false }));
    expect($('.jp-QSession-mode').textContent).toBe('session');
    expect($('.jp-QSession-badge').textContent).toBe('closing');
    expect($('.jp-QSession-badge').classList).toContain('jp-mod-closing');
  });

  it('shows the jobs of a lost session as UNKNOWN, with what that means', () => {
    const { $ } = panelWith(
      makeSession({
        state: 'closed',
        ended_reason: 'provider_lost',
        jobs: [makeJob({ status: 'UNKNOWN', queue_position: null })]
      })
    );
    expect($('.jp-QSession-jobStatus').textContent).toBe('UNKNOWN');
    expect($('.jp-QSession-jobStatus').title).toMatch(/no longer knows/);
    expect($('.jp-QSession-endedReason').textContent).toMatch(
      /the service lost it/
    );
  });

  it('keeps the full button text in its name and tooltip', () => {
    const { $ } = panelWith(makeSession());
    const close = $('button[aria-label="Close session"]');
    expect(close.querySelector('.jp-QSession-actionShort')!.textContent).toBe(
      'Close'
    );
    expect(close.title).toMatch(/Accept no new jobs/);
  });
});

describe('the timeline', () => {
  it('has a legend of the bars it shows and labelled times', () => {
    const session = makeSession({
      transitions: [
        { state: 'open', at: at(-10) },
        { state: 'active', at: at(0) }
      ],
      jobs: [makeJob({ created: at(-5), started: at(0), finished: null })]
    });
    const node = renderTimeline(sessionTimeline(session, T0 + 20000));
    const legend = Array.from(
      node.querySelectorAll('.jp-QSession-timelineLegend li')
    ).map(item => (item as HTMLElement).dataset.kind);
    expect(legend).toEqual(['pending', 'active', 'queued', 'running']);
    const scale = node.querySelector('.jp-QSession-timelineScale')!;
    expect(scale.children[0].textContent).toMatch(/^from /);
    expect(scale.children[1].textContent).toMatch(/^now /);
  });
});

describe('SessionNotifier: a session the service lost', () => {
  function harness() {
    const store = new SessionStore();
    const warnings: string[] = [];
    const dismissed: string[] = [];
    const notifier = new SessionNotifier({
      store,
      now: () => T0,
      notify: {
        info: () => 'info',
        warning: m => {
          warnings.push(m);
          return `toast-${warnings.length}`;
        },
        dismiss: id => dismissed.push(id)
      }
    });
    return { store, warnings, dismissed, notifier };
  }

  it('tells once, when a reconnection’s snapshot shows a live session lost', () => {
    const { store, warnings } = harness();
    store.applySnapshot([makeSession({ id: 'abc' })]);
    const lost = makeSession({
      id: 'abc',
      state: 'closed',
      ended_reason: 'provider_lost'
    });
    store.applySnapshot([lost]);
    store.applySnapshot([lost]);
    store.applySession(lost);

    expect(warnings).toEqual([
      'Session abc on fake_brisbane ended: the service lost it (e.g. in a restart).'
    ]);
  });

  it('tells nothing of a session already ended when the page first saw it', () => {
    const { store, warnings } = harness();
    store.applySnapshot([
      makeSession({ state: 'closed', ended_reason: 'provider_lost' })
    ]);
    expect(warnings).toEqual([]);
  });

  it('takes back the max-TTL warning when its session ends', () => {
    const { store, warnings, dismissed, notifier } = harness();
    store.applySnapshot([makeSession({ id: 'abc', expires_at: at(120) })]);
    store.applySession(makeSession({ id: 'abc', expires_at: at(30) }));
    notifier.check();
    expect(warnings).toHaveLength(1);

    store.applySession(
      makeSession({ id: 'abc', state: 'closed', ended_reason: 'max_ttl' })
    );
    expect(dismissed).toEqual(['toast-1']);
  });
});
