import { Widget } from '@lumino/widgets';

import { qsessionIcon } from './icons';

/**
 * The DOM id of the sidebar panel; also how the shell and the UI tests find it.
 */
export const PANEL_ID = 'qsession-panel';

/**
 * The left-sidebar panel listing Qiskit Runtime sessions.
 *
 * For now it only shows the empty state; the session list is added once the
 * server extension serves sessions.
 */
export class SessionsPanel extends Widget {
  constructor() {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-QSessionPanel');
    this.title.icon = qsessionIcon;
    this.title.caption = 'Qiskit Runtime sessions';

    const header = document.createElement('header');
    header.className = 'jp-QSessionPanel-header';
    header.textContent = 'Qiskit Runtime sessions';

    const empty = document.createElement('p');
    empty.className = 'jp-QSessionPanel-empty';
    empty.textContent = 'No sessions yet';

    this.node.append(header, empty);
  }
}
