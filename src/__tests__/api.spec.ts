import { ServerConnection } from '@jupyterlab/services';

import { errorMessage, SessionsAPI } from '../api';

import { requestAPI } from '../request';

import { makeInfo, makeSession } from './fixtures';

import { mockedRequestAPI } from './requestTable';

jest.mock('../request');

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

describe('SessionsAPI over the one REST client', () => {
  const api = new SessionsAPI();
  const session = makeSession({ id: 'abc/1' });

  beforeEach(() => {
    mockedRequest.mockReset();
    mockedRequest.mockImplementation(
      mockedRequestAPI({
        'GET info': { body: makeInfo() },
        'GET sessions': { body: { sessions: [session] } },
        'GET sessions/abc%2F1': { body: session },
        'POST sessions/abc%2F1/close': {
          body: { ...session, accepting_jobs: false }
        },
        'POST sessions/abc%2F1/cancel': {
          body: { ...session, state: 'closed' }
        },
        'POST jobs/job-9/cancel': { body: session },
        'POST sessions/gone/close': {
          status: 404,
          body: { message: 'session gone not found' }
        },
        'POST sessions/theirs/cancel': {
          status: 403,
          body: { message: 'session theirs belongs to bob' }
        }
      }) as any
    );
  });

  it('reads who the user is and what they may do', async () => {
    await expect(api.info()).resolves.toEqual(makeInfo());
  });

  it('unwraps the session list', async () => {
    await expect(api.sessions()).resolves.toEqual([session]);
  });

  it('escapes ids in the path', async () => {
    await expect(api.session('abc/1')).resolves.toEqual(session);
  });

  it('closes, cancels and cancels jobs with POST', async () => {
    await expect(api.closeSession('abc/1')).resolves.toMatchObject({
      accepting_jobs: false
    });
    await expect(api.cancelSession('abc/1')).resolves.toMatchObject({
      state: 'closed'
    });
    await expect(api.cancelJob('job-9')).resolves.toEqual(session);
    expect(mockedRequest.mock.calls.map(call => call[1]?.method)).toEqual([
      'POST',
      'POST',
      'POST'
    ]);
  });

  it("rejects with the server's message on 404 and 403", async () => {
    await expect(api.closeSession('gone')).rejects.toThrow(
      'session gone not found'
    );
    await expect(api.cancelSession('theirs')).rejects.toThrow(
      'session theirs belongs to bob'
    );
  });
});

describe('errorMessage', () => {
  it("keeps the server's JSON message", () => {
    const error = new ServerConnection.ResponseError(
      { status: 409, statusText: 'Conflict' } as Response,
      'session abc has already ended'
    );
    expect(errorMessage(error)).toBe('session abc has already ended');
  });

  it("keeps the registry's 503 message, path and advice included", () => {
    const message =
      'The session registry at /home/someone/.local/share/jupyter/qsession/' +
      'sessions.sqlite is unreadable (file is not a database). It was left as ' +
      'is for inspection: move it away, or set c.QSessionApp.registry_path to ' +
      'another file, and restart the server.';
    const error = new ServerConnection.ResponseError(
      { status: 503, statusText: 'Service Unavailable' } as Response,
      message
    );
    expect(errorMessage(error)).toBe(message);
  });

  it('shows the status instead of an HTML error page', () => {
    const error = new ServerConnection.ResponseError(
      { status: 404, statusText: 'Not Found' } as Response,
      '<!DOCTYPE HTML> <html> <h1>404 : Not Found</h1> </html>'
    );
    expect(errorMessage(error)).toBe('HTTP 404 Not Found');
  });

  it('passes other errors through', () => {
    expect(errorMessage(new Error('Failed to fetch'))).toBe('Failed to fetch');
  });
});
