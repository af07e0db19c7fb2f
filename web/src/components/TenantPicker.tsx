/** The tenants the token may act for; a token acts for one today. */
export function TenantPicker(props: {
  tenants: { id: string; name: string }[];
  value: string;
  onChange: (tenantId: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor="tenant">Tenant</label>
      <select
        id="tenant"
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      >
        {props.tenants.map((tenant) => (
          <option key={tenant.id} value={tenant.id}>
            {tenant.name} ({tenant.id})
          </option>
        ))}
      </select>
    </div>
  );
}
