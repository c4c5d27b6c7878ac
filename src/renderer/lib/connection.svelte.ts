import type { ConnectionStatus } from './transport-ws';

/** What the app frame shows about the link to the main process (always 'open' under Electron). */
class Connection {
  status = $state<ConnectionStatus>('open');
}

export const connection = new Connection();
