import { PANEL_ID, SessionsPanel } from '../panel';

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
});
