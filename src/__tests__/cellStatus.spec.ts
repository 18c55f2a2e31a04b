import { MimeModel } from '@jupyterlab/rendermime';

import { ISessionActions, SessionActions } from '../actions';

import type { ISessionsAPI } from '../api';

import {
  CellStatus,
  cellJobs,
  cellStatusFactory,
  ICellStatusData,
  STATUS_MIME
} from '../cellStatus';

import { Ticker } from '../countdown';

import type { JobModel, SessionModel } from '../models';

import { SessionStore } from '../store';

import {
  at,
  makeAccount,
  makeInfo,
  makeJob,
  makeSession,
  refOf,
  T0
} from './fixtures';

const RUNNING: ICellStatusData = {
  session_id: 'session-1',
  backend: 'fake_brisbane',
  mode: 'session',
  provider: 'emulator',
  started: at(0),
  after_job: 'job-old',
  jobs: null
};
const SAVED = 'fake_brisbane · session session-1 · no job yet';

function setup(actions: ISessionActions = fakeActions()) {
  let now = T0;
  const store = new SessionStore();
  store.info = makeInfo();
  const ticker = new Ticker({ setInterval: () => 0, clearInterval: () => {} });
  const status = new CellStatus({ store, ticker, actions, now: () => now });
  const render = (data: ICellStatusData, text = SAVED) =>
    status.renderModel(
      new MimeModel({
        data: { [STATUS_MIME]: data as any, 'text/plain': text }
      })
    );
  const $ = (selector: string) =>
    status.node.querySelector<HTMLElement>(selector);
  const texts = (selector: string) =>
    Array.from(status.node.querySelectorAll<HTMLElement>(selector)).map(
      node => node.textContent
    );
  const button = (name: string) =>
    status.node.querySelector<HTMLButtonElement>(
      `button[aria-label="${name}"]`
    )!;
  return {
    store,
    ticker,
    status,
    actions,
    render,
    $,
    texts,
    button,
    advance: (seconds: number) => {
      now += seconds * 1000;
      ticker.tick();
    }
  };
}

function fakeActions() {
  return {
    closeSession: jest.fn(async (_session: SessionModel) => true),
    cancelSession: jest.fn(async (_session: SessionModel) => true),
    cancelJob: jest.fn(async (_session: SessionModel, _job: JobModel) => true)
  };
}

// The store keeps a session's jobs newest first, as the server sends them.
const JOBS = [
  makeJob({ id: 'job-new', status: 'QUEUED', queue_position: 2 }),
  makeJob({ id: 'job-mid', status: 'RUNNING', queue_position: null }),
  makeJob({ id: 'job-old', status: 'DONE', queue_position: null })
];

describe('cellJobs', () => {
  it('while the cell runs, is the jobs newer than the one before it, oldest first', () => {
    const session = makeSession({ jobs: JOBS });
    expect(cellJobs(session, RUNNING).map(job => job.id)).toEqual([
      'job-mid',
      'job-new'
    ]);
    expect(
      cellJobs(session, { ...RUNNING, after_job: null }).map(job => job.id)
    ).toEqual(['job-old', 'job-mid', 'job-new']);
  });

  it('once the cell ended, is the jobs it lists; none for a status of no cell', () => {
    const session = makeSession({ jobs: JOBS });
    const ended = { ...RUNNING, jobs: ['job-mid'] };
    expect(cellJobs(session, ended).map(job => job.id)).toEqual(['job-mid']);
    expect(cellJobs(session, { ...RUNNING, in_cell: false })).toEqual([]);
  });
});

describe('CellStatus', () => {
  it('shows the session live: backend, mode, badge, TTLs that tick, the cell jobs and their queue position', async () => {
    const t = setup();
    t.store.applySession(makeSession({ jobs: JOBS }));
    await t.render(RUNNING);
    expect(t.$('.jp-QSessionCell-backend')!.textContent).toBe('fake_brisbane');
    expect(t.$('.jp-QSessionCell-mode')!.textContent).toBe('session');
    expect(t.$('.jp-QSession-badge')!.textContent).toBe('active');
    expect(t.$('.jp-QSessionCell-ttl')!.textContent).toBe('1:00:00 left');
    expect(t.$('.jp-QSessionCell-idle')!.textContent).toBe('idle in 1:00');
    expect(t.texts('.jp-QSessionCell-jobStatus')).toEqual([
      'RUNNING',
      'QUEUED'
    ]);
    expect(t.texts('.jp-QSessionCell-position')).toEqual(['#2 in queue']);
    t.advance(5);
    expect(t.$('.jp-QSessionCell-ttl')!.textContent).toBe('59:55 left');
    expect(t.$('.jp-QSessionCell-idle')!.textContent).toBe('idle in 0:55');
    expect(t.button('Cancel session').disabled).toBe(false);
  });

  it('names the account the session is on only where the lab serves several', async () => {
    const t = setup();
    const second = makeAccount({ name: 'second', channel: 'ibm_cloud' });
    t.store.applyEvent({
      type: 'snapshot',
      sessions: [makeSession({ account: refOf(second) })],
      accounts: [makeAccount()]
    });
    await t.render(RUNNING);
    expect(t.$('.jp-QSessionCell-account')).toBeNull();

    t.store.applyEvent({
      type: 'snapshot',
      sessions: [makeSession({ account: refOf(second) })],
      accounts: [makeAccount(), second]
    });
    expect(t.$('.jp-QSessionCell-account')!.textContent).toBe('on second');
    expect(t.$('.jp-QSessionCell-account')!.title).toContain(
      'Channel: ibm_cloud'
    );
  });

  it('follows its session: a change re-renders it, another session does not', async () => {
    const t = setup();
    t.store.applySession(makeSession({ jobs: JOBS }));
    await t.render(RUNNING);
    const header = t.$('.jp-QSessionCell-header');
    t.store.applySession(makeSession({ id: 'session-2' }));
    expect(t.$('.jp-QSessionCell-header')).toBe(header);
    t.store.applySession(
      makeSession({ accepting_jobs: false, jobs: JOBS.slice(1) })
    );
    expect(t.$('.jp-QSession-badge')!.textContent).toBe('closing');
    expect(t.texts('.jp-QSessionCell-jobStatus')).toEqual(['RUNNING']);
  });

  it('once the session ended, says why and disables its buttons', async () => {
    const t = setup();
    t.store.applySession(
      makeSession({
        state: 'closed',
        accepting_jobs: false,
        closed_at: at(30),
        ended_reason: 'kernel_restart',
        jobs: [
          makeJob({ id: 'job-1', status: 'CANCELLED', queue_position: null })
        ]
      })
    );
    await t.render({ ...RUNNING, after_job: null, jobs: ['job-1'] });
    expect(t.$('.jp-QSession-badge')!.textContent).toBe('closed');
    expect(t.$('.jp-QSessionCell-ended')!.textContent).toBe(
      'Ended: its kernel restarted'
    );
    expect(t.$('.jp-QSessionCell-ttl')).toBeNull();
    expect(t.button('Close session').disabled).toBe(true);
    expect(t.button('Cancel session').disabled).toBe(true);
    expect(t.button('Cancel session').title).toBe('The session has ended');
  });

  it('reads naturally with no job, running or ended', async () => {
    const t = setup();
    t.store.applySession(makeSession({ jobs: [] }));
    await t.render({ ...RUNNING, after_job: null });
    expect(t.$('.jp-QSessionCell-noJob')!.textContent).toBe('No job yet');
    await t.render({ ...RUNNING, after_job: null, jobs: [] });
    expect(t.$('.jp-QSessionCell-noJob')!.textContent).toBe(
      'No job in this cell'
    );
  });

  it('shows the saved line while the store does not hold the session, then goes live', async () => {
    const t = setup();
    await t.render(RUNNING);
    expect(t.$('.jp-QSessionCell-saved')!.textContent).toBe(SAVED);
    expect(t.status.node.textContent).not.toContain('not found');
    t.store.applySession(makeSession({ jobs: JOBS }));
    expect(t.$('.jp-QSessionCell-saved')).toBeNull();
    expect(t.$('.jp-QSession-badge')!.textContent).toBe('active');
  });

  it('acts through the sidebar actions, which ask before cancelling', async () => {
    const api = {
      closeSession: jest.fn(async () => ({})),
      cancelSession: jest.fn(async () => ({}))
    } as unknown as ISessionsAPI;
    const confirm = jest.fn(async () => false);
    const t = setup(new SessionActions({ api, confirm }));
    t.store.applySession(makeSession({ jobs: JOBS }));
    await t.render(RUNNING);
    t.button('Cancel session').click();
    await Promise.resolve();
    expect(confirm).toHaveBeenCalledTimes(1);
    expect((confirm.mock.calls[0] as any)[0].title).toBe('Cancel session?');
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(api.cancelSession).not.toHaveBeenCalled();
    expect(t.button('Cancel session').disabled).toBe(false);
  });

  it('a disposed status no longer follows the store or the ticker', async () => {
    const t = setup();
    t.store.applySession(makeSession({ jobs: JOBS }));
    await t.render(RUNNING);
    const ttl = t.$('.jp-QSessionCell-ttl')!;
    t.status.dispose();
    t.advance(5);
    expect(ttl.textContent).toBe('1:00:00 left');
  });
});

describe('cellStatusFactory', () => {
  it('renders the status MIME type, also in an untrusted (reloaded) notebook', () => {
    const store = new SessionStore();
    const factory = cellStatusFactory({
      store,
      ticker: new Ticker(),
      actions: fakeActions()
    });
    expect(factory.mimeTypes).toEqual([STATUS_MIME]);
    expect(factory.safe).toBe(true);
    expect(factory.createRenderer({} as any)).toBeInstanceOf(CellStatus);
  });
});
