const KEY = 'disclosure-packager.token';

/**
 * The API token lives in sessionStorage: it survives a reload, leaves
 * with the tab, and never appears in a URL.
 */
export const session = {
  read(): string | null {
    return sessionStorage.getItem(KEY);
  },
  write(token: string): void {
    sessionStorage.setItem(KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};
