import type { IEventSocket } from '../events';

/**
 * A socket the test drives: it opens, delivers messages and drops when told.
 */
export class FakeSocket implements IEventSocket {
  constructor(readonly url = '') {}
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: { data: any }) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  closed = false;

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.onopen?.({});
  }

  send(message: unknown): void {
    this.onmessage?.({
      data: typeof message === 'string' ? message : JSON.stringify(message)
    });
  }

  drop(): void {
    this.onerror?.({});
    this.onclose?.({});
  }
}
