import type { MouseEvent, ReactNode } from 'react';
import { pathOf, type Route } from '../app/router';

/** A real link (it opens in a new tab too) that navigates in place. */
export function Link(props: {
  to: Route;
  navigate: (to: Route) => void;
  children: ReactNode;
  className?: string;
  current?: boolean;
}) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button) {
      return;
    }
    event.preventDefault();
    props.navigate(props.to);
  };
  return (
    <a
      href={pathOf(props.to)}
      onClick={onClick}
      className={props.className}
      aria-current={props.current ? 'page' : undefined}
    >
      {props.children}
    </a>
  );
}
