import { ServerConnection } from '@jupyterlab/services';

import type {
  CloseIdle,
  CloseIdleResult,
  ServerInfo,
  SessionList,
  SessionModel
} from './models';

import { requestAPI } from './request';

/**
 * A readable reason for a failed call: the server's JSON `message` when it
 * sent one, else the HTTP status (a 404 from a server without this extension
 * answers an HTML page, which is no message to show anyone). The length cap
 * leaves room for the 503 of an unusable registry, which names its path.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof ServerConnection.ResponseError) {
    const message = error.message ?? '';
    const readable =
      message.length > 0 && message.length <= 1000 && !/^\s*</.test(message);
    if (readable) {
      return message;
    }
    const { status, statusText } = error.response;
    return `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The typed calls of the qsession REST API. The sidebar depends on this
 * interface, so tests can hand it a fake or the real class over a mocked
 * `requestAPI`.
 *
 * Actions answer the session as it is after the action; the sidebar does not
 * apply that answer itself but waits for the event stream to report the
 * change (data flows one way: server -> event -> UI).
 */
export interface ISessionsAPI {
  /** Who is asking and what they may do. */
  info(): Promise<ServerInfo>;
  /** Every session the user may see (the event stream's snapshot says the same). */
  sessions(): Promise<SessionModel[]>;
  session(sessionId: string): Promise<SessionModel>;
  /** Accept no new jobs; queued jobs still run, then the session closes. */
  closeSession(sessionId: string): Promise<SessionModel>;
  /** Cancel the queued jobs and end the session now; a running job finishes. */
  cancelSession(sessionId: string): Promise<SessionModel>;
  /** Cancel one job; answers the session the job belongs to. */
  cancelJob(jobId: string): Promise<SessionModel>;
  /**
   * The caller's idle sessions, by the server's definition (open, taking
   * jobs, none queued or running): theirs, and those found elsewhere on the
   * account when they may act on those.
   */
  idleSessions(): Promise<SessionModel[]>;
  /**
   * Close the listed idle sessions; the server checks each is still idle and
   * skips (with a reason) those that are not.
   */
  closeIdle(sessionIds: string[]): Promise<CloseIdleResult>;
}

/**
 * `ISessionsAPI` over the one REST client, `requestAPI`.
 */
export class SessionsAPI implements ISessionsAPI {
  constructor(settings?: ServerConnection.ISettings) {
    this._settings = settings ?? ServerConnection.makeSettings();
  }

  info(): Promise<ServerInfo> {
    return this._get<ServerInfo>('info');
  }

  async sessions(): Promise<SessionModel[]> {
    const list = await this._get<SessionList>('sessions');
    return list.sessions;
  }

  session(sessionId: string): Promise<SessionModel> {
    return this._get<SessionModel>(`sessions/${encodeURIComponent(sessionId)}`);
  }

  closeSession(sessionId: string): Promise<SessionModel> {
    return this._post(`sessions/${encodeURIComponent(sessionId)}/close`);
  }

  cancelSession(sessionId: string): Promise<SessionModel> {
    return this._post(`sessions/${encodeURIComponent(sessionId)}/cancel`);
  }

  cancelJob(jobId: string): Promise<SessionModel> {
    return this._post(`jobs/${encodeURIComponent(jobId)}/cancel`);
  }

  async idleSessions(): Promise<SessionModel[]> {
    const list = await this._get<SessionList>('sessions?idle=true');
    return list.sessions;
  }

  closeIdle(sessionIds: string[]): Promise<CloseIdleResult> {
    const body: CloseIdle = { session_ids: sessionIds };
    return requestAPI<CloseIdleResult>(
      'sessions/close-idle',
      { method: 'POST', body: JSON.stringify(body) },
      this._settings
    );
  }

  private _get<T>(endPoint: string): Promise<T> {
    return requestAPI<T>(endPoint, { method: 'GET' }, this._settings);
  }

  private _post(endPoint: string): Promise<SessionModel> {
    return requestAPI<SessionModel>(
      endPoint,
      { method: 'POST' },
      this._settings
    );
  }

  private _settings: ServerConnection.ISettings;
}
