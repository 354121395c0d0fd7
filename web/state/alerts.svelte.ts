/** Security and error warnings shown with role="alert" until the user dismisses them. */
export interface AlertItem {
  id: number;
  text: string;
}

export class AlertList {
  items = $state<AlertItem[]>([]);
  private nextId = 1;

  raise(text: string): void {
    // The same warning repeating (a retrying attacker) is shown once, not stacked.
    if (this.items.some((a) => a.text === text)) return;
    this.items = [...this.items, { id: this.nextId++, text }];
  }

  dismiss(id: number): void {
    this.items = this.items.filter((a) => a.id !== id);
  }
}
