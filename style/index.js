import './base.css';
import './accounts.css';
import './cellStatus.css';
