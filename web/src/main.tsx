/** Entry point of bragg's browser UI: the shell (navigation from the page registry) and the page. */
import '@h5web/lib/styles.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

const el = document.getElementById('root');
if (el)
  createRoot(el).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
