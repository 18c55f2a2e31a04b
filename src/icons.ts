import { LabIcon } from '@jupyterlab/ui-components';

import qsessionSvgStr from '../style/icons/qsession.svg';

/**
 * The icon of the Qiskit Runtime sessions sidebar.
 */
export const qsessionIcon = new LabIcon({
  name: 'jupyter-qsession:qsession',
  svgstr: qsessionSvgStr
});
