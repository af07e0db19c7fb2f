import { useCallback, useEffect, useState } from 'react';

export const BASE = '/ui';

/** The UI's own routes, below /ui/. */
export type Route =
  | { page: 'export' }
  | { page: 'job'; jobId: string }
  | { page: 'history' }
  | { page: 'verify' }
  | { page: 'missing' };

/** Reads a route from a path such as /ui/jobs/123. */
export function routeOf(pathname: string): Route {
  const path = pathname.startsWith(BASE)
    ? pathname.slice(BASE.length)
    : pathname;
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { page: 'export' };
  if (parts[0] === 'jobs' && parts.length === 2 && parts[1]) {
    return { page: 'job', jobId: decodeURIComponent(parts[1]) };
  }
  if (parts.length === 1 && parts[0] === 'history') return { page: 'history' };
  if (parts.length === 1 && parts[0] === 'verify') return { page: 'verify' };
  return { page: 'missing' };
}

/** The path of a route, for links. */
export function pathOf(route: Route): string {
  switch (route.page) {
    case 'job':
      return `${BASE}/jobs/${encodeURIComponent(route.jobId)}`;
    case 'history':
      return `${BASE}/history`;
    case 'verify':
      return `${BASE}/verify`;
    default:
      return `${BASE}/`;
  }
}

/** The current route, following pushState navigation and Back/Forward. */
export function useRoute(): [Route, (to: Route) => void] {
  const [route, setRoute] = useState(() => routeOf(location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(routeOf(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: Route) => {
    history.pushState(null, '', pathOf(to));
    setRoute(to);
  }, []);
  return [route, navigate];
}
