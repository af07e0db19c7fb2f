import type { Me } from '../api/types';

/**
 * Says, in words, why an action is off or missing: the token lacks the
 * exporter role. A disabled control points at it with aria-describedby.
 */
export function RoleNote(props: { me: Me; action: string; id?: string }) {
  const { me } = props;
  return (
    <p id={props.id} className="hint role-note" data-testid="role-note">
      {props.action} needs the exporter role. Your token ({me.role}){' '}
      {me.roleNote}; ask your administrator for a token with the exporter role.
    </p>
  );
}
