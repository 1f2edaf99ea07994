// Hash routes (#/search, #/applications/APP-000001): the hub serves one index.html and needs no
// fallback route. useRoute() re-renders on navigation.
import { useEffect, useState } from './html.js';

export function currentPath() {
  const h = window.location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h : '/';
}

export function navigate(path) {
  if (currentPath() === path) return;
  window.location.hash = path;
}

export function useRoute() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const on = () => {
      setPath(currentPath());
      // Move focus to the new page's heading for keyboard and screen-reader users.
      requestAnimationFrame(() => {
        const h1 = document.querySelector('main h1');
        if (h1) h1.focus();
      });
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return path;
}

// Matches "/applications/:id" against a path; returns the parameters or null.
export function match(pattern, path) {
  const p = pattern.split('/');
  const a = path.split('?')[0].split('/');
  if (p.length !== a.length) return null;
  const params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(a[i]);
    else if (p[i] !== a[i]) return null;
  }
  return params;
}
