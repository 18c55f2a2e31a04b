import { SessionsPanel } from '../panel';

import { ORIGIN_WORDS } from '../models';

import { ELSEWHERE_KEY, SessionStore } from '../store';

import { sinceTime } from '../times';

import {
  at,
  makeElsewhere,
  makeInfo,
  makeJob,
  makeSession,
  T0
} from './fixtures';

/**
 * Sessions found elsewhere on the account (a script, another server, a
 * colleague): one group after the kernels', what is known of each, and
 * Close/Cancel only for a user the server lets act on the account's sessions.
 */

function setup(info = makeInfo()) {
  const store = new SessionStore();
  store.info = info;
  const panel = new SessionsPanel({ store, now: () => T0 + 30_000 });
  const $$ = (selector: string) =>
    Array.from(panel.node.querySelectorAll<HTMLElement>(selector));
  const row = (id: string) =>
    panel.node.querySelector<HTMLElement>(`[data-session-id="${id}"]`)!;
  return { store, panel, $$, row };
}

function button(row: HTMLElement, name: string): HTMLButtonElement {
  return row.querySelector<HTMLButtonElement>(`button[aria-label="${name}"]`)!;
}

describe('SessionStore: sessions found elsewhere', () => {
  it('groups them last, under the origin words, in the server order', () => {
    const store = new SessionStore();
    store.setKernelNames(
      new Map([['k1', { name: 'zeta.ipynb', path: 'zeta.ipynb' }]])
    );
    store.applySnapshot([
      makeElsewhere({ id: 'e2' }),
      makeSession({ id: 'a', kernel_id: 'k1' }),
      makeElsewhere({ id: 'e1' }),
      makeSession({ id: 'b', kernel_id: null })
    ]);

    const groups = store.groups();
    expect(groups.map(g => [g.key, g.label, g.origin])).toEqual([
      ['k1', 'zeta.ipynb', 'kernel'],
      ['', 'No kernel', 'kernel'],
      [ELSEWHERE_KEY, ORIGIN_WORDS.elsewhere, 'elsewhere']
    ]);
    expect(ORIGIN_WORDS.elsewhere).toBe('Elsewhere on this account');
    expect(groups[2].sessions.map(s => s.id)).toEqual(['e2', 'e1']);

    // A state change does not move a row; a new one comes first, as the server has it.
    store.applySession(makeElsewhere({ id: 'e1', state: 'inactive' }));
    store.applySession(makeElsewhere({ id: 'e3' }));
    expect(store.groups()[2].sessions.map(s => s.id)).toEqual([
      'e3',
      'e2',
      'e1'
    ]);
  });

  it('lets only a user who may act on the account close them, and says why not', () => {
    const store = new SessionStore();
    const found = makeElsewhere({ owner: 'alice' });
    store.info = makeInfo({ can_act_on_account: true });
    expect(store.permission(found)).toEqual({ allowed: true });

    store.info = makeInfo({ can_act_on_account: false });
    const refused = store.permission(found);
    expect(refused.allowed).toBe(false);
    expect(!refused.allowed && refused.reason).toMatch(
      /^Read-only: .*elsewhere/
    );
    // ... which says nothing of the kernel's own sessions.
    expect(store.permission(makeSession())).toEqual({ allowed: true });

    store.info = makeInfo({ can_write: false, can_act_on_account: true });
    expect(store.permission(found).allowed).toBe(false);
  });
});

describe('SessionsPanel: the Elsewhere group', () => {
  it('shows what is known of each: backend, mode, state, TTLs, since, usage', () => {
    const { store, $$, row } = setup();
    store.applySnapshot([
      makeSession({ id: 'mine', usage_seconds: 5 }),
      makeElsewhere({
        id: 'found',
        backend: 'fake_kyiv',
        mode: 'batch',
        state: 'active',
        usage_seconds: 125,
        started_at: at(-3600),
        expires_at: at(7200),
        interactive_expires_at: at(45),
        registered_at: at(-60),
        jobs: [makeJob({ id: 'j', status: 'RUNNING', queue_position: null })]
      })
    ]);

    const headings = $$('.jp-QSession-groupName');
    expect(headings.map(h => h.textContent)).toEqual([
      'Kernel kernel-a',
      'Elsewhere on this account'
    ]);
    expect(headings[1].closest('li')!.dataset.origin).toBe('elsewhere');
    const found = row('found');
    const text = (selector: string) =>
      found.querySelector<HTMLElement>(selector)!.textContent;
    expect(text('.jp-QSession-backend')).toBe('fake_kyiv');
    expect(text('.jp-QSession-mode')).toBe('batch');
    expect(text('.jp-QSession-badge')).toBe('active');
    expect(text('.jp-QSession-maxTtl')).toBe('1:59:30');
    expect(text('.jp-QSession-interactiveTtl')).toBe('0:15');
    expect(found.querySelectorAll('.jp-QSession-job')).toHaveLength(1);
    // Since its first job started (not since this server found it).
    const since = found.querySelector<HTMLElement>('.jp-QSession-since')!;
    expect(since.textContent).toBe(sinceTime(T0 - 3600_000, T0 + 30_000));
    expect(since.parentElement!.title).toMatch(/^Its first job started at /);
    // Every row shows its usage as IBM counts it, by mode.
    expect(text('.jp-QSession-usage')).toBe('QPU 2m 5s');
    expect(
      found.querySelector<HTMLElement>('.jp-QSession-usage')!.title
    ).toMatch(/as IBM counts it for a batch/);
    expect(row('mine').querySelector('.jp-QSession-usage')!.textContent).toBe(
      'QPU 5s'
    );
    // "since" is what the Elsewhere group adds; a kernel's group names the notebook.
    expect(
      row('mine').querySelector<HTMLElement>('.jp-QSession-since')!
        .parentElement!.hidden
    ).toBe(true);
  });

  it('says since when it was found when no job has started', () => {
    const { store, row } = setup();
    store.applySnapshot([
      makeElsewhere({
        id: 'found',
        state: 'open',
        started_at: null,
        expires_at: null,
        registered_at: at(-60)
      })
    ]);

    const since =
      row('found').querySelector<HTMLElement>('.jp-QSession-since')!;
    expect(since.parentElement!.hidden).toBe(false);
    expect(since.parentElement!.title).toMatch(/^Found on the account at /);
  });

  it('is read-only for a user who may not act on the account, and says why on hover', () => {
    const { store, row } = setup(makeInfo({ can_act_on_account: false }));
    store.applySnapshot([makeSession({ id: 'mine' }), makeElsewhere()]);

    for (const name of ['Close session', 'Cancel session']) {
      const refused = button(row('elsewhere-1'), name);
      expect(refused.disabled).toBe(true);
      expect(refused.title).toMatch(/^Read-only: /);
      expect(button(row('mine'), name).disabled).toBe(false);
    }
  });

  it('offers Close and Cancel to a user who may act on the account', () => {
    const { store, row } = setup(makeInfo({ can_act_on_account: true }));
    store.applySnapshot([makeElsewhere()]);

    expect(button(row('elsewhere-1'), 'Close session').disabled).toBe(false);
    expect(button(row('elsewhere-1'), 'Cancel session').disabled).toBe(false);
  });

  it('moves a session the kernel claimed from the Elsewhere group to its kernel', () => {
    const { store, $$ } = setup();
    store.applySnapshot([makeElsewhere({ id: 'x' })]);
    store.applySession(
      makeSession({ id: 'x', origin: 'kernel', kernel_id: 'k9' })
    );

    expect($$('.jp-QSession-groupName').map(h => h.textContent)).toEqual([
      'Kernel k9'
    ]);
  });
});
