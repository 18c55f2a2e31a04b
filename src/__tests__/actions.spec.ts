import {
  cancelConfirmation,
  cancelJobConfirmation,
  closeConfirmation,
  IConfirmation,
  SessionActions
} from '../actions';

import { SessionsAPI } from '../api';

import { requestAPI } from '../request';

import { makeJob, makeSession } from './fixtures';

import { mockedRequestAPI } from './requestTable';

jest.mock('../request');

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

const session = makeSession({
  id: 's1',
  jobs: [
    makeJob({ id: 'queued-2', status: 'QUEUED', queue_position: 2 }),
    makeJob({ id: 'queued-1', status: 'QUEUED', queue_position: 1 }),
    makeJob({ id: 'running', status: 'RUNNING', queue_position: null })
  ]
});

describe('confirmation texts say what will happen', () => {
  it('close: no new jobs, queued jobs still run', () => {
    const text = closeConfirmation(session);
    expect(text.accept).toBe('Close session');
    expect(text.body).toContain('accept no new jobs');
    expect(text.body).toContain('Queued jobs still run (2 now)');
  });

  it('cancel: queued jobs are cancelled, it ends now, a running job finishes', () => {
    const text = cancelConfirmation(session);
    expect(text.accept).toBe('Cancel session');
    expect(text.body).toContain('queued jobs are cancelled (2 now)');
    expect(text.body).toContain('ends now');
    expect(text.body).toContain('A job already running finishes');
  });

  it('cancel job: names the job and its place in the queue', () => {
    const text = cancelJobConfirmation(session, session.jobs[0]);
    expect(text.accept).toBe('Cancel job');
    expect(text.body).toContain('queued-');
    expect(text.body).toContain('number 2 in the queue');
  });

  it("never labels the back-out button plain 'Cancel'", () => {
    for (const text of [
      closeConfirmation(session),
      cancelConfirmation(session),
      cancelJobConfirmation(session, session.jobs[0])
    ]) {
      expect(text.reject).not.toBe('Cancel');
    }
  });
});

describe('SessionActions', () => {
  let confirmed: IConfirmation[];
  let errors: string[];

  function actions(answer: boolean, shouldConfirm = true): SessionActions {
    return new SessionActions({
      api: new SessionsAPI(),
      confirm: async confirmation => {
        confirmed.push(confirmation);
        return answer;
      },
      reportError: message => errors.push(message),
      shouldConfirm: () => shouldConfirm
    });
  }

  beforeEach(() => {
    confirmed = [];
    errors = [];
    mockedRequest.mockReset();
    mockedRequest.mockImplementation(
      mockedRequestAPI({
        'POST sessions/s1/close': { body: session },
        'POST sessions/s1/cancel': { body: session },
        'POST jobs/queued-2/cancel': { body: session },
        'POST sessions/gone/close': {
          status: 409,
          body: { message: 'session gone has already ended' }
        }
      }) as any
    );
  });

  it('closes after the user confirms', async () => {
    await expect(actions(true).closeSession(session)).resolves.toBe(true);
    expect(confirmed.map(c => c.title)).toEqual(['Close session?']);
    expect(mockedRequest).toHaveBeenCalledWith(
      'sessions/s1/close',
      { method: 'POST' },
      expect.anything()
    );
  });

  it('sends nothing when the user backs out', async () => {
    await expect(actions(false).cancelSession(session)).resolves.toBe(false);
    expect(confirmed.map(c => c.title)).toEqual(['Cancel session?']);
    expect(mockedRequest).not.toHaveBeenCalled();
  });

  it('asks nothing when confirmActions is off', async () => {
    await expect(
      actions(false, false).cancelJob(session, session.jobs[0])
    ).resolves.toBe(true);
    expect(confirmed).toEqual([]);
    expect(mockedRequest).toHaveBeenCalledWith(
      'jobs/queued-2/cancel',
      { method: 'POST' },
      expect.anything()
    );
  });

  it("reports the server's refusal", async () => {
    const gone = makeSession({ id: 'gone' });
    await expect(actions(true).closeSession(gone)).resolves.toBe(false);
    expect(errors).toEqual([
      'Could not close session gone on fake_brisbane: session gone has already ended'
    ]);
  });
});
