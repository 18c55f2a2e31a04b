import './base.css';
import './cellStatus.css';
