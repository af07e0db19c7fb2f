import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { ApiClient, ApiError } from '../api/client';
import type { Me } from '../api/types';
import { Link } from '../components/Link';
import { StateMessage } from '../components/StateMessage';
import { History } from '../pages/History';
import { JobPage } from '../pages/JobPage';
import { NewExport } from '../pages/NewExport';
import { SignIn } from '../pages/SignIn';
import { Verify } from '../pages/Verify';
import { useRoute, type Route } from './router';
import { session } from './session';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; me: Me }
  | { state: 'error'; error: ApiError };

/** The app: sign-in, then the pages of a signed-in user. */
export function App() {
  const [token, setToken] = useState(() => session.read());
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const api = useMemo(() => (token ? new ApiClient(token) : null), [token]);

  const signOut = useCallback(() => {
    session.clear();
    setToken(null);
    setLoad({ state: 'loading' });
  }, []);

  useEffect(() => {
    if (!api) return;
    let live = true;
    api.me().then(
      (me) => live && setLoad({ state: 'ready', me }),
      (caught: unknown) => {
        if (!live) return;
        if (caught instanceof ApiError && caught.status === 401) signOut();
        else setLoad({ state: 'error', error: toApiError(caught) });
      },
    );
    return () => {
      live = false;
    };
  }, [api, attempt, signOut]);

  if (!token || !api) {
    return (
      <Frame>
        <SignIn
          onSignedIn={(value, me) => {
            session.write(value);
            setToken(value);
            setLoad({ state: 'ready', me });
          }}
        />
      </Frame>
    );
  }
  if (load.state === 'loading') {
    return (
      <Frame>
        <main id="main">
          <p role="status">Loading…</p>
        </main>
      </Frame>
    );
  }
  if (load.state === 'error') {
    return (
      <Frame onSignOut={signOut}>
        <main id="main">
          <h1>Disclosure Packager</h1>
          <Unreachable
            error={load.error}
            onRetry={() => setAttempt((a) => a + 1)}
          />
        </main>
      </Frame>
    );
  }
  if (!load.me.features.ui) {
    return (
      <Frame me={load.me} onSignOut={signOut}>
        <main id="main">
          <h1>Not enabled for your organisation yet</h1>
          <StateMessage
            tone="empty"
            title="The web app is not enabled for this tenant"
          >
            The Disclosure Packager web app is being rolled out gradually and is
            not yet switched on for tenant <strong>{load.me.tenantId}</strong>.
            Ask your administrator to enable it; until then, exports work
            through the API and the command line.
          </StateMessage>
        </main>
      </Frame>
    );
  }
  return <SignedIn api={api} me={load.me} onSignOut={signOut} />;
}

function toApiError(caught: unknown): ApiError {
  return caught instanceof ApiError
    ? caught
    : new ApiError(String(caught), 'unreachable');
}

function Unreachable(props: { error: ApiError; onRetry: () => void }) {
  const unreachable = props.error.kind === 'unreachable';
  return (
    <StateMessage
      tone="error"
      title={
        unreachable ? 'The service cannot be reached' : 'Something went wrong'
      }
      action={
        <button
          type="button"
          className="button-primary"
          onClick={props.onRetry}
        >
          Try again
        </button>
      }
    >
      {unreachable
        ? 'The Disclosure Packager service did not answer. Check your network connection; if it works, the service may be down: ask your administrator.'
        : props.error.message}
    </StateMessage>
  );
}

const TITLES: Record<Route['page'], string> = {
  export: 'New export',
  job: 'Export',
  history: 'Your exports',
  verify: 'Verify a bundle',
  missing: 'Page not found',
};

function SignedIn(props: { api: ApiClient; me: Me; onSignOut: () => void }) {
  const [route, navigate] = useRoute();
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${TITLES[route.page]} · Disclosure Packager`;
    // Moving focus to the new page's heading tells screen reader and
    // keyboard users that the page changed; not on the first load.
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [route]);

  return (
    <Frame
      me={props.me}
      onSignOut={props.onSignOut}
      route={route}
      navigate={navigate}
    >
      <main id="main">
        <h1 ref={heading} tabIndex={-1}>
          {TITLES[route.page]}
        </h1>
        <Page route={route} navigate={navigate} {...props} />
      </main>
    </Frame>
  );
}

function Page(props: {
  route: Route;
  navigate: (to: Route) => void;
  api: ApiClient;
  me: Me;
}) {
  const { route, navigate, api, me } = props;
  switch (route.page) {
    case 'export':
      return <NewExport api={api} me={me} navigate={navigate} />;
    case 'job':
      return (
        <JobPage
          key={route.jobId}
          api={api}
          me={me}
          jobId={route.jobId}
          navigate={navigate}
        />
      );
    case 'history':
      return <History api={api} me={me} navigate={navigate} />;
    case 'verify':
      return <Verify />;
    case 'missing':
      return (
        <StateMessage
          tone="empty"
          title="There is no page at this address"
          action={
            <Link to={{ page: 'export' }} navigate={navigate}>
              Start a new export
            </Link>
          }
        >
          The link may be mistyped or out of date.
        </StateMessage>
      );
  }
}

const NAV: { route: Route; label: string }[] = [
  { route: { page: 'export' }, label: 'New export' },
  { route: { page: 'history' }, label: 'Your exports' },
  { route: { page: 'verify' }, label: 'Verify a bundle' },
];

/** The page frame: skip link, product name, navigation, who you are. */
function Frame(props: {
  children: ReactNode;
  me?: Me;
  onSignOut?: () => void;
  route?: Route;
  navigate?: (to: Route) => void;
}) {
  const { me, route, navigate } = props;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="masthead">
        <div className="masthead-inner">
          <span className="brand">Disclosure Packager</span>
          {route && navigate && (
            <nav aria-label="Main">
              <ul className="nav">
                {NAV.map((item) => (
                  <li key={item.label}>
                    <Link
                      to={item.route}
                      navigate={navigate}
                      current={route.page === item.route.page}
                    >
                      {item.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {me && (
            <div className="whoami">
              <span data-testid="whoami">
                {me.subject} · tenant <strong>{me.tenantId}</strong> · role{' '}
                <abbr title={me.roleNote}>{me.role}</abbr>
              </span>
              {props.onSignOut && (
                <button
                  type="button"
                  className="button-small"
                  onClick={props.onSignOut}
                >
                  Sign out
                </button>
              )}
            </div>
          )}
        </div>
      </header>
      <div className="page">{props.children}</div>
    </>
  );
}
