// Names of the files Tincan saves: `tincan-<kind>-<name>-<YYYY-MM-DD>.json`.

/**
 * `tincan-<kind>-<name>-<YYYY-MM-DD>.json`, the name reduced to lowercase ASCII letters, digits
 * and hyphens (so it is a safe file name everywhere), the date the local day.
 */
export function datedFileName(kind: string, name: string, date: Date): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents, split off by NFKD: "Zoë" becomes "zoe"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
  const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()].map((n) => String(n).padStart(2, '0')).join('-');
  return `tincan-${kind}-${slug ? `${slug}-` : ''}${day}.json`;
}
